package dev.securecart.core.policy.internal;

import dev.failsafe.TimeoutExceededException;
import dev.failsafe.spi.AsyncExecutionInternal;
import dev.failsafe.spi.ExecutionInternal;
import dev.failsafe.spi.ExecutionResult;
import dev.failsafe.spi.FailsafeFuture;
import dev.failsafe.spi.PolicyExecutor;
import dev.failsafe.spi.Scheduler;
import dev.failsafe.spi.SyncExecutionInternal;
import dev.securecart.core.internal.DeadlineTimer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The executor of a {@link PolicyTimeout} for one call: a race between the call's inner policies
 * and a deadline on {@link DeadlineTimer}, decided by whichever sets the call's result first. It
 * keeps the protocol of Failsafe's own timeout executor, which the other Failsafe policies rely on:
 * the expiry records {@code TimeoutExceededException} on the latest attempt and cancels it
 * (interrupting a synchronous one if the policy says so, cancelling an asynchronous one's
 * dependencies), under the execution's lock so that a retry cannot start an attempt in between.
 */
final class PolicyTimeoutExecutor extends PolicyExecutor<Object> {

  private final PolicyTimeout timeout;

  PolicyTimeoutExecutor(PolicyTimeout timeout, int policyIndex) {
    super(timeout, policyIndex);
    this.timeout = timeout;
  }

  @Override
  protected boolean isFailure(ExecutionResult<Object> result) {
    return !result.isNonResult() && result.getException() instanceof TimeoutExceededException;
  }

  @Override
  public Function<SyncExecutionInternal<Object>, ExecutionResult<Object>> apply(
      Function<SyncExecutionInternal<Object>, ExecutionResult<Object>> innerFn,
      Scheduler scheduler) {
    return execution -> {
      AtomicReference<@Nullable ExecutionResult<Object>> decided = new AtomicReference<>();
      Future<?> deadline;
      try {
        deadline = DeadlineTimer.shared().schedule(() -> expire(execution, decided, null), nanos());
      } catch (Throwable e) {
        return postExecute(execution, noDeadline(decided, e));
      }
      try {
        decided.compareAndSet(null, innerFn.apply(execution));
      } finally {
        deadline.cancel(false);
      }
      return postExecute(execution, decisionOf(decided));
    };
  }

  @Override
  public Function<AsyncExecutionInternal<Object>, CompletableFuture<ExecutionResult<Object>>>
      applyAsync(
          Function<AsyncExecutionInternal<Object>, CompletableFuture<ExecutionResult<Object>>>
              innerFn,
          Scheduler scheduler,
          FailsafeFuture<Object> future) {
    return execution -> {
      AtomicReference<@Nullable ExecutionResult<Object>> decided = new AtomicReference<>();
      @Nullable Future<?> deadline = null;
      // Against a result recorded, or the call completed or cancelled, while the deadline is set.
      synchronized (future) {
        if (!future.isDone() && !execution.isRecorded()) {
          Future<?> pending;
          try {
            pending =
                DeadlineTimer.shared().schedule(() -> expire(execution, decided, future), nanos());
          } catch (Throwable e) {
            noDeadline(decided, e);
            return CompletableFuture.failedFuture(e);
          }
          future.setCancelFn(
              this,
              (mayInterrupt, cancelled) -> {
                pending.cancel(false);
                decided.compareAndSet(null, cancelled);
              });
          deadline = pending;
        }
      }
      Future<?> toCancel = deadline;
      CompletableFuture<ExecutionResult<Object>> promise = new CompletableFuture<>();
      CompletableFuture<?> unused =
          innerFn
              .apply(execution)
              .whenComplete(
                  (result, error) -> {
                    if (error != null) {
                      if (toCancel != null) {
                        toCancel.cancel(false);
                      }
                      promise.completeExceptionally(error);
                      return;
                    }
                    ExecutionResult<Object> outcome =
                        decided.compareAndSet(null, result) ? result : decided.get();
                    if (outcome != null) {
                      if (toCancel != null) {
                        toCancel.cancel(false);
                      }
                      // Completes the call or starts the retry; its own future adds nothing.
                      CompletableFuture<?> unusedPost =
                          postExecuteAsync(execution, outcome, scheduler, future);
                    }
                    promise.complete(outcome);
                  });
      return promise;
    };
  }

  /**
   * The deadline passed: unless the call has its result already, it now has this policy's timeout,
   * and the attempt running is cancelled.
   */
  private void expire(
      ExecutionInternal<Object> execution,
      AtomicReference<@Nullable ExecutionResult<Object>> decided,
      @Nullable FailsafeFuture<Object> future) {
    ExecutionResult<Object> expired =
        ExecutionResult.exception(new TimeoutExceededException(timeout));
    if (!decided.compareAndSet(null, expired)) {
      return;
    }
    boolean interrupt = timeout.getConfig().canInterrupt();
    synchronized (execution.getLock()) {
      ExecutionInternal<Object> latest = execution.getLatest();
      latest.record(expired);
      latest.cancel(this);
      if (future != null) {
        future.cancelDependencies(this, interrupt, expired);
      } else if (interrupt && execution instanceof SyncExecutionInternal<Object> sync) {
        sync.interrupt();
      }
    }
  }

  /**
   * The deadline could not be set (the timer's thread could not start): the call fails with that,
   * and a deadline the timer queued before it failed finds the race lost.
   */
  private static ExecutionResult<Object> noDeadline(
      AtomicReference<@Nullable ExecutionResult<Object>> decided, Throwable failure) {
    ExecutionResult<Object> failed = ExecutionResult.exception(failure);
    decided.set(failed);
    return failed;
  }

  private long nanos() {
    return timeout.timeoutNanos();
  }

  private static ExecutionResult<Object> decisionOf(
      AtomicReference<@Nullable ExecutionResult<Object>> decided) {
    ExecutionResult<Object> decision = decided.get();
    if (decision == null) {
      throw new IllegalStateException("a timeout race ended undecided");
    }
    return decision;
  }
}
