package dev.securecart.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.core.policy.BothWays.Fixture;
import dev.securecart.core.policy.BothWays.Mode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

final class BulkheadTest {

  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void shutDown() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  private static ResiliencePolicy policy(BulkheadConfig bulkhead) {
    return ResiliencePolicy.of(
        "warehouse", PolicyConfig.builder().noCircuitBreaker().bulkhead(bulkhead).build());
  }

  /** Starts a call that holds one slot until {@code release} is counted down. */
  private Future<String> occupy(ResiliencePolicy policy, CountDownLatch release)
      throws InterruptedException {
    CountDownLatch inside = new CountDownLatch(1);
    Future<String> occupant =
        threads.submit(
            () ->
                policy.get(
                    () -> {
                      inside.countDown();
                      assertThat(release.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                      return "done";
                    }));
    assertThat(inside.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    return occupant;
  }

  @Test
  void aFullBulkheadRejectsWithoutCallingTheDependency() {
    BothWays.test(
        () -> {
          ResiliencePolicy policy = policy(BulkheadConfig.of(1));
          CountDownLatch release = new CountDownLatch(1);
          Future<String> occupant;
          try {
            occupant = occupy(policy, release);
          } catch (InterruptedException e) {
            throw new AssertionError(e);
          }
          return Fixture.of(policy, attempt -> "never called")
              .onClose(
                  () -> {
                    release.countDown();
                    try {
                      assertThat(occupant.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS))
                          .isEqualTo("done");
                    } catch (Exception e) {
                      throw new AssertionError(e);
                    }
                  });
        },
        (fixture, outcome) -> {
          assertThat(outcome.failed())
              .isInstanceOfSatisfying(
                  BulkheadFullException.class,
                  full -> {
                    assertThat(full.policyName()).isEqualTo("warehouse");
                    assertThat(full.maxConcurrentCalls()).isEqualTo(1);
                  })
              .hasMessage(
                  "Bulkhead of policy 'warehouse' is full (1 concurrent calls) and rejected the"
                      + " call");
          assertThat(fixture.calls()).isZero();
        });
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void letsExactlyMaxConcurrentCallsInUnder32Threads(Mode mode) throws Exception {
    ResiliencePolicy policy = policy(BulkheadConfig.of(4));
    GatedCallers callers = GatedCallers.run(threads, policy, mode, 32, BulkheadFullException.class);
    assertThat(callers.entered()).isEqualTo(4);
    assertThat(callers.rejected()).isEqualTo(callers.callers() - 4);

    assertThat(callers.release()).filteredOn("ok"::equals).hasSize(4);
    assertThat(policy.get(() -> "free again")).isEqualTo("free again");
  }

  @Test
  void aCallWaitsUpToMaxWaitForASlot() throws Exception {
    ResiliencePolicy policy =
        policy(
            BulkheadConfig.builder(1).maxWait(Duration.ofSeconds(BothWays.WAIT_SECONDS)).build());
    CountDownLatch release = new CountDownLatch(1);
    Future<String> occupant = occupy(policy, release);
    Future<String> waiter = threads.submit(() -> policy.get(() -> "after waiting"));

    release.countDown();
    assertThat(occupant.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("done");
    assertThat(waiter.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("after waiting");
  }

  /**
   * The wait for a slot ends at the overall deadline, not after {@code maxWait}: an attempt that
   * started later could only run for nothing (its result is replaced by the timeout) while it holds
   * a slot. Here the slot frees after the deadline but well within {@code maxWait}.
   */
  @Test
  void theWaitForASlotEndsAtTheDeadlineAndNoAttemptStartsAfterIt() throws Exception {
    assertTheWaitEndsAtTheDeadline(
        ResiliencePolicy.of(
            "deadline",
            PolicyConfig.builder()
                .noCircuitBreaker()
                .bulkhead(BulkheadConfig.builder(1).maxWait(Duration.ofSeconds(2)).build())
                .timeout(Duration.ofMillis(200))
                .build()));
  }

  /**
   * The wait ends with the policy's own timeout, which the retry inside it must not take for a
   * failure of the call: a retry planned then would spend a budget token and report a retry for a
   * call whose deadline had already passed.
   */
  @Test
  void aWaitEndedByTheDeadlineIsNotRetried() throws Exception {
    List<Throwable> judged = new CopyOnWriteArrayList<>();
    ResiliencePolicy policy =
        ResiliencePolicy.of(
            "deadline-retry",
            PolicyConfig.builder()
                .noCircuitBreaker()
                .retry(
                    RetryConfig.builder()
                        .maxAttempts(3)
                        .backoff(Duration.ofMillis(50), Duration.ofMillis(50))
                        .retryOn(
                            failure -> {
                              judged.add(failure);
                              return true;
                            })
                        .build())
                .bulkhead(BulkheadConfig.builder(1).maxWait(Duration.ofSeconds(2)).build())
                .timeout(Duration.ofMillis(200))
                .build());
    AtomicInteger retries = new AtomicInteger();
    policy.onRetryScheduled(event -> retries.incrementAndGet());

    assertTheWaitEndsAtTheDeadline(policy);

    assertThat(judged).as("failures the retry judged").isEmpty();
    assertThat(retries).hasValue(0);
  }

  private void assertTheWaitEndsAtTheDeadline(ResiliencePolicy policy) throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<?> occupant =
        threads.submit(
            () ->
                policy.run(
                    () -> {
                      inside.countDown();
                      assertThat(release.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                    }));
    assertThat(inside.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger attempts = new AtomicInteger();
    try {
      ScheduledFuture<?> unused = timer.schedule(release::countDown, 800, TimeUnit.MILLISECONDS);

      long start = System.nanoTime();
      assertThatThrownBy(() -> policy.get(attempts::incrementAndGet))
          .isInstanceOf(PolicyTimeoutException.class);
      Duration waited = Duration.ofNanos(System.nanoTime() - start);

      assertThat(attempts).as("attempts started after the deadline").hasValue(0);
      assertThat(waited).isLessThan(Duration.ofMillis(700));
      // The occupant outlived the deadline too, and also ends with the timeout once the timer
      // frees it. (Freed here instead, right after the waiter's deadline, it raced its own
      // deadline, a millisecond or so earlier, and won when that timer ran late: a CI failure.)
      assertThatThrownBy(() -> occupant.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS))
          .hasCauseInstanceOf(PolicyTimeoutException.class);
    } finally {
      release.countDown();
      timer.shutdownNow();
    }
    assertThat(policy.get(() -> "free again")).isEqualTo("free again");
  }
}
