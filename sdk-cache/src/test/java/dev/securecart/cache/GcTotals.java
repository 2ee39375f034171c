package dev.securecart.cache;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * How many garbage collections the JVM has run and how long they took, summed over its collectors:
 * a latency report states what happened during its measurement, since one collection stops every
 * node of a one-JVM test at once.
 */
record GcTotals(long collections, long millis) {

  static GcTotals now() {
    long collections = 0;
    long millis = 0;
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      collections += Math.max(0, collector.getCollectionCount());
      millis += Math.max(0, collector.getCollectionTime());
    }
    return new GcTotals(collections, millis);
  }

  GcTotals minus(GcTotals earlier) {
    return new GcTotals(collections - earlier.collections, millis - earlier.millis);
  }
}
