package dev.securecart.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.core.policy.BothWays.Fixture;
import dev.securecart.core.policy.event.RetryScheduledEvent;
import dev.securecart.core.policy.event.RetrySkippedEvent;
import dev.securecart.core.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Which outcomes are retried, how often, and what the caller gets; every scenario both ways. */
final class RetryTest {

  private static final Duration NO_DELAY = Duration.ZERO;

  private static PolicyConfig.Builder config(RetryConfig retry) {
    return PolicyConfig.builder().retry(retry).noCircuitBreaker().ticker(FakeClock.create());
  }

  private static RetryConfig.Builder retry() {
    return RetryConfig.builder().backoff(NO_DELAY, NO_DELAY).noBudget();
  }

  @Test
  void nothingIsRetriedUnlessMarkedSafeToRetry() {
    BothWays.test(
        () ->
            Fixture.of(
                ResiliencePolicy.of("unmarked", config(RetryConfig.ofDefaults()).build()),
                attempt -> {
                  throw new IOException("connection reset");
                }),
        (fixture, outcome) -> {
          assertThat(outcome.failed())
              .isInstanceOf(PolicyExecutionException.class)
              .hasCauseInstanceOf(IOException.class)
              .hasMessage("Call through policy 'unmarked' failed with java.io.IOException");
          assertThat(fixture.calls()).isEqualTo(1);
        });
  }

  @Test
  void retriesAFailureMarkedSafeUntilItSucceeds() {
    BothWays.test(
        () ->
            Fixture.of(
                ResiliencePolicy.of(
                    "flaky", config(retry().retryOn(IOException.class).build()).build()),
                attempt -> {
                  if (attempt < 3) {
                    throw new IOException("attempt " + attempt);
                  }
                  return "ok";
                }),
        (fixture, outcome) -> {
          assertThat(outcome.result()).isEqualTo("ok");
          assertThat(fixture.calls()).isEqualTo(3);
        });
  }

  @Test
  void stopsAfterMaxAttemptsWithTheLastFailure() {
    BothWays.test(
        () ->
            Fixture.of(
                ResiliencePolicy.of(
                    "down",
                    config(retry().maxAttempts(4).retryOn(e -> e instanceof IOException).build())
                        .build()),
                attempt -> {
                  throw new IOException("attempt " + attempt);
                }),
        (fixture, outcome) -> {
          assertThat(outcome.failed()).cause().hasMessage("attempt 4");
          assertThat(fixture.calls()).isEqualTo(4);
        });
  }

  @Test
  void aFailureNotMarkedSafeIsNotRetriedAndPassesUnchanged() {
    IllegalStateException declined = new IllegalStateException("card declined");
    BothWays.test(
        () ->
            Fixture.of(
                ResiliencePolicy.of(
                    "payments", config(retry().retryOn(IOException.class).build()).build()),
                attempt -> {
                  throw declined;
                }),
        (fixture, outcome) -> {
          assertThat(outcome.failed()).isSameAs(declined);
          assertThat(fixture.calls()).isEqualTo(1);
        });
  }

  @Test
  void errorsReachTheCallerUnwrapped() {
    BothWays.test(
        () ->
            Fixture.of(
                ResiliencePolicy.of(
                    "errors", config(retry().retryOn(IOException.class).build()).build()),
                attempt -> {
                  throw new StackOverflowError("deep");
                }),
        (fixture, outcome) -> {
          assertThat(outcome.failed()).isInstanceOf(StackOverflowError.class).hasMessage("deep");
          assertThat(fixture.calls()).isEqualTo(1);
        });
  }

  @Test
  void retriesResultsMarkedSafeAndReturnsTheLastOneWhenAttemptsRunOut() {
    BothWays.test(
        () ->
            Fixture.of(
                ResiliencePolicy.of(
                    "http",
                    config(retry().retryOnResult(Integer.class, status -> status == 503).build())
                        .build()),
                attempt -> attempt < 3 ? 503 : 200),
        (fixture, outcome) -> {
          assertThat(outcome.result()).isEqualTo(200);
          assertThat(fixture.calls()).isEqualTo(3);
        });
    BothWays.test(
        () ->
            Fixture.of(
                ResiliencePolicy.of(
                    "http",
                    config(retry().retryOnResult(Integer.class, status -> status == 503).build())
                        .build()),
                attempt -> 503),
        (fixture, outcome) -> {
          assertThat(outcome.result()).isEqualTo(503);
          assertThat(fixture.calls()).isEqualTo(3);
        });
  }

  @Test
  void resultPredicatesSeeOnlyResultsOfTheirType() {
    BothWays.test(
        () ->
            Fixture.of(
                ResiliencePolicy.of(
                    "typed",
                    config(retry().retryOnResult(Integer.class, status -> status == 503).build())
                        .build()),
                attempt -> (Object) "503"),
        (fixture, outcome) -> {
          assertThat(outcome.result()).isEqualTo("503");
          assertThat(fixture.calls()).isEqualTo(1);
        });
  }

  @Test
  void aPredicateThatThrowsMeansNoRetry() {
    BothWays.test(
        () ->
            Fixture.of(
                ResiliencePolicy.of(
                    "broken",
                    config(
                            retry()
                                .retryOn(
                                    e -> {
                                      throw new IllegalArgumentException("bug in predicate");
                                    })
                                .build())
                        .build()),
                attempt -> {
                  throw new IOException("down");
                }),
        (fixture, outcome) -> {
          assertThat(outcome.failed()).hasCauseInstanceOf(IOException.class);
          assertThat(fixture.calls()).isEqualTo(1);
        });
  }

  @Test
  void interruptionIsNeverRetried() {
    List<Boolean> interruptStatusAfterEachRun = new CopyOnWriteArrayList<>();
    BothWays.test(
        () ->
            Fixture.of(
                    ResiliencePolicy.of(
                        "interrupted", config(retry().retryOn(Exception.class).build()).build()),
                    attempt -> {
                      throw new InterruptedException("shutting down");
                    })
                .onClose(() -> interruptStatusAfterEachRun.add(Thread.interrupted())),
        (fixture, outcome) -> {
          assertThat(outcome.failed()).hasCauseInstanceOf(InterruptedException.class);
          assertThat(fixture.calls()).isEqualTo(1);
        });
    // A synchronous caller keeps the interrupt status (Failsafe restores it, on both synchronous
    // paths); an asynchronous attempt was interrupted on a pool thread, not the caller's.
    assertThat(interruptStatusAfterEachRun).containsExactly(true, true, false);
  }

  @Test
  void aSpentBudgetEndsTheCallWithTheFailureItAlreadyHas() {
    BothWays.test(
        () -> {
          ResiliencePolicy policy =
              ResiliencePolicy.of(
                  "no-budget",
                  config(
                          retry()
                              .retryOn(IOException.class)
                              .budget(RetryBudget.of(0, 0, Duration.ofSeconds(10)))
                              .build())
                      .build());
          Recorded<RetrySkippedEvent> skipped = new Recorded<>();
          policy.onRetrySkipped(skipped);
          return Fixture.of(
                  policy,
                  attempt -> {
                    throw new IOException("attempt " + attempt);
                  })
              .onClose(
                  () ->
                      assertThat(skipped.events())
                          .singleElement()
                          .satisfies(
                              event -> {
                                assertThat(event.reason())
                                    .isEqualTo(RetrySkippedEvent.Reason.BUDGET_EXHAUSTED);
                                assertThat(event.attempt()).isEqualTo(1);
                                assertThat(event.failure())
                                    .get()
                                    .hasToString("java.io.IOException: attempt 1");
                              }));
        },
        (fixture, outcome) -> {
          assertThat(outcome.failed()).cause().hasMessage("attempt 1");
          assertThat(fixture.calls()).isEqualTo(1);
        });
  }

  @Test
  void retryListenersSeeEachScheduledRetry() {
    BothWays.test(
        () -> {
          FakeClock clock = FakeClock.create();
          ResiliencePolicy policy =
              ResiliencePolicy.of(
                  "events",
                  config(retry().retryOnResult(String.class, "busy"::equals).build())
                      .clock(clock)
                      .build());
          Recorded<RetryScheduledEvent> scheduled = new Recorded<>();
          policy.onRetryScheduled(scheduled);
          return Fixture.of(policy, attempt -> attempt < 3 ? "busy" : "done")
              .onClose(
                  () ->
                      assertThat(scheduled.events())
                          .extracting(RetryScheduledEvent::attempt)
                          .containsExactly(1, 2));
        },
        (fixture, outcome) -> assertThat(outcome.result()).isEqualTo("done"));
  }
}
