package dev.securecart.cache;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNegative;
import static dev.securecart.core.internal.Preconditions.requirePositive;
import static dev.securecart.core.internal.Preconditions.requireState;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * How long a {@link LayeredCache} entry is served, and how: an immutable value built with {@link
 * #builder()}. An entry written at time {@code w} is
 *
 * <ol>
 *   <li><b>fresh</b> until {@code w + freshFor} (shortened by up to {@code jitter} per entry, so
 *       that entries loaded together do not all expire together): served as is;
 *   <li><b>stale-while-revalidate</b> for {@code staleWhileRevalidate} after that: served at once
 *       while one background refresh per key runs;
 *   <li><b>stale-if-error</b> for {@code staleIfError} after that: a read waits for the origin, and
 *       if the origin fails or misses {@code originTimeout} the stale value is served instead
 *       (marked {@link CacheStatus#STALE_IF_ERROR});
 *   <li><b>expired</b> after that: never served again.
 * </ol>
 *
 * <p>A "not found" answer from the origin is cached for {@code negativeTtl} (fresh only, no stale
 * windows); {@link Duration#ZERO} turns negative caching off. The L1 holds at most {@code
 * maximumSize} entries, or at most {@code maximumWeight} by the cache's weigher.
 *
 * <p>This class is immutable and thread-safe; its builder is not.
 */
public final class CachePolicy {

  /** How long an entry is fresh by default: 60 s. */
  public static final Duration DEFAULT_FRESH_FOR = Duration.ofSeconds(60);

  /** The default stale-while-revalidate window: none. */
  public static final Duration DEFAULT_STALE_WHILE_REVALIDATE = Duration.ZERO;

  /** The default stale-if-error window: none. */
  public static final Duration DEFAULT_STALE_IF_ERROR = Duration.ZERO;

  /** How long a "not found" answer is cached by default: 10 s. */
  public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofSeconds(10);

  /** How long the origin may take before the load counts as failed: 2 s. */
  public static final Duration DEFAULT_ORIGIN_TIMEOUT = Duration.ofSeconds(2);

  /** The default L1 bound: 10,000 entries. */
  public static final long DEFAULT_MAXIMUM_SIZE = 10_000;

  private final Duration freshFor;
  private final Duration staleWhileRevalidate;
  private final Duration staleIfError;
  private final double jitter;
  private final Duration negativeTtl;
  private final Duration originTimeout;
  private final long maximumSize;
  private final long maximumWeight;
  private final double earlyRefreshBeta;

  private CachePolicy(Builder builder) {
    this.freshFor = builder.freshFor;
    this.staleWhileRevalidate = builder.staleWhileRevalidate;
    this.staleIfError = builder.staleIfError;
    this.jitter = builder.jitter;
    this.negativeTtl = builder.negativeTtl;
    this.originTimeout = builder.originTimeout;
    this.maximumSize = builder.maximumSize;
    this.maximumWeight = builder.maximumWeight;
    this.earlyRefreshBeta = builder.earlyRefreshBeta;
  }

  /**
   * A builder with the defaults: fresh for 60 s, no stale windows, no jitter, "not found" cached
   * for 10 s, a 2 s origin deadline, at most 10,000 entries, no early refresh.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The default policy.
   *
   * @return a policy with every default
   */
  public static CachePolicy ofDefaults() {
    return builder().build();
  }

  /** A builder holding this policy's settings, to copy and change. */
  public Builder newBuilder() {
    Builder builder = new Builder();
    builder.freshFor = freshFor;
    builder.staleWhileRevalidate = staleWhileRevalidate;
    builder.staleIfError = staleIfError;
    builder.jitter = jitter;
    builder.negativeTtl = negativeTtl;
    builder.originTimeout = originTimeout;
    builder.maximumSize = maximumSize;
    builder.maximumWeight = maximumWeight;
    builder.earlyRefreshBeta = earlyRefreshBeta;
    return builder;
  }

  /** How long an entry is fresh after it was written (before jitter). */
  public Duration freshFor() {
    return freshFor;
  }

  /** How long, after it stops being fresh, an entry is served while one refresh runs. */
  public Duration staleWhileRevalidate() {
    return staleWhileRevalidate;
  }

  /**
   * How long, after the stale-while-revalidate window, an entry may still be served when the origin
   * fails or times out.
   */
  public Duration staleIfError() {
    return staleIfError;
  }

  /** The fraction (0 to 1) by which each entry's fresh time is randomly shortened. */
  public double jitter() {
    return jitter;
  }

  /** How long a "not found" answer is cached; zero when negative caching is off. */
  public Duration negativeTtl() {
    return negativeTtl;
  }

  /** How long the origin may take before a load counts as failed. */
  public Duration originTimeout() {
    return originTimeout;
  }

  /** The most entries the L1 holds, unless a maximum weight is set instead. */
  public OptionalLong maximumSize() {
    return maximumWeight > 0 ? OptionalLong.empty() : OptionalLong.of(maximumSize);
  }

  /** The most total weight the L1 holds, when set (then the cache needs a weigher). */
  public OptionalLong maximumWeight() {
    return maximumWeight > 0 ? OptionalLong.of(maximumWeight) : OptionalLong.empty();
  }

  /**
   * The XFetch {@code beta} for probabilistic early refresh; 0 when it is off. With it on, a read
   * of a fresh entry starts a background refresh early with a probability that grows as expiry
   * nears and with how long the last load took, so hot keys refresh before they go stale, spread
   * out instead of all at once.
   */
  public double earlyRefreshBeta() {
    return earlyRefreshBeta;
  }

  /** The whole time an entry may be kept: fresh + stale-while-revalidate + stale-if-error. */
  public Duration maximumLifetime() {
    return freshFor.plus(staleWhileRevalidate).plus(staleIfError);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CachePolicy that
        && freshFor.equals(that.freshFor)
        && staleWhileRevalidate.equals(that.staleWhileRevalidate)
        && staleIfError.equals(that.staleIfError)
        && Double.compare(jitter, that.jitter) == 0
        && negativeTtl.equals(that.negativeTtl)
        && originTimeout.equals(that.originTimeout)
        && maximumSize == that.maximumSize
        && maximumWeight == that.maximumWeight
        && Double.compare(earlyRefreshBeta, that.earlyRefreshBeta) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        freshFor,
        staleWhileRevalidate,
        staleIfError,
        jitter,
        negativeTtl,
        originTimeout,
        maximumSize,
        maximumWeight,
        earlyRefreshBeta);
  }

  @Override
  public String toString() {
    return "CachePolicy[freshFor="
        + freshFor
        + ", staleWhileRevalidate="
        + staleWhileRevalidate
        + ", staleIfError="
        + staleIfError
        + ", jitter="
        + jitter
        + ", negativeTtl="
        + negativeTtl
        + ", originTimeout="
        + originTimeout
        + (maximumWeight > 0 ? ", maximumWeight=" + maximumWeight : ", maximumSize=" + maximumSize)
        + (earlyRefreshBeta > 0 ? ", earlyRefreshBeta=" + earlyRefreshBeta : "")
        + "]";
  }

  /** Builds {@link CachePolicy}. Not thread-safe. */
  public static final class Builder {
    private Duration freshFor = DEFAULT_FRESH_FOR;
    private Duration staleWhileRevalidate = DEFAULT_STALE_WHILE_REVALIDATE;
    private Duration staleIfError = DEFAULT_STALE_IF_ERROR;
    private double jitter;
    private Duration negativeTtl = DEFAULT_NEGATIVE_TTL;
    private Duration originTimeout = DEFAULT_ORIGIN_TIMEOUT;
    private long maximumSize = DEFAULT_MAXIMUM_SIZE;
    private long maximumWeight;
    private double earlyRefreshBeta;

    private Builder() {}

    /**
     * How long an entry is fresh after it was written.
     *
     * @param freshFor a positive duration
     * @return this builder
     * @throws IllegalArgumentException if {@code freshFor} is not positive
     */
    public Builder freshFor(Duration freshFor) {
      this.freshFor = requirePositive(freshFor, "freshFor");
      return this;
    }

    /**
     * How long after the fresh time an entry is still served at once while one background refresh
     * runs. Zero turns the window off.
     *
     * @param window zero or more
     * @return this builder
     * @throws IllegalArgumentException if {@code window} is negative
     */
    public Builder staleWhileRevalidate(Duration window) {
      this.staleWhileRevalidate = requireNonNegative(window, "staleWhileRevalidate");
      return this;
    }

    /**
     * How long after the stale-while-revalidate window an entry is still served when the origin
     * fails or misses its deadline. Zero turns the window off.
     *
     * @param window zero or more
     * @return this builder
     * @throws IllegalArgumentException if {@code window} is negative
     */
    public Builder staleIfError(Duration window) {
      this.staleIfError = requireNonNegative(window, "staleIfError");
      return this;
    }

    /**
     * Shortens each entry's fresh time by a random fraction up to {@code jitter}, so that entries
     * loaded at the same moment do not all go stale at the same moment.
     *
     * @param jitter from 0 (none) to 1 exclusive
     * @return this builder
     * @throws IllegalArgumentException if {@code jitter} is outside {@code [0, 1)}
     */
    public Builder jitter(double jitter) {
      requireArgument(
          jitter >= 0 && jitter < 1,
          "jitter must be in [0, 1), but was %s",
          Double.toString(jitter));
      this.jitter = jitter;
      return this;
    }

    /**
     * How long a "not found" answer from the origin is cached; {@link Duration#ZERO} turns negative
     * caching off.
     *
     * @param negativeTtl zero or more
     * @return this builder
     * @throws IllegalArgumentException if {@code negativeTtl} is negative
     */
    public Builder negativeTtl(Duration negativeTtl) {
      this.negativeTtl = requireNonNegative(negativeTtl, "negativeTtl");
      return this;
    }

    /**
     * How long the origin may take; a slower load counts as failed for the readers waiting on it
     * (they get a stale-if-error value or a {@link CacheLoadException}) and frees the key for the
     * next load.
     *
     * @param originTimeout a positive duration
     * @return this builder
     * @throws IllegalArgumentException if {@code originTimeout} is not positive
     */
    public Builder originTimeout(Duration originTimeout) {
      this.originTimeout = requirePositive(originTimeout, "originTimeout");
      return this;
    }

    /**
     * The most entries the L1 holds.
     *
     * @param maximumSize a positive count
     * @return this builder
     * @throws IllegalArgumentException if {@code maximumSize} is not positive
     * @throws IllegalStateException if a maximum weight was set
     */
    public Builder maximumSize(long maximumSize) {
      requireState(maximumWeight == 0, "maximumWeight was already set to %d", maximumWeight);
      this.maximumSize = requirePositive(maximumSize, "maximumSize");
      return this;
    }

    /**
     * The most total weight the L1 holds, measured by the weigher given to the cache builder.
     *
     * @param maximumWeight a positive weight
     * @return this builder
     * @throws IllegalArgumentException if {@code maximumWeight} is not positive
     * @throws IllegalStateException if a maximum size was set
     */
    public Builder maximumWeight(long maximumWeight) {
      requireState(
          maximumSize == DEFAULT_MAXIMUM_SIZE, "maximumSize was already set to %d", maximumSize);
      this.maximumWeight = requirePositive(maximumWeight, "maximumWeight");
      return this;
    }

    /**
     * Turns on probabilistic early refresh (XFetch) with the given {@code beta}: 1 is the usual
     * choice, larger refreshes earlier, 0 turns it off.
     *
     * @param beta zero or more
     * @return this builder
     * @throws IllegalArgumentException if {@code beta} is negative or not finite
     */
    public Builder earlyRefresh(double beta) {
      requireArgument(
          beta >= 0 && Double.isFinite(beta),
          "earlyRefresh beta must be 0 or more, but was %s",
          Double.toString(beta));
      this.earlyRefreshBeta = beta;
      return this;
    }

    /**
     * Builds the policy; later changes to this builder do not affect it.
     *
     * @return the policy
     */
    public CachePolicy build() {
      return new CachePolicy(this);
    }
  }
}
