package dev.securecart.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.core.policy.BothWays.Fixture;
import dev.securecart.core.policy.event.RetryScheduledEvent;
import dev.securecart.core.policy.event.RetrySkippedEvent;
import dev.securecart.core.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How long retries wait: full-jitter backoff bounds and the server's {@code Retry-After}. */
final class RetryDelayTest {

  /** Thrown by a fake server that asks the client to come back later. */
  static final class TooManyRequests extends IOException {
    private static final long serialVersionUID = 1L;
    final Duration retryAfter;

    TooManyRequests(Duration retryAfter) {
      super("429, Retry-After " + retryAfter);
      this.retryAfter = retryAfter;
    }
  }

  private final FakeClock clock = FakeClock.create();
  private final ClockAdvancingScheduler scheduler = new ClockAdvancingScheduler(clock);

  @AfterEach
  void shutDown() {
    scheduler.shutdownNow();
  }

  /** The bound of retry {@code n}'s delay, counting from 0: min(cap, base * 2^n). */
  private static Duration ceiling(int n, Duration base, Duration cap) {
    Duration bound = base.multipliedBy(1L << Math.min(n, 40));
    return bound.compareTo(cap) < 0 ? bound : cap;
  }

  @Test
  void everyDelayIsWithinFullJitterBoundsOnTheFakeClock() {
    Duration base = Duration.ofMillis(100);
    Duration cap = Duration.ofSeconds(5);
    ResiliencePolicy policy =
        ResiliencePolicy.of(
            "jitter",
            PolicyConfig.builder()
                .retry(
                    RetryConfig.builder()
                        .maxAttempts(40)
                        .backoff(base, cap)
                        .retryOn(IOException.class)
                        .noBudget()
                        .build())
                .noCircuitBreaker()
                .ticker(clock)
                .clock(clock)
                .random(new Random(42)::nextDouble)
                .scheduler(scheduler)
                .build());
    Recorded<RetryScheduledEvent> scheduled = new Recorded<>();
    policy.onRetryScheduled(scheduled);

    Throwable failure =
        BothWays.await(
                BothWays.Mode.ASYNC,
                policy.getAsync(() -> CompletableFuture.failedFuture(new IOException("down"))))
            .failed();

    assertThat(failure).hasCauseInstanceOf(IOException.class);
    List<Duration> delays = scheduler.delays();
    assertThat(delays).hasSize(39);
    for (int n = 0; n < delays.size(); n++) {
      assertThat(delays.get(n))
          .as("delay before retry %d", n)
          .isBetween(Duration.ZERO, ceiling(n, base, cap));
    }
    // Full jitter, not equal jitter: some late delays fall well below half the cap.
    assertThat(delays.subList(10, delays.size()))
        .anySatisfy(delay -> assertThat(delay).isLessThan(cap.dividedBy(2)));
    // The waits really were those delays: the fake clock moved by exactly their sum.
    assertThat(clock.elapsed()).isEqualTo(delays.stream().reduce(Duration.ZERO, Duration::plus));
    assertThat(scheduled.events())
        .extracting(RetryScheduledEvent::delay)
        .containsExactlyElementsOf(delays);
  }

  @Test
  void delaysGrowExponentiallyToTheCapBothWays() {
    Duration base = Duration.ofMillis(1);
    Duration cap = Duration.ofMillis(6);
    BothWays.test(
        () -> {
          ResiliencePolicy policy =
              ResiliencePolicy.of(
                  "growth",
                  PolicyConfig.builder()
                      .retry(
                          RetryConfig.builder()
                              .maxAttempts(6)
                              .backoff(base, cap)
                              .retryOn(IOException.class)
                              .noBudget()
                              .build())
                      .noCircuitBreaker()
                      .random(() -> 0.5)
                      .build());
          Recorded<RetryScheduledEvent> scheduled = new Recorded<>();
          policy.onRetryScheduled(scheduled);
          return Fixture.of(
                  policy,
                  attempt -> {
                    throw new IOException("down");
                  })
              .onClose(
                  () ->
                      // Half of min(6 ms, 1 ms * 2^n): 0.5, 1, 2, 3, 3 ms.
                      assertThat(scheduled.events())
                          .extracting(RetryScheduledEvent::delay)
                          .containsExactly(
                              Duration.ofNanos(500_000),
                              Duration.ofMillis(1),
                              Duration.ofMillis(2),
                              Duration.ofMillis(3),
                              Duration.ofMillis(3)));
        },
        (fixture, outcome) -> assertThat(fixture.calls()).isEqualTo(6));
  }

  @Test
  void aServersRetryAfterReplacesTheBackoffExactly() {
    ResiliencePolicy policy =
        ResiliencePolicy.of(
            "rate-limited",
            PolicyConfig.builder()
                .retry(
                    RetryConfig.builder()
                        .backoff(Duration.ofMillis(10), Duration.ofMillis(100))
                        .retryOn(TooManyRequests.class)
                        .retryAfter(
                            RetryAfter.onFailure(
                                TooManyRequests.class, e -> Optional.of(e.retryAfter)))
                        .build())
                .noCircuitBreaker()
                .ticker(clock)
                .clock(clock)
                .random(() -> 0.99)
                .scheduler(scheduler)
                .build());
    Recorded<RetryScheduledEvent> scheduled = new Recorded<>();
    policy.onRetryScheduled(scheduled);
    int[] attempts = {0};

    BothWays.Outcome<String> outcome =
        BothWays.await(
            BothWays.Mode.ASYNC,
            policy.getAsync(
                () ->
                    ++attempts[0] == 1
                        ? CompletableFuture.failedFuture(new TooManyRequests(Duration.ofSeconds(2)))
                        : CompletableFuture.completedFuture("ok")));

    assertThat(outcome.result()).isEqualTo("ok");
    // Neither the 100 ms cap nor jitter applies to what the server asked for.
    assertThat(scheduler.delays()).containsExactly(Duration.ofSeconds(2));
    assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(2));
    assertThat(scheduled.events())
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.delay()).isEqualTo(Duration.ofSeconds(2));
              assertThat(event.retryAfter()).isTrue();
              assertThat(event.policyName()).isEqualTo("rate-limited");
              assertThat(event.timestamp()).isEqualTo(FakeClock.DEFAULT_START);
            });
  }

  @Test
  void retryAfterIsHonouredBothWaysForExceptionsAndResults() {
    BothWays.test(
        () -> {
          ResiliencePolicy policy =
              ResiliencePolicy.of(
                  "honour",
                  PolicyConfig.builder()
                      .retry(
                          RetryConfig.builder()
                              .maxAttempts(3)
                              .backoff(Duration.ofMillis(1), Duration.ofMillis(1))
                              .retryOn(TooManyRequests.class)
                              .retryOnResult(String.class, "503"::equals)
                              .retryAfter(
                                  RetryAfter.onFailure(
                                          TooManyRequests.class, e -> Optional.of(e.retryAfter))
                                      .or(
                                          RetryAfter.onResult(
                                              String.class,
                                              r -> Optional.of(Duration.ofMillis(15)))))
                              .build())
                      .noCircuitBreaker()
                      .build());
          Recorded<RetryScheduledEvent> scheduled = new Recorded<>();
          policy.onRetryScheduled(scheduled);
          return Fixture.of(
                  policy,
                  attempt -> {
                    if (attempt == 1) {
                      throw new TooManyRequests(Duration.ofMillis(20));
                    }
                    return attempt == 2 ? "503" : "200";
                  })
              .onClose(
                  () -> {
                    assertThat(scheduled.events())
                        .extracting(RetryScheduledEvent::delay)
                        .containsExactly(Duration.ofMillis(20), Duration.ofMillis(15));
                    assertThat(scheduled.events()).allMatch(RetryScheduledEvent::retryAfter);
                    assertThat(scheduled.events().get(1).result()).contains("503");
                  });
        },
        (fixture, outcome) -> assertThat(outcome.result()).isEqualTo("200"));
  }

  @Test
  void anHttpDateRetryAfterIsMeasuredOnTheClock() {
    String inThreeSeconds =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            FakeClock.DEFAULT_START.plusSeconds(3).atOffset(ZoneOffset.UTC));
    ResiliencePolicy policy =
        ResiliencePolicy.of(
            "dated",
            PolicyConfig.builder()
                .retry(
                    RetryConfig.builder()
                        .retryOn(IOException.class)
                        .retryAfter(
                            RetryAfter.onFailure(
                                IOException.class, e -> RetryAfter.parse(e.getMessage(), clock)))
                        .build())
                .noCircuitBreaker()
                .ticker(clock)
                .clock(clock)
                .scheduler(scheduler)
                .build());
    int[] attempts = {0};

    BothWays.Outcome<String> outcome =
        BothWays.await(
            BothWays.Mode.ASYNC,
            policy.getAsync(
                () ->
                    ++attempts[0] == 1
                        ? CompletableFuture.failedFuture(new IOException(inThreeSeconds))
                        : CompletableFuture.completedFuture("ok")));

    assertThat(outcome.result()).isEqualTo("ok");
    assertThat(scheduler.delays()).containsExactly(Duration.ofSeconds(3));
  }

  @Test
  void aServerDelayLongerThanTheCapIsNotWaitedForEvenWithoutATimeout() {
    // RetryAfter.parse of "99999999999999999999" gives this; the policy has no timeout.
    assertNotRetriedAtOnce(
        PolicyConfig.builder(),
        Duration.ofSeconds(Long.MAX_VALUE),
        RetrySkippedEvent.Reason.SERVER_DELAY_TOO_LONG);
  }

  @Test
  void aRetryThatCouldNotStartBeforeTheDeadlineIsNotMade() {
    // At once, with the server's answer, rather than after a 5 s wait for a timeout.
    assertNotRetriedAtOnce(
        PolicyConfig.builder().timeout(Duration.ofSeconds(5)),
        Duration.ofSeconds(8), // within maxServerDelay
        RetrySkippedEvent.Reason.BEYOND_DEADLINE);
  }

  /**
   * A server that asks for {@code serverDelay} on every attempt: the call fails at once with its
   * answer, the retry skipped for {@code reason}.
   */
  private static void assertNotRetriedAtOnce(
      PolicyConfig.Builder config, Duration serverDelay, RetrySkippedEvent.Reason reason) {
    BothWays.test(
        () -> {
          ResiliencePolicy policy =
              ResiliencePolicy.of(
                  "server-delay",
                  config
                      .retry(
                          RetryConfig.builder()
                              .retryOn(TooManyRequests.class)
                              .retryAfter(
                                  RetryAfter.onFailure(
                                      TooManyRequests.class, e -> Optional.of(e.retryAfter)))
                              .build())
                      .noCircuitBreaker()
                      .build());
          Recorded<RetrySkippedEvent> skipped = new Recorded<>();
          policy.onRetrySkipped(skipped);
          return Fixture.of(
                  policy,
                  attempt -> {
                    throw new TooManyRequests(serverDelay);
                  })
              .onClose(
                  () ->
                      assertThat(skipped.events())
                          .extracting(RetrySkippedEvent::reason)
                          .containsExactly(reason));
        },
        (fixture, outcome) -> {
          assertThat(outcome.failed()).hasCauseInstanceOf(TooManyRequests.class);
          assertThat(fixture.calls()).isEqualTo(1);
        });
  }

  @Test
  void aRetryAfterHookThatThrowsFallsBackToTheBackoff() {
    BothWays.test(
        () -> {
          ResiliencePolicy policy =
              ResiliencePolicy.of(
                  "hook-bug",
                  PolicyConfig.builder()
                      .retry(
                          RetryConfig.builder()
                              .maxAttempts(2)
                              .backoff(Duration.ofMillis(4), Duration.ofMillis(4))
                              .retryOn(IOException.class)
                              .retryAfter(
                                  (result, failure) -> {
                                    throw new IllegalStateException("bug in hook");
                                  })
                              .build())
                      .noCircuitBreaker()
                      .random(() -> 0.5)
                      .build());
          Recorded<RetryScheduledEvent> scheduled = new Recorded<>();
          policy.onRetryScheduled(scheduled);
          return Fixture.of(
                  policy,
                  attempt -> {
                    if (attempt == 1) {
                      throw new IOException("down");
                    }
                    return "ok";
                  })
              .onClose(
                  () ->
                      assertThat(scheduled.events())
                          .singleElement()
                          .satisfies(
                              event -> {
                                assertThat(event.delay()).isEqualTo(Duration.ofMillis(2));
                                assertThat(event.retryAfter()).isFalse();
                              }));
        },
        (fixture, outcome) -> assertThat(outcome.result()).isEqualTo("ok"));
  }
}
