package dev.securecart.core.policy;

import dev.securecart.core.internal.Preconditions;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The call, retries and backoff included, did not finish within the policy's overall timeout. The
 * outcome of an attempt still in flight is unknown: for a mutating call, reconcile (for example by
 * idempotency key) rather than assume it failed.
 */
public final class PolicyTimeoutException extends PolicyException {

  private static final long serialVersionUID = 1L;

  private final Duration timeout;

  /**
   * @param policyName the name of the policy whose timeout was exceeded
   * @param timeout the overall timeout
   * @param cause the underlying failure, if any
   */
  public PolicyTimeoutException(String policyName, Duration timeout, @Nullable Throwable cause) {
    super(
        policyName,
        "Call through policy '" + policyName + "' exceeded its overall timeout of " + timeout,
        cause,
        true);
    this.timeout = Preconditions.requirePositive(timeout, "timeout");
  }

  /**
   * Returns the overall timeout that was exceeded.
   *
   * @return the timeout
   */
  public Duration timeout() {
    return timeout;
  }
}
