package dev.securecart.benchmarks.ratelimit;

/** The tiny adapter every benchmarked limiter hides behind. */
public interface Limiter extends AutoCloseable {

  /** Takes one permit for {@code key}; peers without per-key state ignore the key. */
  boolean tryAcquire(String key);

  @Override
  default void close() {}
}
