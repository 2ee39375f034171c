package dev.securecart.benchmarks.ratelimit;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Redis decisions per second with asynchronous callers, as on an event loop (WebFlux, Netty): each
 * benchmark thread keeps {@value #WINDOW} decisions in flight through the limiter's asynchronous
 * API and starts the next as one completes, so no thread waits on each decision. The same limiters,
 * keys and Redis as {@link RedisRateLimiterBenchmark}; a "caller" is one of the in-flight slots.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar RedisRateLimiterAsyncBenchmark -t 1
 * </pre>
 */
@State(Scope.Benchmark)
public class RedisRateLimiterAsyncBenchmark extends RedisLimiterBenchmarkState {

  /** Decisions in flight per benchmark thread (a power of two). */
  static final int WINDOW = 16;

  /** One benchmark thread's in-flight slots and their keys. */
  @State(Scope.Thread)
  public static class Window {
    final Semaphore free = new Semaphore(WINDOW);
    final String[] keys = new String[WINDOW];
    int next;

    @Setup
    public void setUp(RedisRateLimiterAsyncBenchmark benchmark) {
      for (int i = 0; i < WINDOW; i++) {
        keys[i] = benchmark.nextCallerKey();
      }
    }

    /** Waits for the decisions still in flight, so that none outlives the limiter. */
    @TearDown
    public void drain() throws InterruptedException {
      if (!free.tryAcquire(WINDOW, 30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("decisions still in flight after 30 s");
      }
      free.release(WINDOW);
    }
  }

  @Benchmark
  public void tryAcquireAsync(Window window) throws InterruptedException {
    window.free.acquire();
    limiter
        .tryAcquireAsync(window.keys[window.next++ & (WINDOW - 1)])
        .whenComplete(
            (allowed, error) -> {
              if (error != null) {
                failures.increment();
              }
              window.free.release();
            });
  }
}
