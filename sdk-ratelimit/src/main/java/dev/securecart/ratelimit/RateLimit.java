package dev.securecart.ratelimit;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requirePositive;

import java.time.Duration;

/**
 * One limit: {@code permits} per {@code period} sustained, with up to {@code burst} permits taken
 * at once. Over any interval of length {@code W}, a limiter admits at most {@code permits * W /
 * period + burst} permits, one more with {@link Algorithm#SLIDING_WINDOW} (see {@link Algorithm}
 * for how each algorithm meets its bound). The burst defaults to {@code permits}: "5 per minute"
 * lets 5 through at once, then one every 12 seconds.
 *
 * <pre>{@code
 * RateLimit.perMinute(5)                      // 5/min, burst 5
 * RateLimit.perSecond(100).withBurst(10)      // 100/s, at most 10 at once
 * RateLimit.of(1_000, Duration.ofHours(1))    // 1,000/h
 * }</pre>
 *
 * <p>Time is counted in microseconds: the emission interval {@code period / permits} is rounded up
 * to a whole microsecond (so a limit never admits more than configured) and must be at least 1 µs,
 * which allows up to 1,000,000 permits per second. Immutable.
 *
 * @param permits the permits granted per period, greater than 0
 * @param period the period, at least 1 µs per permit
 * @param burst the most permits that may be taken at once, greater than 0
 */
public record RateLimit(long permits, Duration period, long burst) {

  /** The longest period accepted: 365 days. */
  public static final Duration MAX_PERIOD = Duration.ofDays(365);

  /**
   * Validates the limit.
   *
   * @throws NullPointerException if {@code period} is null
   * @throws IllegalArgumentException if a value is zero or negative, the period is longer than
   *     {@link #MAX_PERIOD}, or the emission interval is below 1 µs
   */
  public RateLimit {
    requirePositive(permits, "permits");
    requirePositive(period, "period");
    requirePositive(burst, "burst");
    requireArgument(
        period.compareTo(MAX_PERIOD) <= 0,
        "period must be at most %s, but was %s",
        MAX_PERIOD,
        period);
    requireArgument(
        period.toNanos() / permits >= 1_000,
        "permits per period must leave at least 1 microsecond per permit (at most 1,000,000 per"
            + " second), but was %d per %s",
        permits,
        period);
    requireArgument(
        burst <= 1_000_000_000L
            && burst <= MAX_PERIOD.toNanos() / 1_000 / intervalMicros(permits, period),
        "burst must be at most 1,000,000,000 and stand for at most 365 days of permits, but was %d",
        burst);
  }

  /**
   * {@code permits} per {@code period}, with a burst of {@code permits}.
   *
   * @throws IllegalArgumentException as the canonical constructor does
   */
  public static RateLimit of(long permits, Duration period) {
    return new RateLimit(permits, period, permits);
  }

  /**
   * {@code permits} per {@code period} with the given burst.
   *
   * @throws IllegalArgumentException as the canonical constructor does
   */
  public static RateLimit of(long permits, Duration period, long burst) {
    return new RateLimit(permits, period, burst);
  }

  /** {@code permits} per second, burst {@code permits}. */
  public static RateLimit perSecond(long permits) {
    return of(permits, Duration.ofSeconds(1));
  }

  /** {@code permits} per minute, burst {@code permits}. */
  public static RateLimit perMinute(long permits) {
    return of(permits, Duration.ofMinutes(1));
  }

  /** {@code permits} per hour, burst {@code permits}. */
  public static RateLimit perHour(long permits) {
    return of(permits, Duration.ofHours(1));
  }

  /**
   * A copy of this limit with another burst.
   *
   * @param burst the most permits that may be taken at once, greater than 0
   * @return the new limit
   * @throws IllegalArgumentException if {@code burst} is not positive
   */
  public RateLimit withBurst(long burst) {
    return new RateLimit(permits, period, burst);
  }

  /**
   * The time one permit stands for, {@code period / permits} rounded up to a whole microsecond.
   *
   * @return the emission interval in microseconds
   */
  public long emissionIntervalMicros() {
    return intervalMicros(permits, period);
  }

  private static long intervalMicros(long permits, Duration period) {
    long periodMicros = period.toNanos() / 1_000;
    return (periodMicros + permits - 1) / permits;
  }

  /**
   * A limit of this shape for one of {@code nodes} nodes that share it: the rate divided by {@code
   * nodes} (the period multiplied by it) and the burst divided by it, rounded down but at least 1.
   *
   * <p>Where the period multiplied by {@code nodes} would pass {@link #MAX_PERIOD}, the share is
   * the same rate over {@code MAX_PERIOD} (its permits rounded down, at least 1), so that every
   * valid limit has a share.
   *
   * @param nodes the number of nodes, greater than 0
   * @return this limit when {@code nodes} is 1, else the node's share
   */
  public RateLimit perNode(int nodes) {
    requirePositive(nodes, "nodes");
    if (nodes == 1) {
      return this;
    }
    long sharePermits = permits;
    Duration sharePeriod;
    if (period.compareTo(MAX_PERIOD.dividedBy(nodes)) <= 0) {
      sharePeriod = period.multipliedBy(nodes);
    } else {
      sharePeriod = MAX_PERIOD;
      double rate = (double) permits / ((double) period.toNanos() * nodes);
      sharePermits = Math.max(1, (long) (rate * MAX_PERIOD.toNanos()));
    }
    // Rounding the interval up may leave room for one permit less of burst than burst / nodes.
    long maxBurst = MAX_PERIOD.toNanos() / 1_000 / intervalMicros(sharePermits, sharePeriod);
    return new RateLimit(sharePermits, sharePeriod, Math.max(1, Math.min(burst / nodes, maxBurst)));
  }

  @Override
  public String toString() {
    return permits + "/" + period + " (burst " + burst + ")";
  }
}
