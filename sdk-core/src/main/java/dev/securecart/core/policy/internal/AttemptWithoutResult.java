package dev.securecart.core.policy.internal;

import dev.failsafe.spi.AsyncExecutionInternal;
import dev.failsafe.spi.ExecutionResult;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * An asynchronous attempt that gives back what its policy took for it when it ends without a
 * result. Failsafe takes a policy's permit on the caller's thread and only queues the attempt; a
 * cancel before the attempt starts completes it with null, and Failsafe then skips the
 * post-execution that would have given the permit back.
 */
final class AttemptWithoutResult {

  private AttemptWithoutResult() {}

  /**
   * Returns {@code attempt}, running {@code giveBack} when it completes with no result.
   *
   * @param attempt the inner function Failsafe passes to {@code applyAsync}; it runs only once the
   *     policy holds its permit
   * @param giveBack returns the permit
   */
  static Function<AsyncExecutionInternal<Object>, CompletableFuture<ExecutionResult<Object>>>
      givingBack(
          Function<AsyncExecutionInternal<Object>, CompletableFuture<ExecutionResult<Object>>>
              attempt,
          Runnable giveBack) {
    return execution ->
        attempt
            .apply(execution)
            .thenApply(
                result -> {
                  if (result == null) {
                    giveBack.run();
                  }
                  return result;
                });
  }
}
