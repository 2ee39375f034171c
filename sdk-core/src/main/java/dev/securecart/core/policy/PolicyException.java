package dev.securecart.core.policy;

import dev.securecart.core.SecureCartException;
import dev.securecart.core.internal.Preconditions;
import org.jspecify.annotations.Nullable;

/**
 * The root of the exceptions a {@link ResiliencePolicy} throws on its own account: the call was
 * rejected ({@link CircuitOpenException}, {@link BulkheadFullException}), cut short ({@link
 * PolicyTimeoutException}) or failed with a checked exception ({@link PolicyExecutionException}).
 * Exceptions that the protected call throws unchecked pass through unchanged and are not wrapped.
 */
public abstract class PolicyException extends SecureCartException {

  private static final long serialVersionUID = 1L;

  private final String policyName;

  /**
   * @param policyName the name of the policy that threw
   * @param message what happened, for a developer reading a log
   * @param cause the underlying failure, if any
   * @param writableStackTrace whether to fill in the stack trace
   */
  protected PolicyException(
      String policyName, String message, @Nullable Throwable cause, boolean writableStackTrace) {
    super(message, cause, writableStackTrace);
    this.policyName = Preconditions.requireNonNull(policyName, "policyName");
  }

  /**
   * Returns the name of the policy that threw.
   *
   * @return the policy name
   */
  public String policyName() {
    return policyName;
  }
}
