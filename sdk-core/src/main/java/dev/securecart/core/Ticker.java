package dev.securecart.core;

/**
 * A source of monotonic nanosecond time, for measuring durations and deadlines. Components that
 * schedule, expire or measure take a {@code Ticker} from their builder so that tests can drive time
 * by hand instead of sleeping; wall-clock time comes from a {@link java.time.Clock} instead.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Ticker {

  /**
   * Returns the current reading of this ticker in nanoseconds. Only differences between two
   * readings of the same ticker are meaningful.
   *
   * @return the current reading, in nanoseconds
   */
  long read();

  /**
   * Returns the ticker backed by {@link System#nanoTime()}.
   *
   * @return the system ticker
   */
  static Ticker systemTicker() {
    return SystemTicker.INSTANCE;
  }
}
