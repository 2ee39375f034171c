package dev.securecart.benchmarks.ratelimit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Redis decisions per second with blocking callers (each benchmark thread waits for its decision,
 * as a request thread does): SecureCart's Redis limiter against Bucket4j's Lettuce proxy manager
 * (plain and with {@code batching()}) and Redisson's {@code RRateLimiter}, on the same Redis, on
 * one hot key shared by every caller or on one key per caller. See {@link
 * RedisLimiterBenchmarkState}.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar 'RedisRateLimiterBenchmark' -t 1
 * java -jar benchmarks/target/benchmarks.jar 'RedisRateLimiterBenchmark' -t 16
 * </pre>
 */
@State(Scope.Benchmark)
public class RedisRateLimiterBenchmark extends RedisLimiterBenchmarkState {

  /** The key of one caller (benchmark thread). */
  @State(Scope.Thread)
  public static class Caller {
    String key;

    @Setup
    public void setUp(RedisRateLimiterBenchmark benchmark) {
      key = benchmark.nextCallerKey();
    }
  }

  @Benchmark
  public boolean tryAcquire(Caller caller) {
    return limiter.tryAcquire(caller.key);
  }
}
