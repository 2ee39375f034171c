package dev.securecart.core.policy;

import dev.securecart.core.internal.Preconditions;
import org.jspecify.annotations.Nullable;

/**
 * The policy's bulkhead already had its maximum number of calls in flight (and none finished within
 * the configured wait), so the attempt was rejected without reaching the dependency. That attempt
 * only: when it was a retry, an earlier attempt of the same call did reach the dependency. Never
 * retried by the policy and never counted by its circuit breaker. Built without a stack trace.
 */
public final class BulkheadFullException extends PolicyException {

  private static final long serialVersionUID = 1L;

  private final int maxConcurrentCalls;

  /**
   * @param policyName the name of the policy whose bulkhead is full
   * @param maxConcurrentCalls the bulkhead's limit
   * @param cause the underlying rejection, if any
   */
  public BulkheadFullException(
      String policyName, int maxConcurrentCalls, @Nullable Throwable cause) {
    super(
        policyName,
        "Bulkhead of policy '"
            + policyName
            + "' is full ("
            + maxConcurrentCalls
            + " concurrent calls) and rejected the call",
        cause,
        false);
    this.maxConcurrentCalls =
        (int) Preconditions.requirePositive(maxConcurrentCalls, "maxConcurrentCalls");
  }

  /**
   * Returns the bulkhead's limit on concurrent calls.
   *
   * @return the maximum number of calls in flight
   */
  public int maxConcurrentCalls() {
    return maxConcurrentCalls;
  }
}
