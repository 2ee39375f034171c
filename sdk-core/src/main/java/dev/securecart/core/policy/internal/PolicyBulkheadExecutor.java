package dev.securecart.core.policy.internal;

import dev.failsafe.BulkheadFullException;
import dev.failsafe.internal.BulkheadExecutor;
import dev.failsafe.spi.ExecutionResult;
import dev.failsafe.spi.FailsafeFuture;
import dev.failsafe.spi.Scheduler;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Failsafe's bulkhead executor, with an asynchronous acquire that does not lose permits (see {@link
 * PolicyBulkhead}). Releases stay Failsafe's: a permit goes back when the attempt's result reaches
 * this executor.
 */
final class PolicyBulkheadExecutor extends BulkheadExecutor<Object> {

  private final PolicyBulkhead bulkhead;

  PolicyBulkheadExecutor(PolicyBulkhead bulkhead, int policyIndex) {
    super(bulkhead, policyIndex);
    this.bulkhead = bulkhead;
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

  private CompletableFuture<ExecutionResult<Object>> rejected() {
    return CompletableFuture.completedFuture(
        ExecutionResult.exception(new BulkheadFullException(bulkhead)));
  }
}
