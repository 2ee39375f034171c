package dev.securecart.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.failsafe.Failsafe;
import dev.securecart.core.policy.BothWays.Fixture;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The overall timeout. A timed-out attempt here blocks until interrupted, so the outcome does not
 * depend on how fast the machine is: the call can only end by the timeout. The deadline is a second
 * so that an asynchronous attempt has started on its pool thread before it, even on a loaded
 * machine: a deadline that comes first stops the attempt before it starts, which is no call and no
 * failure of the dependency (see {@code CancellationTest}), and not what these tests check.
 */
final class TimeoutTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  private static PolicyConfig.Builder config() {
    return PolicyConfig.builder()
        .noCircuitBreaker()
        .timeout(TimeoutConfig.builder(TIMEOUT).interruptOnTimeout(true).build());
  }

  /** Blocks until interrupted; never returns normally. */
  private static String hang() throws InterruptedException {
    new CountDownLatch(1).await();
    throw new AssertionError("unreachable");
  }

  @Test
  void aCallThatOutlivesTheTimeoutFailsWithPolicyTimeoutException() {
    BothWays.test(
        () -> Fixture.of(ResiliencePolicy.of("slow", config().build()), attempt -> hang()),
        (fixture, outcome) -> {
          assertThat(outcome.failed())
              .isInstanceOfSatisfying(
                  PolicyTimeoutException.class,
                  timeout -> {
                    assertThat(timeout.policyName()).isEqualTo("slow");
                    assertThat(timeout.timeout()).isEqualTo(TIMEOUT);
                    assertThat(timeout.getCause()).isNotNull();
                  })
              .hasMessage("Call through policy 'slow' exceeded its overall timeout of PT1S");
          assertThat(fixture.calls()).isEqualTo(1);
        });
    assertThat(Thread.currentThread().isInterrupted()).as("caller's interrupt status").isFalse();
  }

  @Test
  void theLongestTimeoutSetsADeadlineAsAnyOther() throws Exception {
    ResiliencePolicy policy =
        ResiliencePolicy.of(
            "patient",
            PolicyConfig.builder()
                .noCircuitBreaker()
                .timeout(TimeoutConfig.of(TimeoutConfig.LONGEST))
                .build());
    assertThat(policy.get(() -> "answered")).isEqualTo("answered");
    assertThat(policy.getAsync(() -> CompletableFuture.completedFuture("answered")).get())
        .isEqualTo("answered");
  }

  @Test
  void aCallWithinTheTimeoutSucceeds() {
    BothWays.test(
        () ->
            Fixture.of(
                ResiliencePolicy.of(
                    "fast",
                    PolicyConfig.builder()
                        .noCircuitBreaker()
                        .timeout(Duration.ofMinutes(1))
                        .build()),
                attempt -> "quick"),
        (fixture, outcome) -> assertThat(outcome.result()).isEqualTo("quick"));
  }

  /**
   * Attempt 1 fails and is retried at once; attempt 2 hangs until the deadline cuts it. (A deadline
   * of 1 s keeps the retry decision, made right after attempt 1, well before the deadline even on a
   * loaded machine; a later decision could legitimately end the call with attempt 1's failure.)
   */
  @Test
  void theTimeoutBoundsRetriesToo() {
    BothWays.test(
        () ->
            Fixture.of(
                ResiliencePolicy.of(
                    "retrying",
                    config()
                        .timeout(
                            TimeoutConfig.builder(Duration.ofSeconds(1))
                                .interruptOnTimeout(true)
                                .build())
                        .retry(
                            RetryConfig.builder()
                                .maxAttempts(100)
                                .backoff(Duration.ZERO, Duration.ZERO)
                                .retryOn(IOException.class)
                                .noBudget()
                                .build())
                        .build()),
                attempt -> {
                  if (attempt == 1) {
                    throw new IOException("attempt 1");
                  }
                  return hang();
                }),
        (fixture, outcome) -> {
          assertThat(outcome.failed()).isInstanceOf(PolicyTimeoutException.class);
          assertThat(fixture.calls()).isEqualTo(2);
        });
  }

  /**
   * A breaker told to record only {@code IOException} (a declined card is a success) still counts
   * the policy's own timeout as a failure: a gateway that hangs must open the circuit.
   */
  @Test
  void aTimedOutAttemptIsABreakerFailureWhateverItsPredicate() {
    BothWays.test(
        () ->
            Fixture.of(
                ResiliencePolicy.of("hanging", config().circuitBreaker(ioOnlyBreaker()).build()),
                attempt -> hang()),
        (fixture, outcome) -> {
          assertThat(outcome.failed()).isInstanceOf(PolicyTimeoutException.class);
          assertThat(fixture.policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.OPEN);
        });
  }

  /** The same for a stage that never completes, which the timeout cancels without interrupting. */
  @Test
  void aTimedOutStageIsABreakerFailureWhateverItsPredicate() {
    ResiliencePolicy policy =
        ResiliencePolicy.of(
            "stalled-gateway",
            PolicyConfig.builder().timeout(TIMEOUT).circuitBreaker(ioOnlyBreaker()).build());
    CompletableFuture<String> never = new CompletableFuture<>();

    Throwable failure =
        BothWays.await(BothWays.Mode.ASYNC, policy.<String>getAsync(() -> never)).failed();

    assertThat(failure).isInstanceOf(PolicyTimeoutException.class);
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.OPEN);
  }

  private static CircuitBreakerConfig ioOnlyBreaker() {
    return CircuitBreakerConfig.builder()
        .failureThreshold(1, 1)
        .openDelay(Duration.ofMinutes(1))
        .recordFailureOn(IOException.class)
        .build();
  }

  @Test
  void anAsynchronousStageThatNeverCompletesTimesOutWithoutInterrupting() {
    ResiliencePolicy policy =
        ResiliencePolicy.of(
            "stalled", PolicyConfig.builder().noCircuitBreaker().timeout(TIMEOUT).build());
    CompletableFuture<String> never = new CompletableFuture<>();

    Throwable failure =
        BothWays.await(BothWays.Mode.ASYNC, policy.<String>getAsync(() -> never)).failed();

    assertThat(failure).isInstanceOf(PolicyTimeoutException.class);
  }

  /**
   * Policies without a scheduler used to start their asynchronous attempts on Failsafe's shared
   * pool (the common pool, or on 2 cores a pool of 2 threads of its own), where Failsafe fires its
   * timeouts: attempts that block there must not hold up the timeouts of other calls.
   */
  @Test
  void attemptsBlockedElsewhereDoNotHoldUpATimeout() throws Exception {
    ResiliencePolicy blocking =
        ResiliencePolicy.of("blocking", PolicyConfig.builder().noCircuitBreaker().build());
    assertTimesOutWhileBlocked(blocking::getAsync);
  }

  /**
   * The same pool blocked by anything else in the JVM: Failsafe's own timeouts all fire there (and,
   * on more than 2 CPUs, so does every {@code supplyAsync} without an executor), so the policies'
   * timeouts must not.
   */
  @Test
  void aBlockedFailsafePoolDoesNotHoldUpATimeout() throws Exception {
    assertTimesOutWhileBlocked(supplier -> Failsafe.none().getStageAsync(supplier::get));
  }

  /**
   * A timeout that fires completes the caller's future, and so runs whatever the caller chained on
   * it, there and then: code that blocks there must not make the next call's timeout late.
   */
  @Test
  void codeChainedOnATimedOutCallDoesNotHoldUpTheNextTimeout() throws Exception {
    ResiliencePolicy timed =
        ResiliencePolicy.of(
            "timed", PolicyConfig.builder().noCircuitBreaker().timeout(TIMEOUT).build());
    // Long enough that the code below is chained before the call times out, so that it runs where
    // the timeout fires rather than on this thread.
    ResiliencePolicy firstTimed =
        ResiliencePolicy.of(
            "first",
            PolicyConfig.builder().noCircuitBreaker().timeout(Duration.ofSeconds(2)).build());
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch chainedRuns = new CountDownLatch(1);
    Thread testThread = Thread.currentThread();
    CompletableFuture<String> first = firstTimed.getAsync(CompletableFuture::new);
    CompletableFuture<Boolean> chained =
        first.handle(
            (value, error) -> {
              chainedRuns.countDown();
              if (Thread.currentThread() == testThread) {
                return false; // chained after the timeout: this thread held off for 2 s
              }
              try {
                return release.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
              }
            });
    try {
      assertThat(chainedRuns.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
      assumeFalse(chained.isDone(), "the first call timed out before its code was chained");
      CompletableFuture<String> second = timed.getAsync(CompletableFuture::new);
      assertThatThrownBy(() -> second.get(10, TimeUnit.SECONDS))
          .as("timed out within 10 s while the first call's chained code blocks for 30")
          .hasCauseInstanceOf(PolicyTimeoutException.class);
    } finally {
      release.countDown();
    }
    assertThat(chained.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * Blocks every thread of Failsafe's shared pool, and one task more, with suppliers started
   * through {@code start}; then asserts that a policy's asynchronous attempt still starts, and that
   * its timeout still ends an asynchronous and a synchronous call in time.
   */
  private static void assertTimesOutWhileBlocked(
      Function<CheckedSupplier<CompletionStage<String>>, CompletableFuture<String>> start)
      throws Exception {
    // Interrupts, so that the synchronous call below ends at the deadline, not at its supplier's.
    ResiliencePolicy timed = ResiliencePolicy.of("timed", config().build());
    CountDownLatch release = new CountDownLatch(1);
    int poolSize = Math.max(2, ForkJoinPool.getCommonPoolParallelism());
    CountDownLatch blocked = new CountDownLatch(poolSize);
    List<CompletableFuture<String>> held = new ArrayList<>();
    try {
      for (int i = 0; i <= poolSize; i++) {
        held.add(
            start.apply(
                () -> {
                  blocked.countDown();
                  release.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS);
                  return CompletableFuture.completedFuture("released");
                }));
      }
      assertThat(blocked.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

      CountDownLatch started = new CountDownLatch(1);
      CompletableFuture<String> stalled =
          timed.getAsync(
              () -> {
                started.countDown();
                return new CompletableFuture<String>();
              });
      assertThatThrownBy(() -> stalled.get(10, TimeUnit.SECONDS))
          .as("timed out within 10 s, while the pool is blocked for 30")
          .hasCauseInstanceOf(PolicyTimeoutException.class);
      assertThat(started.getCount()).as("the timed call's attempt ran").isZero();

      CountDownLatch never = new CountDownLatch(1);
      assertThatThrownBy(() -> timed.get(() -> never.await(10, TimeUnit.SECONDS)))
          .as("a synchronous call that outlived its timeout, not its late success")
          .isInstanceOf(PolicyTimeoutException.class);
    } finally {
      release.countDown();
    }
    for (CompletableFuture<String> call : held) {
      assertThat(call.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("released");
    }
  }
}
