package dev.securecart.core.policy;

import dev.securecart.core.internal.Preconditions;

/**
 * The protected call failed with a checked exception, which is the {@linkplain #getCause() cause}.
 * No checked exception crosses the SDK's API, so the policy wraps it in this one; unchecked
 * exceptions are never wrapped. The message names the cause's type only: its own message may carry
 * call data.
 */
public final class PolicyExecutionException extends PolicyException {

  private static final long serialVersionUID = 1L;

  /**
   * @param policyName the name of the policy the call went through
   * @param cause the checked exception the call failed with
   */
  public PolicyExecutionException(String policyName, Throwable cause) {
    super(
        policyName,
        "Call through policy '"
            + policyName
            + "' failed with "
            + Preconditions.requireNonNull(cause, "cause").getClass().getName(),
        cause,
        true);
  }
}
