package dev.securecart.core.policy.internal;

import dev.failsafe.BulkheadFullException;
import dev.failsafe.CircuitBreakerOpenException;
import dev.failsafe.ExecutionContext;
import dev.failsafe.RetryPolicy;
import dev.failsafe.TimeoutExceededException;
import dev.failsafe.internal.RetryPolicyExecutor;
import dev.failsafe.internal.RetryPolicyImpl;
import dev.failsafe.spi.ExecutionResult;
import dev.failsafe.spi.PolicyExecutor;
import dev.securecart.core.policy.RetryConfig;
import dev.securecart.core.policy.event.RetrySkippedEvent;
import java.time.Duration;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Failsafe's retry policy, with the policy's own delay (full-jitter backoff, or the server's {@code
 * Retry-After}) and two reasons not to make a due retry: it could not start before the overall
 * deadline, or the retry budget is spent.
 */
final class PolicyRetry extends RetryPolicyImpl<Object> {

  /*
   * Why a subclass?
   *
   * Failsafe decides whether a retry is due: the outcome matches the retry predicates, attempts are
   * left, the execution was not cancelled by the timeout. It then sleeps (synchronous) or schedules
   * (asynchronous) and runs the next attempt. All of that stays Failsafe's. What it cannot do is
   * decline a due retry for a reason outside the outcome: its abort predicates see the outcome only,
   * not the attempt number or the elapsed time, and run on every failure, including the last one,
   * so withdrawing from the budget there would spend tokens on retries that never happen.
   *
   * So the executor overrides onFailure(), which Failsafe calls once per failed attempt on both the
   * synchronous and the asynchronous path. After Failsafe's own decision, and only if a retry is
   * due, it sets the delay and may complete the execution with the attempt's outcome instead.
   * Completing it is what Failsafe itself does when retries run out, so the caller gets the failure
   * it already has, exactly as the issue asks.
   */

  /**
   * Receives retry decisions (events, metrics); called on the thread that completed the attempt.
   */
  interface RetryListener {
    void onRetryScheduled(
        int attempt, long delayNanos, boolean retryAfter, ExecutionResult<Object> outcome);

    void onRetrySkipped(
        int attempt, RetrySkippedEvent.Reason reason, ExecutionResult<Object> outcome);
  }

  private final long baseNanos;
  private final long capNanos;
  private final long serverCapNanos;
  private final dev.securecart.core.policy.RetryAfter retryAfter;
  private final DoubleSupplier random;
  private final long deadlineNanos;
  private final @Nullable WindowedRetryBudget budget;
  private final Guard retryAfterGuard;
  private final RetryListener listener;

  private PolicyRetry(
      dev.failsafe.RetryPolicyConfig<Object> failsafeConfig,
      RetryConfig config,
      DoubleSupplier random,
      long deadlineNanos,
      @Nullable WindowedRetryBudget budget,
      Guard retryAfterGuard,
      RetryListener listener) {
    super(failsafeConfig);
    this.baseNanos = PolicyCircuitBreaker.saturatedNanos(config.baseDelay());
    this.capNanos = PolicyCircuitBreaker.saturatedNanos(config.maxDelay());
    this.serverCapNanos = PolicyCircuitBreaker.saturatedNanos(config.maxServerDelay());
    this.retryAfter = config.retryAfter();
    this.random = random;
    this.deadlineNanos = deadlineNanos;
    this.budget = budget;
    this.retryAfterGuard = retryAfterGuard;
    this.listener = listener;
  }

  /**
   * @param deadlineNanos the overall timeout, or 0 for none
   * @param predicateGuard runs the retry predicates
   */
  static PolicyRetry create(
      RetryConfig config,
      DoubleSupplier random,
      long deadlineNanos,
      @Nullable WindowedRetryBudget budget,
      Guard predicateGuard,
      Guard retryAfterGuard,
      RetryListener listener) {
    dev.failsafe.RetryPolicyConfig<Object> failsafeConfig =
        RetryPolicy.builder()
            .handleIf(
                (Object result, @Nullable Throwable failure) ->
                    isRetryable(config, predicateGuard, result, failure))
            .withMaxAttempts(config.maxAttempts())
            .build()
            .getConfig();
    return new PolicyRetry(
        failsafeConfig, config, random, deadlineNanos, budget, retryAfterGuard, listener);
  }

  private static boolean isRetryable(
      RetryConfig config, Guard guard, @Nullable Object result, @Nullable Throwable failure) {
    if (failure == null) {
      return config.retriesResults() && guard.test(config::retriesOnResult, result);
    }
    // The policy's own rejections: retrying into an open circuit or a full bulkhead only adds load.
    // Its own timeout is the overall one (outside this retry): the bulkhead ends a wait with it at
    // the deadline, which may come before the timer cancels the call; past the deadline a
    // retry would only spend a budget token.
    if (failure instanceof CircuitBreakerOpenException
        || failure instanceof BulkheadFullException
        || failure instanceof TimeoutExceededException
        || failure instanceof InterruptedException) {
      return false;
    }
    return guard.test(config::retriesOn, failure);
  }

  @Override
  public PolicyExecutor<Object> toExecutor(int policyIndex) {
    return new Executor(this, policyIndex);
  }

  /** One execution's retry state; Failsafe creates one per call. */
  private static final class Executor extends RetryPolicyExecutor<Object> {
    private final PolicyRetry policy;

    Executor(PolicyRetry policy, int policyIndex) {
      super(policy, policyIndex);
      this.policy = policy;
    }

    @Override
    public ExecutionResult<Object> onFailure(
        ExecutionContext<Object> context, ExecutionResult<Object> result) {
      ExecutionResult<Object> decided = super.onFailure(context, result);
      if (decided.isComplete()) {
        return decided; // no retry due: attempts used up, or Failsafe completed it for its reasons
      }
      return policy.planRetry(context, decided);
    }
  }

  private ExecutionResult<Object> planRetry(
      ExecutionContext<Object> context, ExecutionResult<Object> outcome) {
    int attempt = context.getAttemptCount();
    long serverDelay = serverDelayNanos(outcome);
    boolean fromServer = serverDelay >= 0;
    long delayNanos =
        fromServer
            ? serverDelay
            : Backoff.delayNanos(attempt - 1, baseNanos, capNanos, random.getAsDouble());

    // A server's delay is honoured up to maxServerDelay, never past it: one hostile or mistaken
    // Retry-After (a day, or Long.MAX_VALUE seconds) must not hang a checkout thread.
    if (fromServer && serverDelay > serverCapNanos) {
      listener.onRetrySkipped(attempt, RetrySkippedEvent.Reason.SERVER_DELAY_TOO_LONG, outcome);
      return outcome.with(0, true, false);
    }
    if (deadlineNanos > 0 && delayNanos >= deadlineNanos - context.getElapsedTime().toNanos()) {
      listener.onRetrySkipped(attempt, RetrySkippedEvent.Reason.BEYOND_DEADLINE, outcome);
      return outcome.with(0, true, false);
    }
    if (budget != null && !budget.tryWithdraw()) {
      listener.onRetrySkipped(attempt, RetrySkippedEvent.Reason.BUDGET_EXHAUSTED, outcome);
      return outcome.with(0, true, false);
    }
    listener.onRetryScheduled(attempt, delayNanos, fromServer, outcome);
    return outcome.withDelay(delayNanos);
  }

  /** The delay the server asked for, in nanoseconds, or -1 if it did not ask. */
  private long serverDelayNanos(ExecutionResult<Object> outcome) {
    Optional<Duration> delay;
    try {
      delay = retryAfter.delayFor(outcome.getResult(), outcome.getException());
    } catch (RuntimeException e) {
      retryAfterGuard.failed(e);
      return -1;
    }
    if (delay == null || delay.isEmpty()) {
      return -1;
    }
    Duration d = delay.get();
    return d.isNegative() ? 0 : PolicyCircuitBreaker.saturatedNanos(d);
  }
}
