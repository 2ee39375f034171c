package dev.securecart.core.policy.internal;

import dev.failsafe.PolicyConfig;
import dev.failsafe.spi.ExecutionResult;
import dev.failsafe.spi.PolicyExecutor;
import org.jspecify.annotations.Nullable;

/**
 * The policy's circuit breaker for a replayed execution: the first attempt already reached the
 * dependency while the circuit was closed (see {@link ResiliencePolicyImpl}'s direct path), so it
 * is admitted without a second permit; its outcome is recorded if the circuit is still in the state
 * that admitted it ({@code firstIsCurrent}), and every later attempt asks for a permit, as
 * Failsafe's {@code CircuitBreakerExecutor} does, with {@link GenerationExecutor}'s check.
 */
final class FirstAttemptAdmitted implements dev.failsafe.Policy<Object> {

  private final PolicyCircuitBreaker breaker;
  private final boolean firstIsCurrent;

  /**
   * @param firstIsCurrent whether the replayed first attempt's outcome belongs to the breaker's
   *     state when it is replayed (false: the circuit changed state while it ran)
   */
  FirstAttemptAdmitted(PolicyCircuitBreaker breaker, boolean firstIsCurrent) {
    this.breaker = breaker;
    this.firstIsCurrent = firstIsCurrent;
  }

  @Override
  public PolicyConfig<Object> getConfig() {
    return breaker.getConfig();
  }

  @Override
  public PolicyExecutor<Object> toExecutor(int policyIndex) {
    return new Executor(breaker, policyIndex, firstIsCurrent);
  }

  /** One execution: admits its first attempt, then behaves as the generation-checked executor. */
  private static final class Executor extends GenerationExecutor {
    private final boolean firstIsCurrent;
    private boolean admitted;

    Executor(PolicyCircuitBreaker breaker, int policyIndex, boolean firstIsCurrent) {
      super(breaker, policyIndex);
      this.firstIsCurrent = firstIsCurrent;
    }

    @Override
    protected @Nullable ExecutionResult<Object> preExecute() {
      if (!admitted) {
        admitted = true;
        admittedWithoutPermit(firstIsCurrent);
        return null;
      }
      return super.preExecute();
    }
  }
}
