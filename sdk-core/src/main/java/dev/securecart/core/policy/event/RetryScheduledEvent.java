package dev.securecart.core.policy.event;

import dev.securecart.core.internal.Preconditions;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Attempt number {@code attempt} of a call failed in a way marked retryable, and the policy will
 * retry after {@code delay}: the jittered backoff, or the delay the server asked for when {@code
 * retryAfter} is true.
 *
 * @param policyName the policy's name
 * @param timestamp when, by the policy's clock
 * @param attempt the attempt that failed, counting from 1
 * @param delay how long the policy waits before the next attempt
 * @param retryAfter whether {@code delay} is the server's {@code Retry-After}
 * @param failure the exception the attempt threw, if it threw
 * @param result the result the attempt returned, if it returned a retryable result
 */
public record RetryScheduledEvent(
    String policyName,
    Instant timestamp,
    int attempt,
    Duration delay,
    boolean retryAfter,
    Optional<Throwable> failure,
    Optional<Object> result)
    implements PolicyEvent {

  /**
   * Checks the components.
   *
   * @throws NullPointerException if a component is null
   */
  public RetryScheduledEvent {
    Preconditions.requireNonNull(policyName, "policyName");
    Preconditions.requireNonNull(timestamp, "timestamp");
    Preconditions.requireNonNull(delay, "delay");
    Preconditions.requireNonNull(failure, "failure");
    Preconditions.requireNonNull(result, "result");
  }
}
