package dev.securecart.core.policy.internal;

import dev.failsafe.PolicyConfig;
import dev.failsafe.internal.CircuitBreakerExecutor;
import dev.failsafe.spi.ExecutionResult;
import dev.failsafe.spi.PolicyExecutor;
import org.jspecify.annotations.Nullable;

/**
 * The policy's circuit breaker for a replayed execution: the first attempt already reached the
 * dependency while the circuit was closed (see {@link ResiliencePolicyImpl}'s direct path), so it
 * is admitted without a second permit; its outcome is recorded, and every later attempt asks for a
 * permit, exactly as Failsafe's {@code CircuitBreakerExecutor} does.
 */
final class FirstAttemptAdmitted implements dev.failsafe.Policy<Object> {

  private final PolicyCircuitBreaker breaker;

  FirstAttemptAdmitted(PolicyCircuitBreaker breaker) {
    this.breaker = breaker;
  }

  @Override
  public PolicyConfig<Object> getConfig() {
    return breaker.getConfig();
  }

  @Override
  public PolicyExecutor<Object> toExecutor(int policyIndex) {
    return new Executor(breaker, policyIndex);
  }

  /** One execution: admits its first attempt, then behaves as Failsafe's breaker executor. */
  private static final class Executor extends CircuitBreakerExecutor<Object> {
    private boolean admitted;

    Executor(PolicyCircuitBreaker breaker, int policyIndex) {
      super(breaker, policyIndex);
    }

    @Override
    protected @Nullable ExecutionResult<Object> preExecute() {
      if (!admitted) {
        admitted = true;
        return null;
      }
      return super.preExecute();
    }
  }
}
