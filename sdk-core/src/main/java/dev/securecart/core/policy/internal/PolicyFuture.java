package dev.securecart.core.policy.internal;

import dev.securecart.core.policy.Fallback;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The future {@code getAsync} returns: completes from Failsafe's future with the same translation,
 * recording and fallback as the synchronous path, and passes cancellation back to it (a plain
 * dependent stage would not). Is its own completion callback, so a call allocates no lambda for it.
 */
final class PolicyFuture<T> extends CompletableFuture<T> implements BiConsumer<T, Throwable> {

  private final ResiliencePolicyImpl policy;
  private final CompletableFuture<T> source;
  private final PolicyRecorder recorder;
  private final long startNanos;
  private final @Nullable Fallback<? extends T> fallback;

  /** Whether the caller's cancel is what completed this future. */
  private volatile boolean cancelledByCaller;

  PolicyFuture(
      ResiliencePolicyImpl policy,
      CompletableFuture<T> source,
      PolicyRecorder recorder,
      long startNanos,
      @Nullable Fallback<? extends T> fallback) {
    this.policy = policy;
    this.source = source;
    this.recorder = recorder;
    this.startNanos = startNanos;
    this.fallback = fallback;
  }

  @Override
  public void accept(@Nullable T result, @Nullable Throwable error) {
    if (error == null) {
      policy.recordSuccess(recorder, startNanos, result);
      complete(result);
      return;
    }
    Throwable failure =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cancelledByCaller && failure instanceof CancellationException) {
      // The caller's cancel ended the call: a dashboard's failure rate is no place for it. (A
      // failure that came first, and a CancellationException completed in by hand, are not that.)
      policy.recordCancelled(recorder, startNanos);
    } else {
      policy.recordFailure(recorder, startNanos, failure);
    }
    Throwable translated;
    try {
      translated = policy.translate(failure);
    } catch (Error e) {
      translated = e;
    }
    // A caller who cancelled reads nothing, so a fallback would only have side effects.
    if (fallback != null && translated instanceof RuntimeException unchecked && !isCancelled()) {
      try {
        complete(policy.applyFallback(fallback, unchecked));
      } catch (RuntimeException | Error e) {
        completeExceptionally(e);
      }
      return;
    }
    completeExceptionally(translated);
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    // Before the source: its cancel completes it, and so runs accept, on this thread.
    cancelledByCaller = cancelled;
    source.cancel(mayInterruptIfRunning);
    return cancelled;
  }
}
