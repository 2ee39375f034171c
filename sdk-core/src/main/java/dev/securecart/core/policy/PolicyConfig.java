package dev.securecart.core.policy;

import dev.securecart.core.Ticker;
import dev.securecart.core.internal.Preconditions;
import dev.securecart.core.policy.internal.ThreadLocalRandomSource;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Everything a {@link ResiliencePolicy} needs: its {@link RetryConfig}, optional {@link
 * CircuitBreakerConfig}, {@link BulkheadConfig} and {@link TimeoutConfig}, and the sources of time,
 * randomness and scheduling it reads, which tests replace (a {@code FakeClock} is both the ticker
 * and the clock).
 *
 * <p>By default: retries configured but nothing marked retryable, a circuit breaker with {@link
 * CircuitBreakerConfig#ofDefaults()}, no bulkhead, no timeout, the system ticker and UTC clock,
 * {@link java.util.concurrent.ThreadLocalRandom} for jitter and the SDK's own pool of daemon
 * threads ({@code securecart-policy-N}) for asynchronous attempts.
 *
 * <p>Immutable and thread-safe: a value to share, for example as a {@link PolicyRegistry}'s
 * default. Build one with {@link #builder()}; change a copy with {@link #newBuilder()}.
 */
public final class PolicyConfig {

  private static final PolicyConfig DEFAULTS = new Builder().build();

  private final RetryConfig retry;
  private final @Nullable CircuitBreakerConfig circuitBreaker;
  private final @Nullable BulkheadConfig bulkhead;
  private final @Nullable TimeoutConfig timeout;
  private final Ticker ticker;
  private final Clock clock;
  private final DoubleSupplier random;
  private final @Nullable ScheduledExecutorService scheduler;

  private PolicyConfig(Builder builder) {
    this.retry = builder.retry;
    this.circuitBreaker = builder.circuitBreaker;
    this.bulkhead = builder.bulkhead;
    this.timeout = builder.timeout;
    this.ticker = builder.ticker;
    this.clock = builder.clock;
    this.random = builder.random;
    this.scheduler = builder.scheduler;
  }

  /**
   * Returns a builder holding the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the default config.
   *
   * @return the default config
   */
  public static PolicyConfig ofDefaults() {
    return DEFAULTS;
  }

  /**
   * Returns a builder that starts from this config.
   *
   * @return a new builder holding this config's values
   */
  public Builder newBuilder() {
    return new Builder(this);
  }

  /**
   * Returns how calls are retried.
   *
   * @return the retry config
   */
  public RetryConfig retry() {
    return retry;
  }

  /**
   * Returns the circuit breaker's config, or empty if the policy has none.
   *
   * @return the circuit breaker config
   */
  public Optional<CircuitBreakerConfig> circuitBreaker() {
    return Optional.ofNullable(circuitBreaker);
  }

  /**
   * Returns the bulkhead's config, or empty if concurrency is not limited.
   *
   * @return the bulkhead config
   */
  public Optional<BulkheadConfig> bulkhead() {
    return Optional.ofNullable(bulkhead);
  }

  /**
   * Returns the overall timeout's config, or empty if calls have no deadline.
   *
   * @return the timeout config
   */
  public Optional<TimeoutConfig> timeout() {
    return Optional.ofNullable(timeout);
  }

  /**
   * Returns the monotonic time source for the circuit's open delay, the retry budget's window and
   * the latency that metrics record.
   *
   * @return the ticker
   */
  public Ticker ticker() {
    return ticker;
  }

  /**
   * Returns the wall clock that stamps events.
   *
   * @return the clock
   */
  public Clock clock() {
    return clock;
  }

  /**
   * Returns the source of uniform values in {@code [0, 1)} for backoff jitter.
   *
   * @return the random source
   */
  public DoubleSupplier random() {
    return random;
  }

  /**
   * Returns the executor that runs asynchronous attempts and waits out their backoff, or empty for
   * the SDK's own: Failsafe's delay thread in front of a pool of daemon threads named {@code
   * securecart-policy-N}, a thread per attempt running at the moment. Not Failsafe's default, the
   * common fork-join pool (on 2 CPUs, 2 threads of Failsafe's own), where code that blocks anywhere
   * in the JVM would hold up the attempts. The {@linkplain #timeout() overall timeout} never runs
   * here: the SDK's deadline timer waits out its deadline and hands it to a pool of its own,
   * whatever is set here, so what the caller chained on a timed-out asynchronous call runs there.
   *
   * @return the scheduler
   */
  public Optional<ScheduledExecutorService> scheduler() {
    return Optional.ofNullable(scheduler);
  }

  @Override
  public String toString() {
    return "PolicyConfig{retry="
        + retry
        + ", circuitBreaker="
        + (circuitBreaker == null ? "none" : circuitBreaker)
        + ", bulkhead="
        + (bulkhead == null ? "none" : bulkhead)
        + ", timeout="
        + (timeout == null ? "none" : timeout)
        + "}";
  }

  /**
   * Builds a {@link PolicyConfig}. Each method checks its arguments at once; the last value set
   * wins. This class is <i>not</i> thread-safe.
   */
  public static final class Builder {

    private RetryConfig retry;
    private @Nullable CircuitBreakerConfig circuitBreaker;
    private @Nullable BulkheadConfig bulkhead;
    private @Nullable TimeoutConfig timeout;
    private Ticker ticker;
    private Clock clock;
    private DoubleSupplier random;
    private @Nullable ScheduledExecutorService scheduler;

    private Builder() {
      this.retry = RetryConfig.ofDefaults();
      this.circuitBreaker = CircuitBreakerConfig.ofDefaults();
      this.ticker = Ticker.systemTicker();
      this.clock = Clock.systemUTC();
      this.random = ThreadLocalRandomSource.INSTANCE;
    }

    private Builder(PolicyConfig config) {
      this.retry = config.retry;
      this.circuitBreaker = config.circuitBreaker;
      this.bulkhead = config.bulkhead;
      this.timeout = config.timeout;
      this.ticker = config.ticker;
      this.clock = config.clock;
      this.random = config.random;
      this.scheduler = config.scheduler;
    }

    /**
     * Sets how calls are retried.
     *
     * @param retry the retry config
     * @return this builder
     * @throws NullPointerException if {@code retry} is null
     */
    public Builder retry(RetryConfig retry) {
      this.retry = Preconditions.requireNonNull(retry, "retry");
      return this;
    }

    /**
     * Sets the circuit breaker.
     *
     * @param circuitBreaker the circuit breaker config
     * @return this builder
     * @throws NullPointerException if {@code circuitBreaker} is null
     */
    public Builder circuitBreaker(CircuitBreakerConfig circuitBreaker) {
      this.circuitBreaker = Preconditions.requireNonNull(circuitBreaker, "circuitBreaker");
      return this;
    }

    /**
     * Removes the circuit breaker: failures never stop calls from reaching the dependency.
     *
     * @return this builder
     */
    public Builder noCircuitBreaker() {
      this.circuitBreaker = null;
      return this;
    }

    /**
     * Sets the bulkhead.
     *
     * @param bulkhead the bulkhead config
     * @return this builder
     * @throws NullPointerException if {@code bulkhead} is null
     */
    public Builder bulkhead(BulkheadConfig bulkhead) {
      this.bulkhead = Preconditions.requireNonNull(bulkhead, "bulkhead");
      return this;
    }

    /**
     * Sets a bulkhead of {@code maxConcurrentCalls} calls that rejects at once when full.
     *
     * @param maxConcurrentCalls the limit, 1 or more
     * @return this builder
     * @throws IllegalArgumentException if {@code maxConcurrentCalls < 1}
     */
    public Builder bulkhead(int maxConcurrentCalls) {
      return bulkhead(BulkheadConfig.of(maxConcurrentCalls));
    }

    /**
     * Removes the bulkhead.
     *
     * @return this builder
     */
    public Builder noBulkhead() {
      this.bulkhead = null;
      return this;
    }

    /**
     * Sets the overall timeout.
     *
     * @param timeout the timeout config
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     */
    public Builder timeout(TimeoutConfig timeout) {
      this.timeout = Preconditions.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Sets an overall timeout of {@code timeout} that does not interrupt.
     *
     * @param timeout the deadline, positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public Builder timeout(Duration timeout) {
      return timeout(TimeoutConfig.of(timeout));
    }

    /**
     * Removes the overall timeout.
     *
     * @return this builder
     */
    public Builder noTimeout() {
      this.timeout = null;
      return this;
    }

    /**
     * Sets the monotonic time source.
     *
     * @param ticker the ticker
     * @return this builder
     * @throws NullPointerException if {@code ticker} is null
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Preconditions.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Sets the wall clock.
     *
     * @param clock the clock
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     */
    public Builder clock(Clock clock) {
      this.clock = Preconditions.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets the source of uniform values in {@code [0, 1)} for jitter. Values outside that range are
     * clamped into it. Called concurrently, so it must be thread-safe.
     *
     * @param random the random source
     * @return this builder
     * @throws NullPointerException if {@code random} is null
     */
    public Builder random(DoubleSupplier random) {
      this.random = Preconditions.requireNonNull(random, "random");
      return this;
    }

    /**
     * Sets the executor that runs asynchronous attempts and schedules their retries (and an
     * asynchronous bulkhead wait); by default the SDK's own pool of daemon threads, not the common
     * pool. The overall timeout is not on it: the SDK's own timer thread always fires it (see
     * {@link PolicyConfig#scheduler()}). The policy does not own it and never shuts it down.
     *
     * @param scheduler the scheduler
     * @return this builder
     * @throws NullPointerException if {@code scheduler} is null
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Preconditions.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Returns a new config with this builder's values; the builder may be reused.
     *
     * @return the config
     */
    public PolicyConfig build() {
      return new PolicyConfig(this);
    }
  }
}
