package dev.securecart.ratelimit;

/**
 * What a limiter reports about itself, for metrics. The limiter calls it on every decision, so
 * implementations must be fast, thread-safe and must not throw; {@link RateLimiterMetrics} is the
 * Micrometer one and {@link #disabled()} the default that records nothing.
 */
public interface RateLimiterStats {

  /**
   * Records one decision.
   *
   * @param source who decided
   * @param allowed whether it was allowed
   */
  void recordDecision(Decision.Source source, boolean allowed);

  /**
   * Records the time a Redis decision took, from submission to reply (or failure).
   *
   * @param nanos the latency in nanoseconds
   */
  void recordRedisLatency(long nanos);

  /**
   * Records that the limiter started ({@code true}) or stopped ({@code false}) deciding with its
   * fallback because Redis was slow or down.
   *
   * @param active whether the fallback is now in use
   */
  void recordFallback(boolean active);

  /** Stats that record nothing. */
  static RateLimiterStats disabled() {
    return DisabledStats.INSTANCE;
  }
}

/** The stats that record nothing. */
enum DisabledStats implements RateLimiterStats {
  INSTANCE;

  @Override
  public void recordDecision(Decision.Source source, boolean allowed) {}

  @Override
  public void recordRedisLatency(long nanos) {}

  @Override
  public void recordFallback(boolean active) {}
}
