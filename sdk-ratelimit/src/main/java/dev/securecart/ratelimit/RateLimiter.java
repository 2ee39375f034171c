package dev.securecart.ratelimit;

import dev.securecart.ratelimit.internal.LocalRateLimiter;
import java.util.concurrent.CompletableFuture;

/**
 * Decides whether a request may go ahead under one or several rate limits. {@code tryAcquire} never
 * blocks beyond the limiter's deadline, never throws for a rejection (it returns a {@link
 * Decision}) nor for a store failure (the fallback decides, see {@link FailMode}); it throws only
 * for bad input.
 *
 * <pre>{@code
 * RateLimiter limiter = RateLimiter.local(RateLimiterConfig.builder("login")
 *     .limit("user", RateLimit.perMinute(5))
 *     .limit("ip", RateLimit.perMinute(100))
 *     .build());
 * Decision decision = limiter.tryAcquire(Keys.of("user", user, "ip", ip), 1);
 * }</pre>
 *
 * <p>When a limiter has several limits, a request is granted only if every limit grants it, and
 * then it is consumed from every limit; a rejected request consumes nothing. Implementations are
 * thread-safe.
 */
public interface RateLimiter {

  /**
   * An in-process limiter: lock-free, allocation-free for a known key, with bounded memory.
   *
   * @param config the limits and settings
   * @return the limiter
   */
  static RateLimiter local(RateLimiterConfig config) {
    return new LocalRateLimiter(config);
  }

  /** The configuration this limiter was created with. */
  RateLimiterConfig config();

  /**
   * Takes one permit for {@code key} from every limit of this limiter.
   *
   * @see #tryAcquire(String, long)
   */
  default Decision tryAcquire(String key) {
    return tryAcquire(key, 1);
  }

  /**
   * Takes {@code permits} permits for {@code key} from every limit of this limiter (all limits use
   * the same key: "5 per second and 100 per minute for each user").
   *
   * @param key the key, 1 to {@link RateLimiterConfig#MAX_KEY_LENGTH} characters
   * @param permits how many permits, from 1 to the smallest burst
   * @return the decision
   * @throws InvalidKeyException if the key is empty or too long
   * @throws InvalidPermitsException if {@code permits} is below 1 or above a limit's burst
   * @throws NullPointerException if {@code key} is null
   */
  Decision tryAcquire(String key, long permits);

  /**
   * Like {@link #tryAcquire(String, long)}, but says only whether the permits were granted. The
   * in-process limiter answers this without allocating anything for a key it already tracks; use it
   * on hot paths that do not render headers.
   *
   * @param key the key
   * @param permits how many permits
   * @return whether the permits were granted
   * @throws InvalidKeyException if the key is empty or too long
   * @throws InvalidPermitsException if {@code permits} is below 1 or above a limit's burst
   */
  default boolean tryConsume(String key, long permits) {
    return tryAcquire(key, permits).isAllowed();
  }

  /**
   * Takes one permit from every limit, each for its own key.
   *
   * @see #tryAcquire(Keys, long)
   */
  default Decision tryAcquire(Keys keys) {
    return tryAcquire(keys, 1);
  }

  /**
   * Takes {@code permits} permits from every limit, each for the key {@code keys} gives it.
   *
   * @param keys a key for every limit of this limiter, and no other
   * @param permits how many permits, from 1 to the smallest burst
   * @return the decision
   * @throws InvalidKeyException if a key is missing, empty or too long, or given for an unknown
   *     limit
   * @throws InvalidPermitsException if {@code permits} is below 1 or above a limit's burst
   * @throws NullPointerException if {@code keys} is null
   */
  Decision tryAcquire(Keys keys, long permits);

  /**
   * Takes one permit for {@code key} from every limit of this limiter, without blocking the calling
   * thread.
   *
   * @see #tryAcquireAsync(String, long)
   */
  default CompletableFuture<Decision> tryAcquireAsync(String key) {
    return tryAcquireAsync(key, 1);
  }

  /**
   * Like {@link #tryAcquire(String, long)}, without blocking the calling thread. The future
   * completes within the deadline, normally (a failing Redis is a fallback decision, never an
   * error) unless the limiter's {@link RateLimiterStats} throws, as {@code tryAcquire} would; bad
   * input throws at once rather than through it.
   *
   * <p>A Redis limiter completes the future on the thread that reads Redis replies (or, when Redis
   * misses the deadline, on the one thread the limiter keeps for late answers), so dependent stages
   * run there unless given an executor ({@code thenApplyAsync(fn, executor)}); they must not block.
   * A blocking {@code tryAcquire} made on that thread does not wait for Redis (it would hold up its
   * own answer): it is decided by the fallback, and logged once.
   *
   * @param key the key
   * @param permits how many permits
   * @return the decision, when made
   */
  CompletableFuture<Decision> tryAcquireAsync(String key, long permits);

  /**
   * Takes one permit from every limit, each for its own key, without blocking the calling thread.
   *
   * @see #tryAcquireAsync(Keys, long)
   */
  default CompletableFuture<Decision> tryAcquireAsync(Keys keys) {
    return tryAcquireAsync(keys, 1);
  }

  /**
   * Like {@link #tryAcquire(Keys, long)}, without blocking the calling thread. How and where the
   * future completes, as for {@link #tryAcquireAsync(String, long)}.
   *
   * @param keys a key for every limit
   * @param permits how many permits
   * @return the decision, when made
   */
  CompletableFuture<Decision> tryAcquireAsync(Keys keys, long permits);
}
