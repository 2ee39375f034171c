package dev.securecart.core.policy.event;

import dev.securecart.core.internal.Preconditions;
import dev.securecart.core.policy.CircuitBreakerState;
import java.time.Instant;

/**
 * A policy's circuit breaker moved from {@code previousState} to {@code state}.
 *
 * @param policyName the policy's name
 * @param timestamp when, by the policy's clock
 * @param previousState the state it left
 * @param state the state it entered
 */
public record CircuitBreakerStateChangedEvent(
    String policyName,
    Instant timestamp,
    CircuitBreakerState previousState,
    CircuitBreakerState state)
    implements PolicyEvent {

  /**
   * Checks the components.
   *
   * @throws NullPointerException if a component is null
   */
  public CircuitBreakerStateChangedEvent {
    Preconditions.requireNonNull(policyName, "policyName");
    Preconditions.requireNonNull(timestamp, "timestamp");
    Preconditions.requireNonNull(previousState, "previousState");
    Preconditions.requireNonNull(state, "state");
  }
}
