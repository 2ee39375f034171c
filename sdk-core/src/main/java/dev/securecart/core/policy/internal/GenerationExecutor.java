package dev.securecart.core.policy.internal;

import dev.failsafe.ExecutionContext;
import dev.failsafe.internal.CircuitBreakerExecutor;
import dev.failsafe.spi.AsyncExecutionInternal;
import dev.failsafe.spi.ExecutionInternal;
import dev.failsafe.spi.ExecutionResult;
import dev.failsafe.spi.FailsafeFuture;
import dev.failsafe.spi.Scheduler;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Failsafe's circuit breaker executor for one call (Failsafe makes one per call), recording each
 * attempt's result only in the breaker generation in which the attempt took its permit: a result
 * that arrives after the circuit changed state says nothing about the new state, and Failsafe's
 * half-open state would take it for a trial and free a trial place it never took.
 *
 * <p>It also judges attempts that the policy or the caller cut short, which the user's failure
 * predicate cannot: the policy's own timeout reaches this executor as Failsafe's {@code
 * TimeoutExceededException}, an interrupt or a {@code CancellationException}, or as the attempt's
 * late result, none of which a predicate such as "record {@code IOException}" matches. So:
 *
 * <ul>
 *   <li>an attempt the policy's timeout cut is a failure, whatever the predicate;
 *   <li>an attempt the caller cancelled, or that the timeout stopped before it started, gives its
 *       permit back and records nothing: it says nothing about the dependency.
 * </ul>
 */
class GenerationExecutor extends CircuitBreakerExecutor<Object> {

  /** The generation of an attempt whose outcome belongs to no current state. */
  private static final long STALE = -1;

  /** How an attempt ended, as far as the breaker is concerned. */
  private enum Ending {
    /** Its own outcome, judged by the user's predicate. */
    OUTCOME,
    /** Cut by the policy's timeout after it started: a failure. */
    TIMED_OUT,
    /** Cancelled by the caller, or by the timeout before it started: no outcome. */
    CANCELLED
  }

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

  /**
   * Gives the permit back when the attempt ends without a result: Failsafe takes it on the caller's
   * thread and only queues the attempt, and when the caller cancels before the attempt starts, it
   * completes the attempt with null and skips the post-execution that would record (and so free)
   * it. {@code innerFn} runs only once this attempt holds a permit.
   */
  @Override
  public Function<AsyncExecutionInternal<Object>, CompletableFuture<ExecutionResult<Object>>>
      applyAsync(
          Function<AsyncExecutionInternal<Object>, CompletableFuture<ExecutionResult<Object>>>
              innerFn,
          Scheduler scheduler,
          FailsafeFuture<Object> future) {
    return super.applyAsync(
        AttemptWithoutResult.givingBack(innerFn, () -> breaker.releasePermitIn(permitGeneration)),
        scheduler,
        future);
  }

  @Override
  public ExecutionResult<Object> postExecute(
      ExecutionInternal<Object> execution, ExecutionResult<Object> result) {
    Ending ending = endingOf(execution);
    if (ending == Ending.OUTCOME) {
      return super.postExecute(execution, result);
    }
    execution.recordAttempt();
    return settle(ending, execution, result);
  }

  @Override
  protected synchronized CompletableFuture<ExecutionResult<Object>> postExecuteAsync(
      AsyncExecutionInternal<Object> execution,
      ExecutionResult<Object> result,
      Scheduler scheduler,
      FailsafeFuture<Object> future) {
    Ending ending = endingOf(execution);
    // An AsyncExecution (never made by this policy) guards against double post-execution in super.
    if (ending == Ending.OUTCOME || execution.isAsyncExecution()) {
      return super.postExecuteAsync(execution, result, scheduler, future);
    }
    execution.recordAttempt();
    return CompletableFuture.completedFuture(settle(ending, execution, result));
  }

  private Ending endingOf(ExecutionInternal<Object> execution) {
    // The timeout records its exception as the attempt's result only once the attempt has
    // started; whatever the attempt itself then returns (an interrupt, a cancelled stage, a late
    // answer) comes after it. Both timeouts and callers mark the attempt cancelled.
    ExecutionResult<Object> recorded = execution.getResult();
    if (recorded != null && breaker.isOwnTimeout(recorded.getException())) {
      return Ending.TIMED_OUT;
    }
    return execution.isCancelled() ? Ending.CANCELLED : Ending.OUTCOME;
  }

  private ExecutionResult<Object> settle(
      Ending ending, ExecutionContext<Object> context, ExecutionResult<Object> result) {
    if (ending == Ending.TIMED_OUT) {
      return onFailure(context, result.withException());
    }
    breaker.releasePermitIn(permitGeneration);
    return result.withException();
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
