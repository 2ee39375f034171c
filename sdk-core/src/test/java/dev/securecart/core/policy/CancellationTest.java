package dev.securecart.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A caller's {@code cancel()} of a {@code getAsync} future: whenever it comes, the call gives back
 * every permit it took, and says nothing about the dependency's health.
 */
final class CancellationTest {

  private static final Duration OPEN_DELAY = Duration.ofSeconds(30);

  private final FakeClock clock = FakeClock.create();

  // One thread, held by a task until the test lets it go: an attempt queued behind it has taken
  // its permits (on the caller's thread) but not started.
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final CountDownLatch schedulerHeld = new CountDownLatch(1);

  @AfterEach
  void shutDown() throws InterruptedException {
    schedulerHeld.countDown();
    scheduler.shutdownNow();
    assertThat(scheduler.awaitTermination(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  private void holdScheduler() throws InterruptedException {
    CountDownLatch running = new CountDownLatch(1);
    Future<?> unused =
        scheduler.submit(
            () -> {
              running.countDown();
              return schedulerHeld.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS);
            });
    assertThat(running.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  /** A breaker that 1 failure of 1 call opens, with 1 trial call that closes it again. */
  private PolicyConfig.Builder oneTrial() {
    return PolicyConfig.builder()
        .circuitBreaker(
            CircuitBreakerConfig.builder()
                .failureThreshold(1, 1)
                .openDelay(OPEN_DELAY)
                .halfOpenTrialCalls(1, 1)
                .build())
        .ticker(clock)
        .clock(clock);
  }

  private void halfOpen(ResiliencePolicy policy) {
    assertThatThrownBy(
            () ->
                policy.run(
                    () -> {
                      throw new IOException("down");
                    }))
        .isInstanceOf(PolicyExecutionException.class);
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.OPEN);
    clock.advance(OPEN_DELAY);
  }

  @Test
  void cancellingBeforeTheAttemptStartsGivesTheBulkheadSlotBack() throws Exception {
    ResiliencePolicy policy =
        ResiliencePolicy.of(
            "queued",
            PolicyConfig.builder().noCircuitBreaker().bulkhead(1).scheduler(scheduler).build());
    holdScheduler();
    AtomicInteger started = new AtomicInteger();

    CompletableFuture<String> call =
        policy.getAsync(
            () -> {
              started.incrementAndGet();
              return CompletableFuture.completedFuture("never started");
            });
    assertThat(call.cancel(true)).isTrue();
    schedulerHeld.countDown();

    assertThat(policy.get(() -> "ok")).isEqualTo("ok");
    assertThat(policy.getAsync(() -> CompletableFuture.completedFuture("ok async")))
        .succeedsWithin(Duration.ofSeconds(BothWays.WAIT_SECONDS))
        .isEqualTo("ok async");
    assertThat(started).hasValue(0);
  }

  @Test
  void cancellingBeforeTheAttemptStartsGivesTheHalfOpenTrialBack() throws Exception {
    ResiliencePolicy policy = ResiliencePolicy.of("trial", oneTrial().scheduler(scheduler).build());
    halfOpen(policy);
    holdScheduler();

    CompletableFuture<String> trial =
        policy.getAsync(() -> CompletableFuture.completedFuture("never started"));
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.HALF_OPEN);
    assertThat(trial.cancel(true)).isTrue();
    schedulerHeld.countDown();

    assertThat(policy.get(() -> "ok")).isEqualTo("ok");
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.CLOSED);
  }

  /** The trial place comes back once: given back twice, two trials would run at once. */
  @Test
  void aTrialCancelledBeforeItStartsComesBackOnlyOnce() throws Exception {
    ResiliencePolicy policy =
        ResiliencePolicy.of("one-trial", oneTrial().scheduler(scheduler).build());
    halfOpen(policy);
    holdScheduler();
    CompletableFuture<String> cancelled =
        policy.getAsync(() -> CompletableFuture.completedFuture("never started"));
    assertThat(cancelled.cancel(true)).isTrue();
    schedulerHeld.countDown();

    CompletableFuture<String> response = new CompletableFuture<>();
    CompletableFuture<String> trial = policy.getAsync(() -> response);
    assertThatThrownBy(() -> policy.get(() -> "a second trial"))
        .isInstanceOf(CircuitOpenException.class);

    response.complete("ok");
    assertThat(trial.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("ok");
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.CLOSED);
  }

  /** A caller that gives up on a healthy call has learnt nothing about the dependency. */
  @Test
  void cancellingACallInFlightIsNoFailureOfTheDependency() throws Exception {
    ResiliencePolicy policy = ResiliencePolicy.of("impatient", oneTrial().build());
    CountDownLatch sent = new CountDownLatch(1);
    CompletableFuture<String> response = new CompletableFuture<>();

    CompletableFuture<String> call =
        policy.getAsync(
            () -> {
              sent.countDown();
              return response;
            });
    assertThat(sent.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(call.cancel(true)).isTrue();

    // Cancelled where the attempt ends: when the cancel beat the supplier's return, on the thread
    // that ran the supplier, a moment after cancel() returned here (a CI run saw it incomplete).
    await().atMost(Duration.ofSeconds(BothWays.WAIT_SECONDS)).until(response::isCancelled);
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.CLOSED);
    assertThat(policy.get(() -> "ok")).isEqualTo("ok");
  }

  @Test
  void cancellingATrialInFlightGivesTheTrialBackWithoutCountingIt() throws Exception {
    ResiliencePolicy policy = ResiliencePolicy.of("trial-in-flight", oneTrial().build());
    halfOpen(policy);
    CountDownLatch sent = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);

    CompletableFuture<String> trial =
        policy.getAsync(
            () -> {
              sent.countDown();
              // The cancel comes before the supplier returns (the order that raced in a CI run).
              cancelled.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS);
              return new CompletableFuture<String>();
            });
    assertThat(sent.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(trial.cancel(true)).isTrue();
    cancelled.countDown();

    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.HALF_OPEN);
    // The trial comes back where the attempt ends, on the thread that ran the supplier: a moment
    // after cancel() returned here.
    await()
        .atMost(Duration.ofSeconds(BothWays.WAIT_SECONDS))
        .ignoreExceptionsInstanceOf(CircuitOpenException.class)
        .until(() -> "ok".equals(policy.get(() -> "ok")));
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.CLOSED);
  }

  /**
   * An attempt still queued when the deadline passes never reached the dependency: the call times
   * out, the attempt never starts, and the breaker (which counts every exception here) learns
   * nothing. The timeout's timer is Failsafe's own, not the held scheduler.
   */
  @Test
  void aTimeoutBeforeTheAttemptStartsIsNoFailureOfTheDependency() throws Exception {
    ResiliencePolicy policy =
        ResiliencePolicy.of(
            "late-start", oneTrial().timeout(Duration.ofMillis(50)).scheduler(scheduler).build());
    holdScheduler();
    AtomicInteger started = new AtomicInteger();

    Throwable failure =
        BothWays.await(
                BothWays.Mode.ASYNC,
                policy.getAsync(
                    () -> {
                      started.incrementAndGet();
                      return CompletableFuture.completedFuture("too late");
                    }))
            .failed();
    assertThat(failure).isInstanceOf(PolicyTimeoutException.class);
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.CLOSED);

    schedulerHeld.countDown();
    assertThat(policy.get(() -> "ok")).isEqualTo("ok");
    assertThat(started).hasValue(0);
  }

  /** The caller who cancelled will never read the fallback's answer, so it must not be made. */
  @Test
  void aCancelledCallDoesNotRunTheFallback() throws Exception {
    ResiliencePolicy policy =
        ResiliencePolicy.of("declined", PolicyConfig.builder().noCircuitBreaker().build());
    CountDownLatch sent = new CountDownLatch(1);
    AtomicInteger fallbacks = new AtomicInteger();

    CompletableFuture<String> call =
        policy.getAsync(
            () -> {
              sent.countDown();
              return new CompletableFuture<String>();
            },
            failure -> {
              fallbacks.incrementAndGet();
              return "fallback";
            });
    assertThat(sent.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(call.cancel(true)).isTrue();

    assertThat(call).isCancelled();
    assertThat(fallbacks).hasValue(0);
  }
}
