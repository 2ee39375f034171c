package dev.securecart.cache;

import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * What the JVM itself has spent so far: garbage collections (how many, and their time, summed over
 * the collectors) and the JIT compilers' time ({@code CompilationMXBean.getTotalCompilationTime}:
 * each compile counted when it ends, summed over the compiler threads, so over a span it can exceed
 * the span and include a compile begun before it). A latency report states what happened during its
 * measurement: one collection stops every node of a one-JVM test at once, and on a 2-core machine a
 * compiler thread that takes a core for a few milliseconds holds up the Redis client's I/O threads
 * as long.
 */
record JvmActivity(long collections, long gcMillis, long jitMillis) {

  static JvmActivity now() {
    long collections = 0;
    long gcMillis = 0;
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      collections += Math.max(0, collector.getCollectionCount());
      gcMillis += Math.max(0, collector.getCollectionTime());
    }
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    long jitMillis =
        jit != null && jit.isCompilationTimeMonitoringSupported()
            ? jit.getTotalCompilationTime()
            : 0;
    return new JvmActivity(collections, gcMillis, jitMillis);
  }

  JvmActivity minus(JvmActivity earlier) {
    return new JvmActivity(
        collections - earlier.collections,
        gcMillis - earlier.gcMillis,
        jitMillis - earlier.jitMillis);
  }

  @Override
  public String toString() {
    return "GC meanwhile: "
        + collections
        + " collections, "
        + gcMillis
        + " ms; JIT meanwhile: "
        + jitMillis
        + " ms of compiles ended";
  }
}
