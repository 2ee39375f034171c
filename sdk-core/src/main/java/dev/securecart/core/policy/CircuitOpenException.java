package dev.securecart.core.policy;

import dev.securecart.core.internal.Preconditions;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The policy's circuit breaker is open (or half-open with every trial call taken), so the attempt
 * was rejected without reaching the dependency. That attempt only: when it was a retry, an earlier
 * attempt of the same call did reach the dependency (and may have tripped the breaker), so this
 * does not mean that nothing happened there. Never retried by the policy. Built without a stack
 * trace: while a circuit is open this is the expected answer on a hot path, and the cause (if any)
 * has one.
 */
public final class CircuitOpenException extends PolicyException {

  private static final long serialVersionUID = 1L;

  private final Duration remainingDelay;

  /**
   * @param policyName the name of the policy whose circuit is open
   * @param remainingDelay how long until the circuit lets a trial call through; zero if half-open
   * @param cause the underlying rejection, if any
   */
  public CircuitOpenException(
      String policyName, Duration remainingDelay, @Nullable Throwable cause) {
    super(
        policyName,
        "Circuit breaker of policy '"
            + policyName
            + "' is open and does not permit calls; next trial call in "
            + remainingDelay,
        cause,
        false);
    this.remainingDelay = Preconditions.requireNonNegative(remainingDelay, "remainingDelay");
  }

  /**
   * Returns how long, when the call was rejected, until the circuit would let a trial call through.
   * Zero when the circuit was half-open with every trial permit taken.
   *
   * @return the remaining open delay, never negative
   */
  public Duration remainingDelay() {
    return remainingDelay;
  }
}
