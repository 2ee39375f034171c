package dev.securecart.benchmarks.ratelimit;

import java.util.concurrent.CompletableFuture;

/** The tiny adapter every benchmarked limiter hides behind. */
public interface Limiter extends AutoCloseable {

  /** Takes one permit for {@code key}; peers without per-key state ignore the key. */
  boolean tryAcquire(String key);

  /**
   * Takes one permit for {@code key} without waiting for the answer; only the Redis limiters, which
   * all have an asynchronous API, support it.
   */
  default CompletableFuture<Boolean> tryAcquireAsync(String key) {
    throw new UnsupportedOperationException(getClass().getName() + " has no asynchronous API");
  }

  @Override
  default void close() {}
}
