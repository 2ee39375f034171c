package dev.securecart.benchmarks.ratelimit;

import dev.securecart.ratelimit.RateLimit;
import dev.securecart.ratelimit.RateLimiter;
import dev.securecart.ratelimit.RateLimiterConfig;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.List;

/**
 * The in-process limiters: ours (with per-key state, as {@code tryConsume} and as {@code
 * tryAcquire} returning a {@code Decision}) and two single-bucket peers.
 */
public enum LimiterType {
  /** SecureCart's in-process limiter, {@code tryConsume(key, 1)} (GCRA, per-key state). */
  SECURECART {
    @Override
    Limiter create(long capacity, long perSecond, List<String> keys) {
      RateLimiter limiter = secureCart(capacity, perSecond, keys);
      return key -> limiter.tryConsume(key, 1);
    }
  },
  /** The same, through {@code tryAcquire(key, 1).isAllowed()} (builds a {@code Decision}). */
  SECURECART_DECISION {
    @Override
    Limiter create(long capacity, long perSecond, List<String> keys) {
      RateLimiter limiter = secureCart(capacity, perSecond, keys);
      return key -> limiter.tryAcquire(key, 1).isAllowed();
    }
  },
  /** Bucket4j's lock-free local bucket, greedy refill (one bucket). */
  BUCKET4J {
    @Override
    Limiter create(long capacity, long perSecond, List<String> keys) {
      Bucket bucket =
          Bucket.builder()
              .addLimit(
                  limit -> limit.capacity(capacity).refillGreedy(perSecond, Duration.ofSeconds(1)))
              .build();
      return key -> bucket.tryConsume(1);
    }
  },
  /** Resilience4j's {@code AtomicRateLimiter} (one limiter), never waiting. */
  RESILIENCE4J {
    @Override
    Limiter create(long capacity, long perSecond, List<String> keys) {
      io.github.resilience4j.ratelimiter.RateLimiter limiter =
          io.github.resilience4j.ratelimiter.RateLimiter.of(
              "bench",
              io.github.resilience4j.ratelimiter.RateLimiterConfig.custom()
                  .limitForPeriod((int) Math.min(Integer.MAX_VALUE, capacity))
                  .limitRefreshPeriod(Duration.ofNanos(1_000_000_000L * capacity / perSecond))
                  .timeoutDuration(Duration.ZERO)
                  .build());
      return key -> limiter.acquirePermission();
    }
  };

  abstract Limiter create(long capacity, long perSecond, List<String> keys);

  private static RateLimiter secureCart(long capacity, long perSecond, List<String> keys) {
    RateLimiter limiter =
        RateLimiter.local(
            RateLimiterConfig.builder("bench")
                .limit(RateLimit.perSecond(perSecond).withBurst(capacity))
                .maximumKeys(Math.max(16, keys.size() * 2))
                .build());
    for (String key : keys) {
      limiter.tryConsume(key, 1); // known keys: their state exists before measuring
    }
    return limiter;
  }
}
