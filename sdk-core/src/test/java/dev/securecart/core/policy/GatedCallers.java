package dev.securecart.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.policy.BothWays.Mode;
import dev.securecart.core.policy.internal.ResiliencePolicyImpl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Many callers released at once into one policy, each held inside its call until {@link #release()}
 * (or {@link #releaseWithFailure}), so that none finishes (and frees a slot or changes the breaker)
 * while the others arrive. Counts how many got in and how many the policy turned away with the
 * expected exception.
 */
final class GatedCallers {

  private static final Duration DEADLINE = Duration.ofSeconds(BothWays.WAIT_SECONDS);

  private final int callers;
  private final AtomicInteger entered = new AtomicInteger();
  private final AtomicInteger rejected = new AtomicInteger();
  private final CompletableFuture<String> gate = new CompletableFuture<>();
  private final List<Future<String>> results = new ArrayList<>();
  private volatile @Nullable Exception releasedFailure;

  private GatedCallers(int callers) {
    this.callers = callers;
  }

  /**
   * Starts {@code callers} calls of {@code policy} in {@code mode} on {@code threads}, all at once,
   * and waits until each has either entered its call or been rejected with {@code rejection}.
   */
  static GatedCallers run(
      ExecutorService threads,
      ResiliencePolicy policy,
      Mode mode,
      int callers,
      Class<? extends RuntimeException> rejection) {
    GatedCallers run = new GatedCallers(callers);
    CountDownLatch start = new CountDownLatch(1);
    for (int i = 0; i < callers; i++) {
      run.results.add(threads.submit(() -> run.call(start, policy, mode, rejection)));
    }
    start.countDown();
    await().atMost(DEADLINE).until(() -> run.entered.get() + run.rejected.get() == callers);
    return run;
  }

  private String call(
      CountDownLatch start,
      ResiliencePolicy policy,
      Mode mode,
      Class<? extends RuntimeException> rejection)
      throws Exception {
    start.await();
    try {
      CheckedSupplier<String> blocking =
          () -> {
            entered.incrementAndGet();
            return gate.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS);
          };
      return switch (mode) {
        case SYNC -> policy.get(blocking);
        case SYNC_THROUGH_EXECUTOR ->
            ((ResiliencePolicyImpl) policy).getThroughExecutor(blocking, null);
        case ASYNC ->
            policy
                .<String>getAsync(
                    () -> {
                      entered.incrementAndGet();
                      return gate;
                    })
                .get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS);
      };
    } catch (RuntimeException | ExecutionException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      for (Throwable t = cause; t != null; t = t.getCause()) {
        if (t == releasedFailure) {
          return "failed";
        }
      }
      assertThat(cause).isInstanceOf(rejection);
      rejected.incrementAndGet();
      return "rejected";
    }
  }

  /** How many callers got into the call. */
  int entered() {
    return entered.get();
  }

  /** How many callers the policy turned away. */
  int rejected() {
    return rejected.get();
  }

  /** The number of callers. */
  int callers() {
    return callers;
  }

  /** Lets every caller that got in finish with "ok"; returns each caller's result. */
  List<String> release() throws Exception {
    gate.complete("ok");
    return outcomes();
  }

  /** Lets every caller that got in fail with {@code failure}; their results are "failed". */
  List<String> releaseWithFailure(Exception failure) throws Exception {
    releasedFailure = failure;
    gate.completeExceptionally(failure);
    return outcomes();
  }

  private List<String> outcomes() throws Exception {
    List<String> outcomes = new ArrayList<>();
    for (Future<String> result : results) {
      outcomes.add(result.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS));
    }
    return outcomes;
  }
}
