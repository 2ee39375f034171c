package dev.securecart.cache.http;

import static dev.securecart.core.internal.Preconditions.requireNonNegative;
import static dev.securecart.core.internal.Preconditions.requireNonNull;
import static dev.securecart.core.internal.Preconditions.requireState;

import dev.securecart.cache.CachePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code Cache-Control} header value: build it with {@link #builder()}, or derive it from a
 * {@link CachePolicy} with {@link #forPolicy}. Immutable; {@link #toString()} is the header value.
 *
 * <pre>{@code
 * response.setHeader("Cache-Control", CacheControl.forPolicy(policy).toString());
 * // max-age=60, stale-while-revalidate=600, stale-if-error=4200
 * }</pre>
 *
 * <p>{@code public} is only there when asked for ({@link Builder#publicCache()}): it lets a shared
 * cache (a CDN) store a response to a request that carried {@code Authorization} and serve it to
 * everyone (RFC 9111 §3.5), so a per-customer price answered with it could reach other customers.
 * Without it a CDN still stores a response with a {@code max-age}, unless the request was
 * authorized. {@code s-maxage} and {@code must-revalidate} lift that rule too.
 */
public final class CacheControl {

  private final String value;

  private CacheControl(String value) {
    this.value = value;
  }

  /**
   * A builder; by default no directive at all (neither {@code public} nor {@code private}).
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The advice matching a cache policy (see {@link Builder#policy}), without {@code public}; for a
   * response that may go to everyone, {@code builder().publicCache().policy(policy).build()}. A
   * response served from a cache entry should also carry an {@code Age} header from {@link
   * dev.securecart.cache.CacheResult#age()}: {@code max-age} counts from the load, not from the
   * response, and without {@code Age} a CDN would keep an old (even a stale) entry a full {@code
   * max-age} more.
   *
   * @param policy the policy
   * @return the header value
   */
  public static CacheControl forPolicy(CachePolicy policy) {
    return builder().policy(policy).build();
  }

  /** The header value. */
  @Override
  public String toString() {
    return value;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CacheControl that && value.equals(that.value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  /** Builds a {@link CacheControl}. Not thread-safe. */
  public static final class Builder {
    private boolean isPublic;
    private boolean isPrivate;
    private boolean noStore;
    private boolean noCache;
    private boolean mustRevalidate;
    private boolean immutable;
    private long maxAge = -1;
    private long sMaxAge = -1;
    private long staleWhileRevalidate = -1;
    private long staleIfError = -1;

    private Builder() {}

    private static long seconds(Duration duration, String name) {
      return requireNonNegative(duration, name).toSeconds();
    }

    /**
     * {@code public}: shared caches (CDNs) may store it even when the request carried {@code
     * Authorization}, and serve it to every client (RFC 9111 §3.5). Only for responses that are the
     * same for everyone.
     */
    public Builder publicCache() {
      this.isPublic = true;
      return this;
    }

    /** {@code private}: only the browser may store it, not a CDN. */
    public Builder privateCache() {
      this.isPrivate = true;
      return this;
    }

    /** {@code no-store}: nobody may store it (every other directive is dropped). */
    public Builder noStore() {
      this.noStore = true;
      return this;
    }

    /** {@code no-cache}: caches must revalidate before every use. */
    public Builder noCache() {
      this.noCache = true;
      return this;
    }

    /**
     * {@code must-revalidate}: no stale use once expired, not even when the origin cannot be
     * reached (RFC 9111 §5.2.2.2), so it cannot be combined with {@code stale-while-revalidate} or
     * {@code stale-if-error}. Like {@code public}, it lets a shared cache store a response to an
     * authorized request (§3.5).
     */
    public Builder mustRevalidate() {
      this.mustRevalidate = true;
      return this;
    }

    /** {@code immutable}: the body never changes at this URL. */
    public Builder immutable() {
      this.immutable = true;
      return this;
    }

    /** {@code max-age}, in whole seconds. */
    public Builder maxAge(Duration maxAge) {
      this.maxAge = seconds(maxAge, "maxAge");
      return this;
    }

    /**
     * {@code s-maxage}: the fresh time for shared caches (CDNs) only. Like {@code public}, it lets
     * a shared cache store a response to an authorized request (RFC 9111 §3.5).
     */
    public Builder sMaxAge(Duration sMaxAge) {
      this.sMaxAge = seconds(sMaxAge, "sMaxAge");
      return this;
    }

    /** {@code stale-while-revalidate}, counted from the end of freshness. */
    public Builder staleWhileRevalidate(Duration window) {
      this.staleWhileRevalidate = seconds(window, "staleWhileRevalidate");
      return this;
    }

    /** {@code stale-if-error}, counted from the end of freshness. */
    public Builder staleIfError(Duration window) {
      this.staleIfError = seconds(window, "staleIfError");
      return this;
    }

    /**
     * The advice matching a cache policy: {@code max-age} is the fresh time, {@code
     * stale-while-revalidate} the window after it, and {@code stale-if-error} counts, as HTTP does,
     * from the end of freshness, so it covers both stale windows. A window the policy does not have
     * is left out.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder policy(CachePolicy policy) {
      requireNonNull(policy, "policy");
      maxAge(policy.freshFor());
      if (!policy.staleWhileRevalidate().isZero()) {
        staleWhileRevalidate(policy.staleWhileRevalidate());
      }
      if (!policy.staleIfError().isZero()) {
        staleIfError(policy.staleWhileRevalidate().plus(policy.staleIfError()));
      }
      return this;
    }

    /**
     * Builds the value.
     *
     * @return the header value
     * @throws IllegalStateException if {@code immutable} was asked without a {@code max-age}, both
     *     {@code public} and {@code private} were asked, or {@code must-revalidate} together with
     *     {@code stale-while-revalidate} or {@code stale-if-error}
     */
    public CacheControl build() {
      if (noStore) {
        return new CacheControl("no-store");
      }
      requireState(!immutable || maxAge >= 0, "immutable needs a max-age");
      requireState(!(isPublic && isPrivate), "public and private cannot be combined");
      // must-revalidate forbids what the stale directives promise: a CDN would obey it and drop
      // stale-if-error, so the page would fail while the origin is down.
      requireState(
          !mustRevalidate || (staleWhileRevalidate < 0 && staleIfError < 0),
          "must-revalidate cannot be combined with %s: it forbids serving a stale response, even"
              + " when the origin cannot be reached (RFC 9111 §5.2.2.2)",
          staleWhileRevalidate >= 0 && staleIfError >= 0
              ? "stale-while-revalidate and stale-if-error"
              : staleWhileRevalidate >= 0 ? "stale-while-revalidate" : "stale-if-error");
      List<String> parts = new ArrayList<>();
      if (isPublic) {
        parts.add("public");
      } else if (isPrivate) {
        parts.add("private");
      }
      if (noCache) {
        parts.add("no-cache");
      }
      if (maxAge >= 0) {
        parts.add("max-age=" + maxAge);
      }
      if (sMaxAge >= 0 && !isPrivate) {
        parts.add("s-maxage=" + sMaxAge);
      }
      if (staleWhileRevalidate >= 0) {
        parts.add("stale-while-revalidate=" + staleWhileRevalidate);
      }
      if (staleIfError >= 0) {
        parts.add("stale-if-error=" + staleIfError);
      }
      if (mustRevalidate) {
        parts.add("must-revalidate");
      }
      if (immutable) {
        parts.add("immutable");
      }
      return new CacheControl(String.join(", ", parts));
    }
  }
}
