package dev.securecart.core.policy.internal;

import dev.failsafe.ExecutionContext;
import dev.failsafe.internal.CircuitBreakerExecutor;
import dev.failsafe.spi.ExecutionResult;
import org.jspecify.annotations.Nullable;

/**
 * Failsafe's circuit breaker executor for one call (Failsafe makes one per call), recording each
 * attempt's result only in the breaker generation in which the attempt took its permit: a result
 * that arrives after the circuit changed state says nothing about the new state, and Failsafe's
 * half-open state would take it for a trial and free a trial place it never took.
 */
class GenerationExecutor extends CircuitBreakerExecutor<Object> {

  /** The generation of an attempt whose outcome belongs to no current state. */
  private static final long STALE = -1;

  private final PolicyCircuitBreaker breaker;
  private volatile long permitGeneration = STALE;

  GenerationExecutor(PolicyCircuitBreaker breaker, int policyIndex) {
    super(breaker, policyIndex);
    this.breaker = breaker;
  }

  @Override
  protected @Nullable ExecutionResult<Object> preExecute() {
    ExecutionResult<Object> rejected = super.preExecute(); // takes the permit
    // Read after: a permit that turned the circuit half-open belongs to the half-open state.
    permitGeneration = breaker.generation();
    return rejected;
  }

  /**
   * For an attempt that ran without asking this executor for a permit: its outcome belongs to the
   * breaker's current generation if {@code current}, else to none and is not recorded.
   */
  final void admittedWithoutPermit(boolean current) {
    permitGeneration = current ? breaker.generation() : STALE;
  }

  @Override
  public void onSuccess(ExecutionResult<Object> result) {
    if (breaker.generation() == permitGeneration) {
      super.onSuccess(result);
    }
  }

  @Override
  protected ExecutionResult<Object> onFailure(
      ExecutionContext<Object> context, ExecutionResult<Object> result) {
    return breaker.generation() == permitGeneration ? super.onFailure(context, result) : result;
  }
}
