package dev.securecart.core.policy;

import dev.securecart.core.internal.Preconditions;
import java.time.Duration;

/**
 * How many calls a policy lets into the dependency at once. A call over the limit waits up to
 * {@link #maxWait()} for a slot, then is rejected with {@link BulkheadFullException}; the default
 * wait is zero, so a saturated dependency sheds load instead of queueing threads behind it. A wait
 * never outlasts the policy's overall {@linkplain PolicyConfig#timeout() timeout}: a call whose
 * deadline passes while it waits ends with {@link PolicyTimeoutException}, and its attempt does not
 * start.
 *
 * <p>Immutable and thread-safe; build one with {@link #builder(int)} or {@link #of(int)}.
 */
public final class BulkheadConfig {

  /** How long a call waits for a slot by default: not at all. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ZERO;

  private final int maxConcurrentCalls;
  private final Duration maxWait;

  private BulkheadConfig(Builder builder) {
    this.maxConcurrentCalls = builder.maxConcurrentCalls;
    this.maxWait = builder.maxWait;
  }

  /**
   * Returns a builder for a bulkhead of {@code maxConcurrentCalls} calls.
   *
   * @param maxConcurrentCalls the limit, 1 or more
   * @return a new builder
   * @throws IllegalArgumentException if {@code maxConcurrentCalls < 1}
   */
  public static Builder builder(int maxConcurrentCalls) {
    return new Builder(maxConcurrentCalls);
  }

  /**
   * Returns a bulkhead of {@code maxConcurrentCalls} calls that rejects at once when full.
   *
   * @param maxConcurrentCalls the limit, 1 or more
   * @return the config
   * @throws IllegalArgumentException if {@code maxConcurrentCalls < 1}
   */
  public static BulkheadConfig of(int maxConcurrentCalls) {
    return builder(maxConcurrentCalls).build();
  }

  /**
   * Returns a builder that starts from this config.
   *
   * @return a new builder holding this config's values
   */
  public Builder newBuilder() {
    return new Builder(maxConcurrentCalls).maxWait(maxWait);
  }

  /**
   * Returns the maximum number of calls in flight.
   *
   * @return the limit
   */
  public int maxConcurrentCalls() {
    return maxConcurrentCalls;
  }

  /**
   * Returns how long a call waits for a slot before being rejected.
   *
   * @return the maximum wait
   */
  public Duration maxWait() {
    return maxWait;
  }

  @Override
  public String toString() {
    return "BulkheadConfig{maxConcurrentCalls=" + maxConcurrentCalls + ", maxWait=" + maxWait + "}";
  }

  /** Builds a {@link BulkheadConfig}. This class is <i>not</i> thread-safe. */
  public static final class Builder {

    private int maxConcurrentCalls;
    private Duration maxWait = DEFAULT_MAX_WAIT;

    private Builder(int maxConcurrentCalls) {
      maxConcurrentCalls(maxConcurrentCalls);
    }

    /**
     * Sets the maximum number of calls in flight.
     *
     * @param maxConcurrentCalls the limit, 1 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code maxConcurrentCalls < 1}
     */
    public Builder maxConcurrentCalls(int maxConcurrentCalls) {
      Preconditions.requirePositive(maxConcurrentCalls, "maxConcurrentCalls");
      this.maxConcurrentCalls = maxConcurrentCalls;
      return this;
    }

    /**
     * Sets how long a call waits for a slot before being rejected.
     *
     * @param maxWait zero (reject at once) or more
     * @return this builder
     * @throws NullPointerException if {@code maxWait} is null
     * @throws IllegalArgumentException if {@code maxWait} is negative
     */
    public Builder maxWait(Duration maxWait) {
      this.maxWait = Preconditions.requireNonNegative(maxWait, "maxWait");
      return this;
    }

    /**
     * Returns a new config with this builder's values; the builder may be reused.
     *
     * @return the config
     */
    public BulkheadConfig build() {
      return new BulkheadConfig(this);
    }
  }
}
