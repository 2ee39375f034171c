package dev.securecart.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.core.policy.event.RetryScheduledEvent;
import dev.securecart.core.policy.event.RetrySkippedEvent;
import dev.securecart.core.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A dependency fails for everyone at once: 32 threads make 50 calls each, every attempt fails in a
 * retryable way, and the clock stands still (all in one window). Without a budget each call makes
 * its two retries, tripling the load on the failing dependency; with a 10 % budget the retries stay
 * within 10 % of the calls.
 */
final class RetryStormTest {

  private static final int THREADS = 32;
  private static final int CALLS_PER_THREAD = 50;
  private static final int CALLS = THREADS * CALLS_PER_THREAD;

  private final ExecutorService threads = Executors.newFixedThreadPool(THREADS);

  @AfterEach
  void shutDown() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  private static ResiliencePolicy policy(RetryConfig.Builder retry) {
    return ResiliencePolicy.of(
        "storm",
        PolicyConfig.builder()
            .retry(
                retry
                    .maxAttempts(3)
                    .backoff(Duration.ZERO, Duration.ZERO)
                    .retryOn(IOException.class)
                    .build())
            .noCircuitBreaker()
            .ticker(FakeClock.create())
            .build());
  }

  /** Makes every call fail from 32 threads at once; returns the number of attempts. */
  private int storm(ResiliencePolicy policy) throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> callers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      callers.add(
          threads.submit(
              () -> {
                start.await();
                for (int i = 0; i < CALLS_PER_THREAD; i++) {
                  assertThatThrownBy(
                          () ->
                              policy.run(
                                  () -> {
                                    attempts.incrementAndGet();
                                    throw new IOException("down");
                                  }))
                      .isInstanceOf(PolicyExecutionException.class);
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> caller : callers) {
      caller.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS);
    }
    return attempts.get();
  }

  @Test
  void withoutABudgetEveryCallRetriesToTheMaximum() throws Exception {
    int attempts = storm(policy(RetryConfig.builder().noBudget()));

    assertThat(attempts - CALLS).isEqualTo(2 * CALLS);
  }

  @Test
  void aBudgetKeepsRetriesWithinItsShareOfTheCalls() throws Exception {
    ResiliencePolicy policy =
        policy(RetryConfig.builder().budget(RetryBudget.of(10, 0, Duration.ofSeconds(10))));
    Recorded<RetryScheduledEvent> scheduled = new Recorded<>();
    Recorded<RetrySkippedEvent> skipped = new Recorded<>();
    policy.onRetryScheduled(scheduled);
    policy.onRetrySkipped(skipped);

    int retries = storm(policy) - CALLS;

    assertThat(retries).isPositive().isLessThanOrEqualTo(CALLS / 10);
    assertThat(scheduled.events()).hasSize(retries);
    // Every call ends either with its retries used up or with one refused by the budget.
    assertThat(skipped.events())
        .hasSizeGreaterThanOrEqualTo(CALLS - retries / 2)
        .allMatch(event -> event.reason() == RetrySkippedEvent.Reason.BUDGET_EXHAUSTED);
  }
}
