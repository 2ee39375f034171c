package dev.securecart.core.policy;

import dev.securecart.core.internal.Preconditions;
import java.time.Duration;

/**
 * How many retries a policy may make relative to its traffic, so that a dependency that fails for
 * everyone at once does not receive a retry storm on top of the load that broke it. Modelled on
 * Finagle's and gRPC's retry budgets: over any sliding {@code window}, retries may be at most
 * {@code percent} % of the calls made through the policy, plus {@code minRetriesPerSecond} per
 * second of the window so that a quiet service can still retry. When the budget is spent, the retry
 * is not made and the call fails with the failure it already has.
 *
 * <p>A value: each policy keeps its own budget, even when policies share a config.
 *
 * @param percent retries allowed per 100 calls in the window, 0 to 1000
 * @param minRetriesPerSecond retries always allowed per second of the window, 0 or more
 * @param window the sliding window, from 1 second to 1 hour
 */
public record RetryBudget(int percent, int minRetriesPerSecond, Duration window) {

  /** Retries per 100 calls that {@link #ofDefaults()} allows: 20. */
  public static final int DEFAULT_PERCENT = 20;

  /** Retries per second that {@link #ofDefaults()} always allows: 10. */
  public static final int DEFAULT_MIN_RETRIES_PER_SECOND = 10;

  /** The window of {@link #ofDefaults()}: 10 seconds. */
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);

  /**
   * Validates the components.
   *
   * @throws NullPointerException if {@code window} is null
   * @throws IllegalArgumentException if a component is out of range
   */
  public RetryBudget {
    Preconditions.requireArgument(
        percent >= 0 && percent <= 1000, "percent must be between 0 and 1000, but was %d", percent);
    Preconditions.requireNonNegative(minRetriesPerSecond, "minRetriesPerSecond");
    Preconditions.requireNonNull(window, "window");
    Preconditions.requireArgument(
        window.compareTo(Duration.ofSeconds(1)) >= 0 && window.compareTo(Duration.ofHours(1)) <= 0,
        "window must be between 1 second and 1 hour, but was %s",
        window);
  }

  /**
   * Returns a budget of {@code percent} % of calls plus {@code minRetriesPerSecond} per second over
   * {@code window}.
   *
   * @param percent retries allowed per 100 calls, 0 to 1000
   * @param minRetriesPerSecond retries always allowed per second, 0 or more
   * @param window the sliding window, from 1 second to 1 hour
   * @return the budget
   * @throws IllegalArgumentException if an argument is out of range
   */
  public static RetryBudget of(int percent, int minRetriesPerSecond, Duration window) {
    return new RetryBudget(percent, minRetriesPerSecond, window);
  }

  /**
   * Returns Finagle's default budget: 20 % of calls plus 10 retries per second, over 10 seconds.
   *
   * @return the default budget
   */
  public static RetryBudget ofDefaults() {
    return new RetryBudget(DEFAULT_PERCENT, DEFAULT_MIN_RETRIES_PER_SECOND, DEFAULT_WINDOW);
  }
}
