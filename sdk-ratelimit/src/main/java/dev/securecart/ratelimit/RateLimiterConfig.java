package dev.securecart.ratelimit;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;
import static dev.securecart.core.internal.Preconditions.requirePositive;
import static dev.securecart.core.internal.Preconditions.requireState;

import dev.securecart.core.Ticker;
import dev.securecart.core.internal.RedisKeyPrefixes;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Everything a rate limiter needs to know: its name, its limits (one, or several that are checked
 * and consumed together), the {@link Algorithm}, and for a shared limiter how long a decision may
 * wait for Redis and what to do when it cannot ({@link FailMode}). Built with {@link
 * #builder(String)}:
 *
 * <pre>{@code
 * RateLimiterConfig login = RateLimiterConfig.builder("login")
 *     .limit("user", RateLimit.perMinute(5))
 *     .limit("ip", RateLimit.perMinute(100))
 *     .build();
 * }</pre>
 *
 * <p>Settings that only a Redis limiter uses (deadline, fail mode, expected nodes, key prefix,
 * local batching, recovery check) are ignored by an in-process limiter. Immutable and thread-safe;
 * the builder is not.
 */
public final class RateLimiterConfig {

  /** The limit name {@link Builder#limit(RateLimit)} uses. */
  public static final String DEFAULT_LIMIT_NAME = "default";

  /** How long a decision may wait for Redis before the fallback decides: 5 ms. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofMillis(5);

  /** How often a limiter that fell back checks whether Redis is back: 250 ms. */
  public static final Duration DEFAULT_RECOVERY_CHECK_INTERVAL = Duration.ofMillis(250);

  /** The prefix of every Redis key: {@value}. */
  public static final String DEFAULT_KEY_PREFIX = "securecart:rl:";

  /** Keys tracked per limit by an in-process limiter (or fallback) before eviction: 100,000. */
  public static final int DEFAULT_MAXIMUM_KEYS = 100_000;

  /** The longest key accepted, in characters: {@value}. */
  public static final int MAX_KEY_LENGTH = 256;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  private final String name;
  private final Map<String, RateLimit> limits;
  private final Algorithm algorithm;
  private final Duration deadline;
  private final FailMode failMode;
  private final int expectedNodes;
  private final String keyPrefix;
  private final int localBatch;
  private final int maximumKeys;
  private final Duration recoveryCheckInterval;
  private final Ticker ticker;
  private final RateLimiterStats stats;

  private RateLimiterConfig(Builder builder) {
    this.name = builder.name;
    this.limits = Collections.unmodifiableMap(new LinkedHashMap<>(builder.limits));
    this.algorithm = builder.algorithm;
    this.deadline = builder.deadline;
    this.failMode = builder.failMode;
    this.expectedNodes = builder.expectedNodes;
    this.keyPrefix = builder.keyPrefix;
    this.localBatch = builder.localBatch;
    this.maximumKeys = builder.maximumKeys;
    this.recoveryCheckInterval = builder.recoveryCheckInterval;
    this.ticker = builder.ticker;
    MeterRegistry registry = builder.registry;
    this.stats = registry != null ? RateLimiterMetrics.of(registry, name) : builder.stats;
  }

  /**
   * A builder for a limiter named {@code name}.
   *
   * @param name letters, digits, {@code _ . -}, at most 64 characters; used in Redis keys, logs and
   *     metric tags
   * @return a new builder
   * @throws IllegalArgumentException if the name is not valid
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** A builder holding this config's settings, to copy and change. */
  public Builder newBuilder() {
    Builder builder = new Builder(name);
    builder.limits.putAll(limits);
    builder.algorithm = algorithm;
    builder.deadline = deadline;
    builder.failMode = failMode;
    builder.expectedNodes = expectedNodes;
    builder.keyPrefix = keyPrefix;
    builder.localBatch = localBatch;
    builder.maximumKeys = maximumKeys;
    builder.recoveryCheckInterval = recoveryCheckInterval;
    builder.ticker = ticker;
    builder.stats = stats;
    return builder;
  }

  /** The limiter's name. */
  public String name() {
    return name;
  }

  /** The limits by name, in declaration order (the order they are checked in). */
  public Map<String, RateLimit> limits() {
    return limits;
  }

  /** How the limiter counts. */
  public Algorithm algorithm() {
    return algorithm;
  }

  /** How long a Redis decision may take before the fallback decides. */
  public Duration deadline() {
    return deadline;
  }

  /** What the limiter decides while Redis is slow or down. */
  public FailMode failMode() {
    return failMode;
  }

  /** The number of nodes expected to share the limits; the fallback enforces one node's share. */
  public int expectedNodes() {
    return expectedNodes;
  }

  /** The prefix of every Redis key of this limiter. */
  public String keyPrefix() {
    return keyPrefix;
  }

  /** Permits leased from Redis per round trip and spent locally; 0 when batching is off. */
  public int localBatch() {
    return localBatch;
  }

  /** Keys tracked per limit in process before the least useful ones are evicted. */
  public int maximumKeys() {
    return maximumKeys;
  }

  /** How often a limiter that fell back checks whether Redis is back. */
  public Duration recoveryCheckInterval() {
    return recoveryCheckInterval;
  }

  /** The source of monotonic time. */
  public Ticker ticker() {
    return ticker;
  }

  /** Where the limiter reports its decisions. */
  public RateLimiterStats stats() {
    return stats;
  }

  @Override
  public String toString() {
    return "RateLimiterConfig["
        + name
        + ", limits="
        + limits
        + ", algorithm="
        + algorithm
        + ", deadline="
        + deadline
        + ", failMode="
        + failMode
        + ", expectedNodes="
        + expectedNodes
        + ", localBatch="
        + localBatch
        + "]";
  }

  /** Builds a {@link RateLimiterConfig}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final Map<String, RateLimit> limits = new LinkedHashMap<>();
    private Algorithm algorithm = Algorithm.GCRA;
    private Duration deadline = DEFAULT_DEADLINE;
    private FailMode failMode = FailMode.LOCAL;
    private int expectedNodes = 1;
    private String keyPrefix = DEFAULT_KEY_PREFIX;
    private int localBatch;
    private int maximumKeys = DEFAULT_MAXIMUM_KEYS;
    private Duration recoveryCheckInterval = DEFAULT_RECOVERY_CHECK_INTERVAL;
    private Ticker ticker = Ticker.systemTicker();
    private RateLimiterStats stats = RateLimiterStats.disabled();
    private @Nullable MeterRegistry registry;

    private Builder(String name) {
      requireNonNull(name, "name");
      requireArgument(
          NAME.matcher(name).matches(),
          "name must be 1 to 64 letters, digits, '_', '.' or '-', but was '%s'",
          name);
      this.name = name;
    }

    /**
     * Adds a limit named {@value RateLimiterConfig#DEFAULT_LIMIT_NAME}, for limiters with one
     * limit.
     *
     * @throws IllegalArgumentException if the limiter already has a limit of that name
     */
    public Builder limit(RateLimit limit) {
      return limit(DEFAULT_LIMIT_NAME, limit);
    }

    /**
     * Adds a named limit. Limits are checked in the order they are added, and a request is granted
     * only when every limit grants it; then every limit is consumed.
     *
     * @param name letters, digits, {@code _ . -}, at most 64 characters
     * @param limit the limit
     * @throws IllegalArgumentException if the name is not valid or already used
     */
    public Builder limit(String name, RateLimit limit) {
      requireNonNull(name, "limit name");
      requireNonNull(limit, "limit");
      requireArgument(
          NAME.matcher(name).matches(),
          "limit name must be 1 to 64 letters, digits, '_', '.' or '-', but was '%s'",
          name);
      requireArgument(!limits.containsKey(name), "limit '%s' was already added", name);
      limits.put(name, limit);
      return this;
    }

    /** How the limiter counts; {@link Algorithm#GCRA} by default. */
    public Builder algorithm(Algorithm algorithm) {
      this.algorithm = requireNonNull(algorithm, "algorithm");
      return this;
    }

    /**
     * How long a Redis decision may take before the fallback decides ({@link #DEFAULT_DEADLINE}).
     * The caller never waits longer than this (plus scheduling noise).
     */
    public Builder deadline(Duration deadline) {
      this.deadline =
          dev.securecart.core.internal.Preconditions.requirePositive(deadline, "deadline");
      return this;
    }

    /** What to decide while Redis is slow or down; {@link FailMode#LOCAL} by default. */
    public Builder failMode(FailMode failMode) {
      this.failMode = requireNonNull(failMode, "failMode");
      return this;
    }

    /**
     * The number of nodes expected to share the limits (1 by default). With {@link FailMode#LOCAL}
     * each node's fallback admits its share: the rate and burst divided by this number.
     */
    public Builder expectedNodes(int expectedNodes) {
      requirePositive(expectedNodes, "expectedNodes");
      this.expectedNodes = expectedNodes;
      return this;
    }

    /**
     * The prefix of every Redis key ({@value RateLimiterConfig#DEFAULT_KEY_PREFIX} by default): at
     * most 256 characters and no braces, which Redis Cluster reads as a hash tag.
     */
    public Builder keyPrefix(String keyPrefix) {
      this.keyPrefix = RedisKeyPrefixes.requireValid(keyPrefix);
      return this;
    }

    /**
     * Turns on local batching: each round trip leases up to {@code permits} permits from Redis for
     * a key, and later requests for it spend them without a round trip. Far fewer round trips for
     * hot keys, at the price of a bounded over-admission (see the module README). 0 turns it off.
     * Only for a limiter with one limit: {@link #build()} refuses it with several.
     */
    public Builder localBatch(int permits) {
      requireArgument(
          permits >= 0 && permits <= 10_000,
          "localBatch must be between 0 and 10000, but was %d",
          permits);
      this.localBatch = permits;
      return this;
    }

    /** Keys tracked per limit in process before eviction ({@link #DEFAULT_MAXIMUM_KEYS}). */
    public Builder maximumKeys(int maximumKeys) {
      requireArgument(
          maximumKeys >= 16, "maximumKeys must be at least 16, but was %d", maximumKeys);
      this.maximumKeys = maximumKeys;
      return this;
    }

    /** How often a limiter that fell back checks whether Redis is back. */
    public Builder recoveryCheckInterval(Duration interval) {
      this.recoveryCheckInterval =
          dev.securecart.core.internal.Preconditions.requirePositive(
              interval, "recoveryCheckInterval");
      return this;
    }

    /** The source of monotonic time, for tests; the system ticker by default. */
    public Builder ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    /** Records decisions in {@code registry} through a {@link RateLimiterMetrics}. */
    public Builder metrics(MeterRegistry registry) {
      requireState(this.registry == null, "metrics were already set");
      this.registry = requireNonNull(registry, "registry");
      return this;
    }

    /** Records decisions with {@code stats}; replaces {@link #metrics(MeterRegistry)}. */
    public Builder stats(RateLimiterStats stats) {
      this.stats = requireNonNull(stats, "stats");
      this.registry = null;
      return this;
    }

    /**
     * Builds the config; later changes to this builder do not affect it.
     *
     * @throws IllegalStateException if no limit was added, a limit does not suit the algorithm, or
     *     {@code localBatch} is set with several limits
     */
    public RateLimiterConfig build() {
      requireState(!limits.isEmpty(), "at least one limit is required");
      // Leases are per decision's keys: with several limits, a limit that many decisions share
      // (a global one) would have a lease for each combination of keys, and its over-admission
      // would grow with the number of shoppers instead of staying within localBatch per node.
      requireState(
          localBatch == 0 || limits.size() == 1,
          "localBatch works with one limit (a hot key of its own), but this limiter has %d: %s",
          limits.size(),
          limits.keySet());
      if (algorithm == Algorithm.SLIDING_WINDOW) {
        for (Map.Entry<String, RateLimit> entry : limits.entrySet()) {
          requireState(
              entry.getValue().burst() < (1 << 20) - 2,
              "a sliding-window limit allows a burst below 1,048,574, but '%s' has %d",
              entry.getKey(),
              entry.getValue().burst());
        }
      }
      return new RateLimiterConfig(this);
    }
  }
}
