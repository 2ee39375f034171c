package dev.securecart.core.policy.internal;

import dev.failsafe.BulkheadFullException;
import dev.failsafe.Timeout;
import dev.failsafe.TimeoutExceededException;
import dev.failsafe.internal.BulkheadExecutor;
import dev.failsafe.spi.AsyncExecutionInternal;
import dev.failsafe.spi.ExecutionResult;
import dev.failsafe.spi.FailsafeFuture;
import dev.failsafe.spi.Scheduler;
import dev.securecart.core.internal.DeadlineTimer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Failsafe's bulkhead executor for one call, with an asynchronous acquire that does not lose
 * permits (see {@link PolicyBulkhead}) and a synchronous wait that ends at the call's deadline.
 * Releases stay Failsafe's: a permit goes back when the attempt's result reaches this executor;
 * except for an attempt cancelled before it started, which has no result (see {@link #applyAsync}).
 */
final class PolicyBulkheadExecutor extends BulkheadExecutor<Object> {

  private final PolicyBulkhead bulkhead;

  /**
   * When the call's overall timeout passes, on {@link System#nanoTime()} as {@link DeadlineTimer}
   * runs: Failsafe makes this executor as the call starts, just before the timeout sets its
   * deadline.
   */
  private final long deadlineNanos;

  PolicyBulkheadExecutor(PolicyBulkhead bulkhead, int policyIndex) {
    super(bulkhead, policyIndex);
    this.bulkhead = bulkhead;
    long timeoutNanos = bulkhead.timeoutNanos();
    this.deadlineNanos = timeoutNanos == 0 ? 0 : System.nanoTime() + timeoutNanos;
  }

  @Override
  protected @Nullable ExecutionResult<Object> preExecute() {
    Timeout<Object> timeout = bulkhead.timeout();
    if (timeout == null) {
      return super.preExecute();
    }
    boolean acquired;
    try {
      long untilDeadline = deadlineNanos - System.nanoTime();
      acquired =
          untilDeadline > 0
              && bulkhead.tryAcquirePermit(
                  Duration.ofNanos(Math.min(bulkhead.maxWaitNanos(), untilDeadline)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExecutionResult.exception(e);
    }
    if (deadlineNanos - System.nanoTime() <= 0) {
      // Whatever the attempt did now, the timeout has already answered the caller.
      if (acquired) {
        bulkhead.releasePermit();
      }
      return ExecutionResult.exception(new TimeoutExceededException(timeout));
    }
    return acquired ? null : ExecutionResult.exception(new BulkheadFullException(bulkhead));
  }

  @Override
  protected @Nullable CompletableFuture<ExecutionResult<Object>> preExecuteAsync(
      Scheduler scheduler, FailsafeFuture<Object> future) {
    CompletableFuture<Boolean> acquired = bulkhead.acquireAsync(scheduler);
    if (acquired.isDone()) {
      // null: go on at once, as Failsafe's own policies say it.
      return Boolean.TRUE.equals(acquired.getNow(false)) ? null : rejected();
    }
    CompletableFuture<ExecutionResult<Object>> promise = new CompletableFuture<>();
    CompletableFuture<?> unused =
        acquired.whenComplete(
            (gotIt, error) ->
                promise.complete(
                    Boolean.TRUE.equals(gotIt) ? ExecutionResult.none() : rejected().join()));
    future.setCancelFn(
        this,
        (mayInterrupt, cancelResult) -> {
          // Whoever completes the promise first decides: cancelled, the call never runs, so a
          // permit that reached the waiter meanwhile must go back here or it is lost.
          if (promise.complete(cancelResult) && !bulkhead.giveUp(acquired)) {
            bulkhead.releasePermit();
          }
        });
    return promise;
  }

  /**
   * Gives the permit back when the attempt ends without a result. Failsafe runs the pre-execution
   * (which takes the permit) on the caller's thread and only queues the attempt; a caller's cancel
   * before the attempt starts completes it with null, and Failsafe then skips the post-execution
   * that would have released the permit. {@code innerFn} runs only once this attempt holds one.
   */
  @Override
  public Function<AsyncExecutionInternal<Object>, CompletableFuture<ExecutionResult<Object>>>
      applyAsync(
          Function<AsyncExecutionInternal<Object>, CompletableFuture<ExecutionResult<Object>>>
              innerFn,
          Scheduler scheduler,
          FailsafeFuture<Object> future) {
    return super.applyAsync(
        AttemptWithoutResult.givingBack(innerFn, () -> bulkhead.releasePermit()),
        scheduler,
        future);
  }

  private CompletableFuture<ExecutionResult<Object>> rejected() {
    return CompletableFuture.completedFuture(
        ExecutionResult.exception(new BulkheadFullException(bulkhead)));
  }
}
