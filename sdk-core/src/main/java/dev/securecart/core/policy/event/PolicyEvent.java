package dev.securecart.core.policy.event;

import java.time.Instant;

/** Something that happened to a named policy, stamped with the policy's clock. Immutable. */
public sealed interface PolicyEvent
    permits CircuitBreakerStateChangedEvent,
        RetryScheduledEvent,
        RetrySkippedEvent,
        PolicyAddedEvent {

  /**
   * Returns the name of the policy the event is about.
   *
   * @return the policy name
   */
  String policyName();

  /**
   * Returns when it happened, by the policy's {@link
   * dev.securecart.core.policy.PolicyConfig#clock()}.
   *
   * @return the wall-clock time of the event
   */
  Instant timestamp();
}
