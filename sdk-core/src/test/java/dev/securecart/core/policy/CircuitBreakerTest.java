package dev.securecart.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.core.policy.BothWays.Fixture;
import dev.securecart.core.policy.BothWays.Mode;
import dev.securecart.core.policy.event.CircuitBreakerStateChangedEvent;
import dev.securecart.core.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

final class CircuitBreakerTest {

  private static final Duration OPEN_DELAY = Duration.ofSeconds(30);

  private final FakeClock clock = FakeClock.create();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void shutDown() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  /** 2 failures of the last 4 calls open the circuit for 30 s; then 3 trials, 2 must succeed. */
  private PolicyConfig.Builder config() {
    return PolicyConfig.builder()
        .circuitBreaker(
            CircuitBreakerConfig.builder()
                .failureThreshold(2, 4)
                .openDelay(OPEN_DELAY)
                .halfOpenTrialCalls(3, 2)
                .build())
        .ticker(clock)
        .clock(clock);
  }

  private static void fail(ResiliencePolicy policy, int times) {
    for (int i = 0; i < times; i++) {
      assertThatThrownBy(
              () ->
                  policy.run(
                      () -> {
                        throw new IOException("down");
                      }))
          .isInstanceOf(PolicyExecutionException.class);
    }
  }

  private static void succeed(ResiliencePolicy policy, int times) {
    for (int i = 0; i < times; i++) {
      assertThat(policy.get(() -> "ok")).isEqualTo("ok");
    }
  }

  @Test
  void opensAfterTheCountThresholdAndThenRejectsWithoutCallingTheDependency() {
    BothWays.test(
        () -> {
          ResiliencePolicy policy = ResiliencePolicy.of("carrier", config().build());
          succeed(policy, 1);
          fail(policy, 1);
          assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.CLOSED);
          fail(policy, 1);
          assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.OPEN);
          return Fixture.of(policy, attempt -> "never called");
        },
        (fixture, outcome) -> {
          assertThat(outcome.failed())
              .isInstanceOfSatisfying(
                  CircuitOpenException.class,
                  open -> {
                    assertThat(open.policyName()).isEqualTo("carrier");
                    assertThat(open.remainingDelay()).isEqualTo(OPEN_DELAY);
                    assertThat(open.getStackTrace()).isEmpty();
                  })
              .hasMessage(
                  "Circuit breaker of policy 'carrier' is open and does not permit calls;"
                      + " next trial call in PT30S");
          assertThat(fixture.calls()).isZero();
        });
  }

  @Test
  void whileOpenNoCallReachesTheDependencyFromAnyThreadEitherWay() throws Exception {
    ResiliencePolicy policy = ResiliencePolicy.of("open", config().build());
    fail(policy, 2);
    AtomicInteger reached = new AtomicInteger();
    List<Future<?>> tasks = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      tasks.add(
          threads.submit(
              () -> {
                for (int i = 0; i < 50; i++) {
                  assertThatThrownBy(() -> policy.get(reached::incrementAndGet))
                      .isInstanceOf(CircuitOpenException.class);
                  Throwable async =
                      BothWays.await(
                              Mode.ASYNC,
                              policy.getAsync(
                                  () ->
                                      CompletableFuture.completedFuture(reached.incrementAndGet())))
                          .failed();
                  assertThat(async).isInstanceOf(CircuitOpenException.class);
                  clock.advance(Duration.ofMillis(10)); // 8 threads x 50 x 10 ms stays under 30 s
                }
                return null;
              }));
    }
    for (Future<?> task : tasks) {
      task.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS);
    }
    assertThat(reached).hasValue(0);
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.OPEN);
  }

  /**
   * An attempt admitted while the circuit was closed reached the dependency, so its caller must get
   * its real outcome even if the circuit opened meanwhile: a CircuitOpenException would say the
   * call never happened, which for a payment is a lie. Here the attempt itself opens the circuit
   * (through a nested call on the same policy) before failing.
   */
  @Test
  void anAttemptAdmittedWhileClosedEndsWithItsOwnFailureIfTheCircuitOpensMeanwhile() {
    BothWays.test(
        () -> {
          ResiliencePolicy policy =
              ResiliencePolicy.of(
                  "raced",
                  config()
                      .circuitBreaker(
                          CircuitBreakerConfig.builder()
                              .failureThreshold(1, 1)
                              .openDelay(OPEN_DELAY)
                              .build())
                      .build());
          return Fixture.of(
              policy,
              attempt -> {
                fail(policy, 1); // another caller's failure opens the circuit
                assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.OPEN);
                throw new IOException("charge timed out after sending");
              });
        },
        (fixture, outcome) -> {
          assertThat(outcome.failed())
              .isInstanceOf(PolicyExecutionException.class)
              .cause()
              .hasMessage("charge timed out after sending");
          assertThat(fixture.calls()).isEqualTo(1);
          assertThat(fixture.policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.OPEN);
        });
  }

  @Test
  void timeBasedThresholdWaitsForTheMinimumNumberOfCalls() {
    ResiliencePolicy policy =
        ResiliencePolicy.of(
            "rate",
            config()
                .circuitBreaker(
                    CircuitBreakerConfig.builder()
                        .failureRateThreshold(50, 4, Duration.ofHours(1))
                        .build())
                .build());
    succeed(policy, 1);
    fail(policy, 2); // 2 of 3 calls failed, but fewer than 4 calls
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.CLOSED);
    succeed(policy, 1); // 2 of 4: 50 %
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.OPEN);
  }

  @Test
  void turnsHalfOpenWhenTheOpenDelayHasPassedOnTheTicker() {
    ResiliencePolicy policy = ResiliencePolicy.of("delay", config().build());
    Recorded<CircuitBreakerStateChangedEvent> transitions = new Recorded<>();
    policy.onCircuitBreakerStateChanged(transitions);
    fail(policy, 2);

    clock.advance(OPEN_DELAY.minusMillis(1));
    assertThatThrownBy(() -> policy.get(() -> "early"))
        .isInstanceOfSatisfying(
            CircuitOpenException.class,
            open -> assertThat(open.remainingDelay()).isEqualTo(Duration.ofMillis(1)));

    clock.advance(Duration.ofMillis(1));
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.OPEN); // until a call
    succeed(policy, 1);
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.HALF_OPEN);
    succeed(policy, 1);
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.CLOSED);

    assertThat(transitions.events())
        .extracting(
            CircuitBreakerStateChangedEvent::previousState,
            CircuitBreakerStateChangedEvent::state,
            CircuitBreakerStateChangedEvent::timestamp)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                CircuitBreakerState.CLOSED, CircuitBreakerState.OPEN, FakeClock.DEFAULT_START),
            org.assertj.core.groups.Tuple.tuple(
                CircuitBreakerState.OPEN,
                CircuitBreakerState.HALF_OPEN,
                FakeClock.DEFAULT_START.plus(OPEN_DELAY)),
            org.assertj.core.groups.Tuple.tuple(
                CircuitBreakerState.HALF_OPEN,
                CircuitBreakerState.CLOSED,
                FakeClock.DEFAULT_START.plus(OPEN_DELAY)));
  }

  @Test
  void failedTrialsOpenTheCircuitAgainForAFullDelay() {
    ResiliencePolicy policy = ResiliencePolicy.of("reopen", config().build());
    fail(policy, 2);
    clock.advance(OPEN_DELAY);
    fail(policy, 1); // 1 failure of 3 trials: 2 successes are still possible
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.HALF_OPEN);
    fail(policy, 1); // now they are not
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.OPEN);

    clock.advance(OPEN_DELAY.minusSeconds(1));
    assertThatThrownBy(() -> policy.get(() -> "early")).isInstanceOf(CircuitOpenException.class);
    clock.advance(Duration.ofSeconds(1));
    succeed(policy, 2);
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.CLOSED);
  }

  /**
   * 32 threads call a half-open circuit at once; each trial call blocks until released, so no trial
   * finishes (and changes the state) while the others arrive. Exactly the configured 3 get through.
   */
  @ParameterizedTest
  @EnumSource(Mode.class)
  void halfOpenLetsExactlyTheConfiguredTrialCallsThroughUnder32Threads(Mode mode) throws Exception {
    ResiliencePolicy policy = ResiliencePolicy.of("trials", config().build());
    fail(policy, 2);
    clock.advance(OPEN_DELAY);

    GatedCallers callers = GatedCallers.run(threads, policy, mode, 32, CircuitOpenException.class);
    assertThat(callers.entered()).isEqualTo(3);
    assertThat(callers.rejected()).isEqualTo(callers.callers() - 3);
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.HALF_OPEN);

    assertThat(callers.release())
        .allMatch(result -> result.equals("ok") || result.equals("rejected"));
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.CLOSED);
  }

  /**
   * A call admitted while the circuit was closed ends while it is half-open, with its 3 trials
   * running: it is not a trial, so it neither frees a trial place for a fourth caller nor counts
   * towards closing (or reopening) the circuit.
   */
  @ParameterizedTest
  @EnumSource(Mode.class)
  void aCallThatBeganClosedAndSucceedsHalfOpenIsNotATrial(Mode mode) throws Exception {
    assertAStaleCallIsNotATrial(mode, false);
  }

  /** The same when it fails: on the direct path that failure is replayed through Failsafe. */
  @ParameterizedTest
  @EnumSource(Mode.class)
  void aCallThatBeganClosedAndFailsHalfOpenIsNotATrial(Mode mode) throws Exception {
    assertAStaleCallIsNotATrial(mode, true);
  }

  private void assertAStaleCallIsNotATrial(Mode mode, boolean fails) throws Exception {
    ResiliencePolicy policy = ResiliencePolicy.of("stale", config().build());
    GatedCallers stale = GatedCallers.run(threads, policy, mode, 1, CircuitOpenException.class);
    assertThat(stale.entered()).isEqualTo(1);
    fail(policy, 2);
    clock.advance(OPEN_DELAY);
    GatedCallers trials = GatedCallers.run(threads, policy, mode, 3, CircuitOpenException.class);
    assertThat(trials.entered()).isEqualTo(3);

    assertThat(fails ? stale.releaseWithFailure(new IOException("late")) : stale.release())
        .containsExactly(fails ? "failed" : "ok");

    GatedCallers fourth = GatedCallers.run(threads, policy, mode, 1, CircuitOpenException.class);
    assertThat(fourth.rejected()).as("a fourth trial got in").isEqualTo(1);
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.HALF_OPEN);
    assertThat(trials.release()).containsOnly("ok");
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.CLOSED);
  }

  @Test
  void bulkheadRejectionsNeverCountTowardsTheBreaker() throws Exception {
    ResiliencePolicy policy =
        ResiliencePolicy.of(
            "isolated",
            config()
                .circuitBreaker(
                    CircuitBreakerConfig.builder()
                        .failureThreshold(1, 1)
                        .openDelay(OPEN_DELAY)
                        .halfOpenTrialCalls(1, 1)
                        .build())
                .bulkhead(1)
                .build());
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<String> occupant =
        threads.submit(
            () ->
                policy.get(
                    () -> {
                      inside.countDown();
                      assertThat(release.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                      return "ok";
                    }));
    assertThat(inside.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> policy.get(() -> "shed")).isInstanceOf(BulkheadFullException.class);
    }
    // A single failure would open this breaker; ten rejections did nothing to it.
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.CLOSED);
    release.countDown();
    assertThat(occupant.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("ok");
  }

  @Test
  void onlyFailuresItIsToldToRecordCount() {
    ResiliencePolicy policy =
        ResiliencePolicy.of(
            "selective",
            config()
                .circuitBreaker(
                    CircuitBreakerConfig.builder()
                        .failureThreshold(2, 2)
                        .recordFailureOn(IOException.class)
                        .recordFailureOnResult(Integer.class, status -> status >= 500)
                        .build())
                .build());
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(
              () ->
                  policy.get(
                      () -> {
                        throw new IllegalArgumentException("card declined");
                      }))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(policy.get(() -> 404)).isEqualTo(404);
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.CLOSED);

    assertThat(policy.get(() -> 503)).isEqualTo(503);
    fail(policy, 1);
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.OPEN);
  }

  @Test
  void aPolicyWithoutBreakerReportsDisabled() {
    ResiliencePolicy policy =
        ResiliencePolicy.of("plain", PolicyConfig.builder().noCircuitBreaker().build());
    fail(policy, 50);
    assertThat(policy.circuitBreakerState()).isEqualTo(CircuitBreakerState.DISABLED);
  }

  @Test
  void aFailingStateListenerNeverFailsTheCallNorSilencesOthers() {
    ResiliencePolicy policy = ResiliencePolicy.of("noisy", config().build());
    AtomicInteger failingCalls = new AtomicInteger();
    policy.onCircuitBreakerStateChanged(
        event -> {
          failingCalls.incrementAndGet();
          throw new IllegalStateException("listener bug");
        });
    Recorded<CircuitBreakerStateChangedEvent> others = new Recorded<>();
    policy.onCircuitBreakerStateChanged(others);

    fail(policy, 2); // the second failure opens the circuit and calls the listeners
    clock.advance(OPEN_DELAY);
    succeed(policy, 2);

    assertThat(failingCalls).hasValue(3);
    assertThat(others.events())
        .extracting(CircuitBreakerStateChangedEvent::state)
        .containsExactly(
            CircuitBreakerState.OPEN, CircuitBreakerState.HALF_OPEN, CircuitBreakerState.CLOSED);
  }
}
