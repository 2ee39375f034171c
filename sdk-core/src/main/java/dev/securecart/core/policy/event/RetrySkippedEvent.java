package dev.securecart.core.policy.event;

import dev.securecart.core.internal.Preconditions;
import java.time.Instant;
import java.util.Optional;

/**
 * Attempt number {@code attempt} of a call failed in a way marked retryable and attempts were left,
 * but the policy did not retry for {@code reason}; the call ended with that attempt's outcome.
 *
 * @param policyName the policy's name
 * @param timestamp when, by the policy's clock
 * @param attempt the attempt that failed, counting from 1
 * @param reason why no retry was made
 * @param failure the exception the attempt threw, if it threw
 * @param result the result the attempt returned, if it returned a retryable result
 */
public record RetrySkippedEvent(
    String policyName,
    Instant timestamp,
    int attempt,
    Reason reason,
    Optional<Throwable> failure,
    Optional<Object> result)
    implements PolicyEvent {

  /**
   * Checks the components.
   *
   * @throws NullPointerException if a component is null
   */
  public RetrySkippedEvent {
    Preconditions.requireNonNull(policyName, "policyName");
    Preconditions.requireNonNull(timestamp, "timestamp");
    Preconditions.requireNonNull(reason, "reason");
    Preconditions.requireNonNull(failure, "failure");
    Preconditions.requireNonNull(result, "result");
  }

  /** Why a due retry was not made. */
  public enum Reason {
    /** The policy's {@link dev.securecart.core.policy.RetryBudget} was spent. */
    BUDGET_EXHAUSTED,
    /** The retry's delay would have ended after the policy's overall timeout. */
    BEYOND_DEADLINE,
    /**
     * The server asked for a delay ({@code Retry-After}) longer than the policy's {@link
     * dev.securecart.core.policy.RetryConfig#maxServerDelay()}: waiting that long would hold the
     * caller, and retrying sooner would ignore the server.
     */
    SERVER_DELAY_TOO_LONG
  }
}
