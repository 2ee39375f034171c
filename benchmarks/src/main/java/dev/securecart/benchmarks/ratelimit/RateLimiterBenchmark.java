package dev.securecart.benchmarks.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * In-process {@code tryAcquire} cost: SecureCart's limiter with per-key state (1,024 known keys;
 * each thread on its own key, or all on one) against Bucket4j's local bucket and Resilience4j's
 * {@code RateLimiter}, each a single limiter.
 *
 * <p>{@code outcome=ALLOWED} gives every limiter a burst of 10^9 at 10^6/s, so that every call in
 * the run is granted (the write path); {@code REJECTED} gives 1/s, so that almost every call is
 * refused (the read-only path).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar RateLimiterBenchmark -t 1
 * java -jar benchmarks/target/benchmarks.jar RateLimiterBenchmark -t 2
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RateLimiterBenchmark {

  /** Whether the calls are granted or refused. */
  public enum Outcome {
    ALLOWED,
    REJECTED
  }

  /** Whether threads use their own keys or share one (peers have one bucket either way). */
  public enum KeyMode {
    PER_THREAD,
    SHARED
  }

  @Param({"SECURECART", "SECURECART_DECISION", "BUCKET4J", "RESILIENCE4J"})
  LimiterType limiterType;

  @Param({"ALLOWED", "REJECTED"})
  Outcome outcome;

  @Param({"PER_THREAD"})
  KeyMode keyMode;

  Limiter limiter;
  List<String> keys;
  final AtomicInteger threads = new AtomicInteger();

  @Setup
  public void setUp() {
    keys = new ArrayList<>();
    for (int i = 0; i < 1_024; i++) {
      keys.add("user-" + i);
    }
    limiter =
        outcome == Outcome.ALLOWED
            ? limiterType.create(1_000_000_000L, 1_000_000, keys)
            : limiterType.create(1, 1, keys);
  }

  /** The key of one benchmark thread. */
  @State(Scope.Thread)
  public static class ThreadKey {
    String key;

    @Setup
    public void setUp(RateLimiterBenchmark benchmark) {
      int index = benchmark.threads.getAndIncrement();
      key = benchmark.keys.get(benchmark.keyMode == KeyMode.SHARED ? 0 : index * 97 % 1_024);
    }
  }

  @Benchmark
  public boolean tryAcquire(ThreadKey thread) {
    return limiter.tryAcquire(thread.key);
  }
}
