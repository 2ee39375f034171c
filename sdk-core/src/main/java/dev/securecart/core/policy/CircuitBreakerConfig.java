package dev.securecart.core.policy;

import dev.securecart.core.internal.Preconditions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * How a policy's circuit breaker decides to stop calling a failing dependency. While <i>closed</i>
 * it counts outcomes against a {@link FailureThreshold}: {@linkplain CountThreshold count-based}
 * (failures among the last N calls) or {@linkplain RateThreshold time-based} (failure rate over a
 * period). Past the threshold it <i>opens</i>: every call is rejected with {@link
 * CircuitOpenException} for {@link #openDelay()}, measured on the policy's {@link
 * PolicyConfig#ticker()}. Then it turns <i>half-open</i> and lets {@link #halfOpenTrialCalls()}
 * concurrent trial calls through; {@link #halfOpenSuccessesToClose()} successes close it, and once
 * that can no longer happen it opens again. A call's result counts only in the state in which it
 * was admitted, so a call that began before the circuit opened is never taken for a trial.
 *
 * <p>By default every exception the call throws counts as a failure and every result as a success;
 * {@link Builder#recordFailureOn(Predicate)} and {@link Builder#recordFailureOnResult(Class,
 * Predicate)} change that (a declined card is a success of the payment gateway). Whatever they say,
 * an attempt cut by the policy's own {@linkplain PolicyConfig#timeout() timeout} is a failure (a
 * gateway that hangs must open the circuit), and an attempt the caller cancelled, or that the
 * timeout stopped before it started, counts as nothing and gives its trial place back. Rejections
 * by the policy's own bulkhead never reach the breaker.
 *
 * <p>Immutable and thread-safe; build one with {@link #builder()}.
 */
public final class CircuitBreakerConfig {

  /** The default threshold: 10 failures among the last 20 calls. */
  public static final FailureThreshold DEFAULT_FAILURE_THRESHOLD = new CountThreshold(10, 20);

  /** How long the circuit stays open by default before a trial: 30 s. */
  public static final Duration DEFAULT_OPEN_DELAY = Duration.ofSeconds(30);

  /** Concurrent trial calls allowed while half-open by default: 3. */
  public static final int DEFAULT_HALF_OPEN_TRIAL_CALLS = 3;

  /** Successful trial calls that close the circuit by default: 2. */
  public static final int DEFAULT_HALF_OPEN_SUCCESSES_TO_CLOSE = 2;

  private final FailureThreshold failureThreshold;
  private final Duration openDelay;
  private final int halfOpenTrialCalls;
  private final int halfOpenSuccessesToClose;
  private final List<Predicate<? super Throwable>> failurePredicates;
  private final List<Predicate<@Nullable Object>> resultPredicates;

  private CircuitBreakerConfig(Builder builder) {
    this.failureThreshold = builder.failureThreshold;
    this.openDelay = builder.openDelay;
    this.halfOpenTrialCalls = builder.halfOpenTrialCalls;
    this.halfOpenSuccessesToClose = builder.halfOpenSuccessesToClose;
    this.failurePredicates = List.copyOf(builder.failurePredicates);
    this.resultPredicates = List.copyOf(builder.resultPredicates);
  }

  /**
   * Returns a builder with the defaults: 10 failures of the last 20 calls open the circuit for 30
   * s, then 3 trial calls of which 2 must succeed; every exception is a failure.
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
  public static CircuitBreakerConfig ofDefaults() {
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
   * Returns when the closed circuit opens.
   *
   * @return the threshold, a {@link CountThreshold} or a {@link RateThreshold}
   */
  public FailureThreshold failureThreshold() {
    return failureThreshold;
  }

  /**
   * Returns how long the circuit stays open before letting trial calls through.
   *
   * @return the open delay
   */
  public Duration openDelay() {
    return openDelay;
  }

  /**
   * Returns how many trial calls may be in flight while half-open.
   *
   * @return the number of concurrent trial calls
   */
  public int halfOpenTrialCalls() {
    return halfOpenTrialCalls;
  }

  /**
   * Returns how many successful trial calls close the circuit.
   *
   * @return successes needed, at most {@link #halfOpenTrialCalls()}
   */
  public int halfOpenSuccessesToClose() {
    return halfOpenSuccessesToClose;
  }

  /**
   * Returns whether the breaker counts {@code failure} as a failure of the dependency.
   *
   * @param failure an exception the call threw
   * @return true if it counts as a failure
   */
  public boolean recordsFailureOn(Throwable failure) {
    if (failurePredicates.isEmpty()) {
      return true;
    }
    for (Predicate<? super Throwable> predicate : failurePredicates) {
      if (predicate.test(failure)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns whether the breaker counts {@code result} as a failure of the dependency.
   *
   * @param result a result the call returned, possibly null
   * @return true if it counts as a failure
   */
  public boolean recordsFailureOnResult(@Nullable Object result) {
    for (Predicate<@Nullable Object> predicate : resultPredicates) {
      if (predicate.test(result)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns whether some results count as failures, that is whether a {@code recordFailureOnResult}
   * predicate was given.
   *
   * @return true if results may count as failures
   */
  public boolean recordsResults() {
    return !resultPredicates.isEmpty();
  }

  @Override
  public String toString() {
    return "CircuitBreakerConfig{failureThreshold="
        + failureThreshold
        + ", openDelay="
        + openDelay
        + ", halfOpenTrialCalls="
        + halfOpenTrialCalls
        + ", halfOpenSuccessesToClose="
        + halfOpenSuccessesToClose
        + ", recordFailureOn="
        + (failurePredicates.isEmpty()
            ? "every exception"
            : failurePredicates.size() + " predicate(s)")
        + ", recordFailureOnResult="
        + resultPredicates.size()
        + " predicate(s)}";
  }

  /** When a closed circuit opens: a {@link CountThreshold} or a {@link RateThreshold}. */
  public sealed interface FailureThreshold permits CountThreshold, RateThreshold {}

  /**
   * Count-based: the circuit opens once {@code failures} of the last {@code calls} calls failed.
   *
   * @param failures failures that open the circuit, 1 or more
   * @param calls the number of most recent calls considered, at least {@code failures}
   */
  public record CountThreshold(int failures, int calls) implements FailureThreshold {

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if {@code failures < 1} or {@code calls < failures}
     */
    public CountThreshold {
      Preconditions.requirePositive(failures, "failures");
      Preconditions.requireArgument(
          calls >= failures, "calls must be at least failures (%d), but was %d", failures, calls);
    }
  }

  /**
   * Time-based: the circuit opens once at least {@code percent} % of the calls made in the last
   * {@code period} failed, provided there were at least {@code minimumCalls} of them. Time here is
   * Failsafe's (the system's monotonic clock), not the policy's ticker.
   *
   * @param percent failure rate that opens the circuit, 1 to 100
   * @param minimumCalls calls in the period before the rate is considered, 1 or more
   * @param period the sliding period, at least 10 ms
   */
  public record RateThreshold(int percent, int minimumCalls, Duration period)
      implements FailureThreshold {

    /**
     * Validates the components.
     *
     * @throws NullPointerException if {@code period} is null
     * @throws IllegalArgumentException if a component is out of range
     */
    public RateThreshold {
      Preconditions.requireArgument(
          percent >= 1 && percent <= 100, "percent must be between 1 and 100, but was %d", percent);
      Preconditions.requirePositive(minimumCalls, "minimumCalls");
      Preconditions.requireNonNull(period, "period");
      Preconditions.requireArgument(
          period.compareTo(Duration.ofMillis(10)) >= 0,
          "period must be at least 10 ms, but was %s",
          period);
    }
  }

  /**
   * Builds a {@link CircuitBreakerConfig}. Each method checks its arguments at once; setting a
   * threshold replaces the previous one. This class is <i>not</i> thread-safe.
   */
  public static final class Builder {

    private FailureThreshold failureThreshold;
    private Duration openDelay;
    private int halfOpenTrialCalls;
    private int halfOpenSuccessesToClose;
    private final List<Predicate<? super Throwable>> failurePredicates;
    private final List<Predicate<@Nullable Object>> resultPredicates;

    private Builder() {
      this.failureThreshold = DEFAULT_FAILURE_THRESHOLD;
      this.openDelay = DEFAULT_OPEN_DELAY;
      this.halfOpenTrialCalls = DEFAULT_HALF_OPEN_TRIAL_CALLS;
      this.halfOpenSuccessesToClose = DEFAULT_HALF_OPEN_SUCCESSES_TO_CLOSE;
      this.failurePredicates = new ArrayList<>();
      this.resultPredicates = new ArrayList<>();
    }

    private Builder(CircuitBreakerConfig config) {
      this.failureThreshold = config.failureThreshold;
      this.openDelay = config.openDelay;
      this.halfOpenTrialCalls = config.halfOpenTrialCalls;
      this.halfOpenSuccessesToClose = config.halfOpenSuccessesToClose;
      this.failurePredicates = new ArrayList<>(config.failurePredicates);
      this.resultPredicates = new ArrayList<>(config.resultPredicates);
    }

    /**
     * Makes the breaker count-based: it opens once {@code failures} of the last {@code calls} calls
     * failed.
     *
     * @param failures failures that open the circuit, 1 or more
     * @param calls the number of most recent calls considered, at least {@code failures}
     * @return this builder
     * @throws IllegalArgumentException if {@code failures < 1} or {@code calls < failures}
     */
    public Builder failureThreshold(int failures, int calls) {
      this.failureThreshold = new CountThreshold(failures, calls);
      return this;
    }

    /**
     * Makes the breaker time-based: it opens once at least {@code percent} % of the calls in the
     * last {@code period} failed, given at least {@code minimumCalls} calls in that period.
     *
     * @param percent failure rate that opens the circuit, 1 to 100
     * @param minimumCalls calls in the period before the rate is considered, 1 or more
     * @param period the sliding period, at least 10 ms
     * @return this builder
     * @throws NullPointerException if {@code period} is null
     * @throws IllegalArgumentException if an argument is out of range
     */
    public Builder failureRateThreshold(int percent, int minimumCalls, Duration period) {
      this.failureThreshold = new RateThreshold(percent, minimumCalls, period);
      return this;
    }

    /**
     * Sets how long the circuit stays open before letting trial calls through.
     *
     * @param openDelay zero or more
     * @return this builder
     * @throws NullPointerException if {@code openDelay} is null
     * @throws IllegalArgumentException if {@code openDelay} is negative
     */
    public Builder openDelay(Duration openDelay) {
      this.openDelay = Preconditions.requireNonNegative(openDelay, "openDelay");
      return this;
    }

    /**
     * Sets the half-open trial: up to {@code trialCalls} concurrent calls go through, and {@code
     * successesToClose} successes among them close the circuit.
     *
     * @param trialCalls concurrent trial calls, 1 or more
     * @param successesToClose successes that close the circuit, from 1 to {@code trialCalls}
     * @return this builder
     * @throws IllegalArgumentException if an argument is out of range
     */
    public Builder halfOpenTrialCalls(int trialCalls, int successesToClose) {
      Preconditions.requirePositive(trialCalls, "trialCalls");
      Preconditions.requireArgument(
          successesToClose >= 1 && successesToClose <= trialCalls,
          "successesToClose must be between 1 and trialCalls (%d), but was %d",
          trialCalls,
          successesToClose);
      this.halfOpenTrialCalls = trialCalls;
      this.halfOpenSuccessesToClose = successesToClose;
      return this;
    }

    /**
     * Counts exceptions of {@code type} (and subtypes) as failures. The first {@code
     * recordFailureOn} replaces the default "every exception"; later ones add to it.
     *
     * @param type the exception type
     * @return this builder
     * @throws NullPointerException if {@code type} is null
     */
    public Builder recordFailureOn(Class<? extends Throwable> type) {
      Preconditions.requireNonNull(type, "type");
      failurePredicates.add(type::isInstance);
      return this;
    }

    /**
     * Counts the exceptions {@code predicate} accepts as failures. The first {@code
     * recordFailureOn} replaces the default "every exception"; later ones add to it.
     *
     * @param predicate accepts the exceptions that count; fast, non-blocking, should not throw
     * @return this builder
     * @throws NullPointerException if {@code predicate} is null
     */
    public Builder recordFailureOn(Predicate<? super Throwable> predicate) {
      failurePredicates.add(Preconditions.requireNonNull(predicate, "predicate"));
      return this;
    }

    /**
     * Counts the results of type {@code type} that {@code predicate} accepts as failures (an HTTP
     * 503 response returned rather than thrown).
     *
     * @param type the result type
     * @param predicate accepts the results that count; fast, non-blocking, should not throw
     * @param <R> the result type
     * @return this builder
     * @throws NullPointerException if an argument is null
     */
    public <R> Builder recordFailureOnResult(Class<R> type, Predicate<? super R> predicate) {
      Preconditions.requireNonNull(type, "type");
      Preconditions.requireNonNull(predicate, "predicate");
      resultPredicates.add(result -> type.isInstance(result) && predicate.test(type.cast(result)));
      return this;
    }

    /**
     * Returns a new config with this builder's values; the builder may be reused.
     *
     * @return the config
     */
    public CircuitBreakerConfig build() {
      return new CircuitBreakerConfig(this);
    }
  }
}
