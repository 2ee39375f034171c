package dev.securecart.core.policy;

import dev.securecart.core.internal.Preconditions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * How a policy retries: at most {@link #maxAttempts()} attempts, exponential backoff with full
 * jitter between them (the delay before retry {@code n}, counting from 0, is uniform in {@code [0,
 * min(maxDelay, baseDelay·2^n)]}), a server's {@code Retry-After} through {@link #retryAfter()},
 * and a {@link RetryBudget}.
 *
 * <p><b>Nothing is retried unless marked safe to retry.</b> A retry repeats a side effect, so the
 * caller says which outcomes are safe with {@link Builder#retryOn(Class)}, {@link
 * Builder#retryOn(Predicate)} and {@link Builder#retryOnResult(Class, Predicate)}: a connection
 * refused before the request was sent, a 503, a 409 "in progress" on an idempotent request.
 * Whatever the predicates say, the policy never retries its own rejections ({@link
 * CircuitOpenException}, {@link BulkheadFullException}) nor an {@link InterruptedException}.
 *
 * <p>Immutable and thread-safe; build one with {@link #builder()}.
 */
public final class RetryConfig {

  /** Attempts, the first included, that a default config allows: 3. */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  /** The backoff's base delay by default: 100 ms. */
  public static final Duration DEFAULT_BASE_DELAY = Duration.ofMillis(100);

  /** The backoff's cap by default: 5 s. */
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(5);

  /** The longest {@code Retry-After} honoured by default: 10 s. */
  public static final Duration DEFAULT_MAX_SERVER_DELAY = Duration.ofSeconds(10);

  private final int maxAttempts;
  private final Duration baseDelay;
  private final Duration maxDelay;
  private final Duration maxServerDelay;
  private final List<Predicate<? super Throwable>> failurePredicates;
  private final List<Predicate<@Nullable Object>> resultPredicates;
  private final RetryAfter retryAfter;
  private final @Nullable RetryBudget budget;

  private RetryConfig(Builder builder) {
    this.maxAttempts = builder.maxAttempts;
    this.baseDelay = builder.baseDelay;
    this.maxDelay = builder.maxDelay;
    this.maxServerDelay = builder.maxServerDelay;
    this.failurePredicates = List.copyOf(builder.failurePredicates);
    this.resultPredicates = List.copyOf(builder.resultPredicates);
    this.retryAfter = builder.retryAfter;
    this.budget = builder.budget;
  }

  /**
   * Returns a builder with the defaults: 3 attempts, backoff from 100 ms capped at 5 s, nothing
   * marked retryable, no {@code Retry-After} hook, {@link RetryBudget#ofDefaults()}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the default config, which retries nothing until outcomes are marked retryable.
   *
   * @return the default config
   */
  public static RetryConfig ofDefaults() {
    return builder().build();
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
   * Returns the maximum number of attempts, the first included; 1 means no retries.
   *
   * @return the maximum number of attempts
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * Returns the backoff's base delay: the upper bound of the first retry's delay.
   *
   * @return the base delay
   */
  public Duration baseDelay() {
    return baseDelay;
  }

  /**
   * Returns the backoff's cap: no computed delay exceeds it (a server's {@code Retry-After} may).
   *
   * @return the maximum backoff delay
   */
  public Duration maxDelay() {
    return maxDelay;
  }

  /**
   * Returns the longest delay a server's {@code Retry-After} may ask for: a longer one is not
   * waited for, and the call fails with the attempt's outcome.
   *
   * @return the longest server delay honoured
   */
  public Duration maxServerDelay() {
    return maxServerDelay;
  }

  /**
   * Returns whether a call that threw {@code failure} may be retried according to the predicates.
   *
   * @param failure the exception
   * @return true if some {@code retryOn} predicate accepts it
   */
  public boolean retriesOn(Throwable failure) {
    for (Predicate<? super Throwable> predicate : failurePredicates) {
      if (predicate.test(failure)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns whether a call that returned {@code result} may be retried according to the predicates.
   *
   * @param result the result, possibly null
   * @return true if some {@code retryOnResult} predicate accepts it
   */
  public boolean retriesOnResult(@Nullable Object result) {
    for (Predicate<@Nullable Object> predicate : resultPredicates) {
      if (predicate.test(result)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns whether results are ever retried, that is whether a {@code retryOnResult} predicate was
   * given.
   *
   * @return true if some results may be retried
   */
  public boolean retriesResults() {
    return !resultPredicates.isEmpty();
  }

  /**
   * Returns whether this config can retry at all: more than one attempt and some outcome marked
   * retryable.
   *
   * @return true if a call may be retried
   */
  public boolean isEnabled() {
    return maxAttempts > 1 && (!failurePredicates.isEmpty() || !resultPredicates.isEmpty());
  }

  /**
   * Returns the hook that reads a server's requested delay from a failed attempt.
   *
   * @return the {@code Retry-After} hook; {@link RetryAfter#none()} by default
   */
  public RetryAfter retryAfter() {
    return retryAfter;
  }

  /**
   * Returns the retry budget, or empty if retries are limited by {@link #maxAttempts()} only.
   *
   * @return the budget
   */
  public Optional<RetryBudget> budget() {
    return Optional.ofNullable(budget);
  }

  @Override
  public String toString() {
    return "RetryConfig{maxAttempts="
        + maxAttempts
        + ", baseDelay="
        + baseDelay
        + ", maxDelay="
        + maxDelay
        + ", maxServerDelay="
        + maxServerDelay
        + ", retryOn="
        + failurePredicates.size()
        + " predicate(s), retryOnResult="
        + resultPredicates.size()
        + " predicate(s), budget="
        + (budget == null ? "none" : budget)
        + "}";
  }

  /**
   * Builds a {@link RetryConfig}. Each method checks its arguments at once. Predicates accumulate:
   * an outcome is retried if any of them accepts it. This class is <i>not</i> thread-safe.
   */
  public static final class Builder {

    private int maxAttempts;
    private Duration baseDelay;
    private Duration maxDelay;
    private Duration maxServerDelay;
    private final List<Predicate<? super Throwable>> failurePredicates;
    private final List<Predicate<@Nullable Object>> resultPredicates;
    private RetryAfter retryAfter;
    private @Nullable RetryBudget budget;

    private Builder() {
      this.maxAttempts = DEFAULT_MAX_ATTEMPTS;
      this.baseDelay = DEFAULT_BASE_DELAY;
      this.maxDelay = DEFAULT_MAX_DELAY;
      this.maxServerDelay = DEFAULT_MAX_SERVER_DELAY;
      this.failurePredicates = new ArrayList<>();
      this.resultPredicates = new ArrayList<>();
      this.retryAfter = RetryAfter.none();
      this.budget = RetryBudget.ofDefaults();
    }

    private Builder(RetryConfig config) {
      this.maxAttempts = config.maxAttempts;
      this.baseDelay = config.baseDelay;
      this.maxDelay = config.maxDelay;
      this.maxServerDelay = config.maxServerDelay;
      this.failurePredicates = new ArrayList<>(config.failurePredicates);
      this.resultPredicates = new ArrayList<>(config.resultPredicates);
      this.retryAfter = config.retryAfter;
      this.budget = config.budget;
    }

    /**
     * Sets the maximum number of attempts, the first included.
     *
     * @param maxAttempts 1 (no retries) or more
     * @return this builder
     * @throws IllegalArgumentException if {@code maxAttempts} is less than 1
     */
    public Builder maxAttempts(int maxAttempts) {
      Preconditions.requirePositive(maxAttempts, "maxAttempts");
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Sets the exponential backoff: retry {@code n} (from 0) waits a uniformly random delay in
     * {@code [0, min(maxDelay, baseDelay·2^n)]} ("full jitter"), which spreads the retries of many
     * clients that failed together.
     *
     * @param baseDelay the bound of the first retry's delay, zero or more
     * @param maxDelay the cap, at least {@code baseDelay}
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if a delay is negative or {@code maxDelay < baseDelay}
     */
    public Builder backoff(Duration baseDelay, Duration maxDelay) {
      Preconditions.requireNonNegative(baseDelay, "baseDelay");
      Preconditions.requireNonNegative(maxDelay, "maxDelay");
      Preconditions.requireArgument(
          maxDelay.compareTo(baseDelay) >= 0,
          "maxDelay must be at least baseDelay (%s), but was %s",
          baseDelay,
          maxDelay);
      this.baseDelay = baseDelay;
      this.maxDelay = maxDelay;
      return this;
    }

    /**
     * Marks exceptions of {@code type} (and its subtypes) as safe to retry.
     *
     * @param type the exception type
     * @return this builder
     * @throws NullPointerException if {@code type} is null
     */
    public Builder retryOn(Class<? extends Throwable> type) {
      Preconditions.requireNonNull(type, "type");
      failurePredicates.add(type::isInstance);
      return this;
    }

    /**
     * Marks the exceptions that {@code predicate} accepts as safe to retry. The predicate must be
     * fast, must not block and should not throw; if it throws, the call is not retried.
     *
     * @param predicate accepts the exceptions to retry
     * @return this builder
     * @throws NullPointerException if {@code predicate} is null
     */
    public Builder retryOn(Predicate<? super Throwable> predicate) {
      Preconditions.requireNonNull(predicate, "predicate");
      failurePredicates.add(predicate);
      return this;
    }

    /**
     * Marks the results of type {@code type} that {@code predicate} accepts as safe to retry (an
     * HTTP 503 response returned rather than thrown). Results of other types, and null, are never
     * retried by this predicate. When retries run out, the last such result is returned.
     *
     * @param type the result type
     * @param predicate accepts the results to retry; fast, non-blocking, should not throw
     * @param <R> the result type
     * @return this builder
     * @throws NullPointerException if an argument is null
     */
    public <R> Builder retryOnResult(Class<R> type, Predicate<? super R> predicate) {
      Preconditions.requireNonNull(type, "type");
      Preconditions.requireNonNull(predicate, "predicate");
      resultPredicates.add(result -> type.isInstance(result) && predicate.test(type.cast(result)));
      return this;
    }

    /**
     * Sets the hook that reads a server's {@code Retry-After} from a failed attempt. The server's
     * delay replaces the backoff's (neither its cap nor jitter applies), up to {@link
     * #maxServerDelay(Duration)}: when it asks for longer, the call is not retried and fails with
     * the attempt's outcome.
     *
     * @param retryAfter the hook
     * @return this builder
     * @throws NullPointerException if {@code retryAfter} is null
     */
    public Builder retryAfter(RetryAfter retryAfter) {
      this.retryAfter = Preconditions.requireNonNull(retryAfter, "retryAfter");
      return this;
    }

    /**
     * Sets the longest delay a server's {@code Retry-After} may ask for (10 s by default). A longer
     * one is not waited for: one hostile or mistaken header (a day, or more seconds than a long
     * holds) must not hang a checkout thread when the policy has no timeout.
     *
     * @param maxServerDelay zero or more
     * @return this builder
     * @throws NullPointerException if {@code maxServerDelay} is null
     * @throws IllegalArgumentException if {@code maxServerDelay} is negative
     */
    public Builder maxServerDelay(Duration maxServerDelay) {
      this.maxServerDelay = Preconditions.requireNonNegative(maxServerDelay, "maxServerDelay");
      return this;
    }

    /**
     * Sets the retry budget.
     *
     * @param budget the budget
     * @return this builder
     * @throws NullPointerException if {@code budget} is null
     */
    public Builder budget(RetryBudget budget) {
      this.budget = Preconditions.requireNonNull(budget, "budget");
      return this;
    }

    /**
     * Removes the retry budget, so that only {@link #maxAttempts(int)} limits retries. A dependency
     * that fails for every caller then receives up to {@code maxAttempts} times its normal load.
     *
     * @return this builder
     */
    public Builder noBudget() {
      this.budget = null;
      return this;
    }

    /**
     * Returns a new config with this builder's values; the builder may be reused.
     *
     * @return the config
     */
    public RetryConfig build() {
      return new RetryConfig(this);
    }
  }
}
