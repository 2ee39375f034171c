package dev.securecart.ratelimit;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Micrometer meters for one limiter, registered once when it is created and updated on each
 * decision. Meters are tagged with the limiter's name, never with a limited key:
 *
 * <ul>
 *   <li>{@value #DECISIONS}{@code {limiter, result}}: decisions, with {@code result} {@code
 *       allowed}, {@code rejected} or {@code fallback} (decided by the fallback while Redis was
 *       slow or down, whatever the outcome);
 *   <li>{@value #REDIS_LATENCY}{@code {limiter}}: the time from asking Redis to its answer;
 *   <li>{@value #FALLBACK_ACTIVE}{@code {limiter}}: 1 while the limiter decides with its fallback.
 * </ul>
 *
 * Usually made by {@link RateLimiterConfig.Builder#metrics(MeterRegistry)}. Thread-safe.
 */
public final class RateLimiterMetrics implements RateLimiterStats {

  /** Decisions by limiter and result. */
  public static final String DECISIONS = "securecart.ratelimit.decisions";

  /** Latency of decisions made by Redis. */
  public static final String REDIS_LATENCY = "securecart.ratelimit.redis.latency";

  /** Whether the limiter is deciding with its fallback. */
  public static final String FALLBACK_ACTIVE = "securecart.ratelimit.fallback.active";

  private final Counter allowed;
  private final Counter rejected;
  private final Counter fallback;
  private final Timer redisLatency;
  private final AtomicInteger fallbackActive = new AtomicInteger();

  private RateLimiterMetrics(MeterRegistry registry, String limiter) {
    this.allowed = decisions(registry, limiter, "allowed");
    this.rejected = decisions(registry, limiter, "rejected");
    this.fallback = decisions(registry, limiter, "fallback");
    this.redisLatency =
        Timer.builder(REDIS_LATENCY)
            .description("Time a rate-limit decision took on Redis")
            .tag("limiter", limiter)
            .register(registry);
    Gauge.builder(FALLBACK_ACTIVE, fallbackActive, AtomicInteger::get)
        .description("1 while the limiter decides with its fallback because Redis is unavailable")
        .tag("limiter", limiter)
        .register(registry);
  }

  /**
   * Registers the meters of the limiter named {@code limiter} in {@code registry}.
   *
   * @param registry where the meters go
   * @param limiter the limiter's name, used as the {@code limiter} tag
   * @return the stats to give the limiter
   */
  public static RateLimiterMetrics of(MeterRegistry registry, String limiter) {
    requireNonNull(registry, "registry");
    requireNonNull(limiter, "limiter");
    return new RateLimiterMetrics(registry, limiter);
  }

  private static Counter decisions(MeterRegistry registry, String limiter, String result) {
    return Counter.builder(DECISIONS)
        .description("Rate-limit decisions")
        .tag("limiter", limiter)
        .tag("result", result)
        .register(registry);
  }

  @Override
  public void recordDecision(Decision.Source source, boolean allowed) {
    if (source == Decision.Source.FALLBACK) {
      fallback.increment();
    } else if (allowed) {
      this.allowed.increment();
    } else {
      rejected.increment();
    }
  }

  @Override
  public void recordRedisLatency(long nanos) {
    redisLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void recordFallback(boolean active) {
    fallbackActive.set(active ? 1 : 0);
  }
}
