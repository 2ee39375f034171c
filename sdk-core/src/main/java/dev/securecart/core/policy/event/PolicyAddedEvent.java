package dev.securecart.core.policy.event;

import dev.securecart.core.internal.Preconditions;
import dev.securecart.core.policy.ResiliencePolicy;
import java.time.Instant;

/**
 * A {@link dev.securecart.core.policy.PolicyRegistry} created a policy, or holds one that a
 * listener registered later is told about.
 *
 * @param policyName the policy's name
 * @param timestamp when the listener was told, by the policy's clock
 * @param policy the policy
 */
public record PolicyAddedEvent(String policyName, Instant timestamp, ResiliencePolicy policy)
    implements PolicyEvent {

  /**
   * Checks the components.
   *
   * @throws NullPointerException if a component is null
   */
  public PolicyAddedEvent {
    Preconditions.requireNonNull(policyName, "policyName");
    Preconditions.requireNonNull(timestamp, "timestamp");
    Preconditions.requireNonNull(policy, "policy");
  }
}
