package dev.securecart.ratelimit;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of one {@link RateLimiter#tryAcquire} call: whether the permits were granted and what
 * the caller may tell its client. When several limits were checked, the figures are those of the
 * most restrictive one ({@link #limitName()}): the limit that rejected (with the longest wait), or
 * else the one with the fewest permits left.
 *
 * <p>{@link #headers()} renders the IETF {@code RateLimit-Policy} and {@code RateLimit} header
 * fields (draft-ietf-httpapi-ratelimit-headers) and, on rejection, {@code Retry-After}. Times are
 * kept as nanoseconds so that a decision can be made without allocating; {@link #resetAfter()} and
 * {@link #retryAfter()} give them as {@link Duration}s. Immutable.
 *
 * @param allowed whether the permits were granted (and consumed from every limit)
 * @param remaining the permits the reported limit could still grant right now
 * @param resetAfterNanos the time until the reported limit is back to its full burst
 * @param retryAfterNanos when rejected, the time after which the same request could succeed; 0 when
 *     allowed
 * @param source who decided: the local limiter, Redis, a Redis lease, or the fallback
 * @param limitName the name of the reported (most restrictive) limit
 * @param limits every limit of the limiter, by name, in declaration order
 */
public record Decision(
    boolean allowed,
    long remaining,
    long resetAfterNanos,
    long retryAfterNanos,
    Source source,
    String limitName,
    Map<String, RateLimit> limits) {

  /** Who made a decision. */
  public enum Source {
    /** An in-process limiter. */
    LOCAL,
    /** The shared store (a Redis script). */
    REDIS,
    /** Permits leased earlier from Redis and spent locally (local batching). */
    LEASE,
    /** The fallback, because the shared store was slow or down: see {@link FailMode}. */
    FALLBACK
  }

  /**
   * Validates the decision.
   *
   * @throws IllegalArgumentException if a count or time is negative, or {@code limitName} is not
   *     one of {@code limits}
   */
  public Decision {
    requireNonNull(source, "source");
    requireNonNull(limitName, "limitName");
    requireNonNull(limits, "limits");
    // Plain checks rather than varargs helpers: a decision is made on every request and must not
    // allocate when nothing is wrong.
    if (remaining < 0 || resetAfterNanos < 0 || retryAfterNanos < 0) {
      throw new IllegalArgumentException(
          "remaining, resetAfterNanos and retryAfterNanos must be 0 or greater, but were "
              + remaining
              + ", "
              + resetAfterNanos
              + ", "
              + retryAfterNanos);
    }
    if (!limits.containsKey(limitName)) {
      throw new IllegalArgumentException("unknown limit '" + limitName + "'");
    }
  }

  /** Whether the permits were granted. */
  public boolean isAllowed() {
    return allowed;
  }

  /** Whether the fallback made this decision because the shared store was slow or down. */
  public boolean isFallback() {
    return source == Source.FALLBACK;
  }

  /** The time until the reported limit is back to its full burst. */
  public Duration resetAfter() {
    return Duration.ofNanos(resetAfterNanos);
  }

  /** When rejected, the time after which the same request could succeed; zero when allowed. */
  public Duration retryAfter() {
    return Duration.ofNanos(retryAfterNanos);
  }

  /** The reported (most restrictive) limit. */
  public RateLimit limit() {
    RateLimit limit = limits.get(limitName);
    return requireNonNull(limit, "limit");
  }

  /**
   * The HTTP response header fields for this decision, in order: {@code RateLimit-Policy} (every
   * limit, as {@code "name";q=quota;w=window-seconds}), {@code RateLimit} (the reported limit, as
   * {@code "name";r=remaining;t=seconds-until-reset}) and, when rejected, {@code Retry-After}
   * (whole seconds, rounded up). Windows shorter than a second, or not a whole number of seconds,
   * are stated per second.
   *
   * @return the header fields by name
   */
  public Map<String, String> headers() {
    Map<String, String> headers = new LinkedHashMap<>();
    StringBuilder policy = new StringBuilder();
    for (Map.Entry<String, RateLimit> entry : limits.entrySet()) {
      if (policy.length() > 0) {
        policy.append(", ");
      }
      RateLimit limit = entry.getValue();
      long quota;
      long window;
      long periodNanos = limit.period().toNanos();
      if (periodNanos % 1_000_000_000L == 0) {
        quota = limit.permits();
        window = periodNanos / 1_000_000_000L;
      } else {
        quota = Math.max(1, (long) (limit.permits() * 1e9 / periodNanos));
        window = 1;
      }
      policy
          .append('"')
          .append(entry.getKey())
          .append("\";q=")
          .append(quota)
          .append(";w=")
          .append(window);
    }
    headers.put("RateLimit-Policy", policy.toString());
    headers.put(
        "RateLimit", "\"" + limitName + "\";r=" + remaining + ";t=" + ceilSeconds(resetAfterNanos));
    if (!allowed) {
      headers.put("Retry-After", Long.toString(Math.max(1, ceilSeconds(retryAfterNanos))));
    }
    return headers;
  }

  private static long ceilSeconds(long nanos) {
    return (nanos + 999_999_999L) / 1_000_000_000L;
  }
}
