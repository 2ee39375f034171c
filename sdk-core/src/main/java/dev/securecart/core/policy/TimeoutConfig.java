package dev.securecart.core.policy;

import dev.securecart.core.internal.Preconditions;
import java.time.Duration;

/**
 * The overall deadline of a call through a policy, retries and backoff included. When it passes the
 * call fails with {@link PolicyTimeoutException}, and a pending retry is cancelled. A synchronous
 * call's thread is interrupted only if {@link #interruptOnTimeout()}; otherwise the caller gets the
 * timeout once the attempt in flight returns. Retries whose delay would end after the deadline are
 * not made.
 *
 * <p>Immutable and thread-safe; build one with {@link #builder(Duration)} or {@link #of(Duration)}.
 */
public final class TimeoutConfig {

  /** The longest timeout: {@code Long.MAX_VALUE} nanoseconds, about 292 years. */
  public static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE);

  private final Duration timeout;
  private final boolean interruptOnTimeout;

  private TimeoutConfig(Builder builder) {
    this.timeout = builder.timeout;
    this.interruptOnTimeout = builder.interruptOnTimeout;
  }

  /**
   * Returns a builder for an overall timeout of {@code timeout}.
   *
   * @param timeout the deadline, positive
   * @return a new builder
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is not positive, or longer than {@link
   *     #LONGEST}
   */
  public static Builder builder(Duration timeout) {
    return new Builder(timeout);
  }

  /**
   * Returns an overall timeout of {@code timeout} that does not interrupt.
   *
   * @param timeout the deadline, positive
   * @return the config
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is not positive, or longer than {@link
   *     #LONGEST}
   */
  public static TimeoutConfig of(Duration timeout) {
    return builder(timeout).build();
  }

  /**
   * Returns a builder that starts from this config.
   *
   * @return a new builder holding this config's values
   */
  public Builder newBuilder() {
    return new Builder(timeout).interruptOnTimeout(interruptOnTimeout);
  }

  /**
   * Returns the overall deadline.
   *
   * @return the timeout
   */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Returns whether the thread running a synchronous attempt is interrupted when the deadline
   * passes (an asynchronous attempt's future is cancelled either way).
   *
   * @return true if the attempt is interrupted
   */
  public boolean interruptOnTimeout() {
    return interruptOnTimeout;
  }

  @Override
  public String toString() {
    return "TimeoutConfig{timeout=" + timeout + ", interruptOnTimeout=" + interruptOnTimeout + "}";
  }

  /** Builds a {@link TimeoutConfig}. This class is <i>not</i> thread-safe. */
  public static final class Builder {

    private Duration timeout;
    private boolean interruptOnTimeout;

    private Builder(Duration timeout) {
      this.timeout = requireTimeout(timeout);
    }

    private static Duration requireTimeout(Duration timeout) {
      Preconditions.requirePositive(timeout, "timeout");
      // The deadline is counted in nanoseconds on the system ticker, which runs out at 292 years.
      Preconditions.requireArgument(
          timeout.compareTo(LONGEST) <= 0,
          "timeout must be at most %s, but was %s",
          LONGEST,
          timeout);
      return timeout;
    }

    /**
     * Sets the overall deadline.
     *
     * @param timeout positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive, or longer than {@link
     *     #LONGEST}
     */
    public Builder timeout(Duration timeout) {
      this.timeout = requireTimeout(timeout);
      return this;
    }

    /**
     * Sets whether to interrupt a synchronous attempt when the deadline passes. Only for code that
     * handles interruption well (blocking I/O on OkHttp or {@code java.net.http} does).
     *
     * @param interruptOnTimeout true to interrupt
     * @return this builder
     */
    public Builder interruptOnTimeout(boolean interruptOnTimeout) {
      this.interruptOnTimeout = interruptOnTimeout;
      return this;
    }

    /**
     * Returns a new config with this builder's values; the builder may be reused.
     *
     * @return the config
     */
    public TimeoutConfig build() {
      return new TimeoutConfig(this);
    }
  }
}
