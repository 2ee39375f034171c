package dev.securecart.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.core.policy.BothWays.Fixture;
import dev.securecart.core.testing.FakeClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

final class FallbackTest {

  private static ResiliencePolicy policy() {
    return ResiliencePolicy.of("shipping", PolicyConfig.builder().noCircuitBreaker().build());
  }

  @Test
  void answersAFailureWithWhatTheCallerWouldHaveCaught() {
    IllegalStateException down = new IllegalStateException("carrier down");
    AtomicReference<RuntimeException> seen = new AtomicReference<>();
    BothWays.test(
        () ->
            Fixture.of(
                    policy(),
                    attempt -> {
                      throw down;
                    })
                .fallback(
                    failure -> {
                      seen.set(failure);
                      return "flat rate";
                    }),
        (fixture, outcome) -> {
          assertThat(outcome.result()).isEqualTo("flat rate");
          assertThat(seen.get()).isSameAs(down);
        });
  }

  @Test
  void aCheckedFailureReachesTheFallbackWrapped() {
    BothWays.test(
        () ->
            Fixture.of(
                    policy(),
                    attempt -> {
                      throw new IOException("timeout reading");
                    })
                .fallback(
                    failure -> {
                      assertThat(failure)
                          .isInstanceOf(PolicyExecutionException.class)
                          .hasCauseInstanceOf(IOException.class);
                      return "cached";
                    }),
        (fixture, outcome) -> assertThat(outcome.result()).isEqualTo("cached"));
  }

  @Test
  void answersRejectionsOfThePolicy() {
    BothWays.test(
        () -> {
          ResiliencePolicy policy =
              ResiliencePolicy.of(
                  "rates",
                  PolicyConfig.builder()
                      .circuitBreaker(
                          CircuitBreakerConfig.builder()
                              .failureThreshold(1, 1)
                              .openDelay(Duration.ofMinutes(1))
                              .build())
                      .ticker(FakeClock.create())
                      .build());
          assertThatThrownBy(
                  () ->
                      policy.run(
                          () -> {
                            throw new IOException("down");
                          }))
              .isInstanceOf(PolicyExecutionException.class);
          return Fixture.of(policy, attempt -> "never called")
              .fallback(
                  failure -> {
                    assertThat(failure).isInstanceOf(CircuitOpenException.class);
                    return "default rate";
                  });
        },
        (fixture, outcome) -> {
          assertThat(outcome.result()).isEqualTo("default rate");
          assertThat(fixture.calls()).isZero();
        });
  }

  @Test
  void isNotCalledWhenTheCallSucceeds() {
    BothWays.test(
        () ->
            Fixture.of(policy(), attempt -> "live rate")
                .fallback(
                    failure -> {
                      throw new AssertionError("fallback called");
                    }),
        (fixture, outcome) -> assertThat(outcome.result()).isEqualTo("live rate"));
  }

  @Test
  void mayDeclineByRethrowing() {
    IllegalArgumentException invalid = new IllegalArgumentException("invalid address");
    BothWays.test(
        () ->
            Fixture.of(
                    policy(),
                    attempt -> {
                      throw invalid;
                    })
                .fallback(
                    failure -> {
                      throw failure;
                    }),
        (fixture, outcome) -> assertThat(outcome.failed()).isSameAs(invalid));
  }

  @Test
  void aCheckedExceptionOfTheFallbackIsWrapped() {
    BothWays.test(
        () ->
            Fixture.of(
                    policy(),
                    attempt -> {
                      throw new IllegalStateException("down");
                    })
                .fallback(
                    failure -> {
                      throw new IOException("cache unreadable");
                    }),
        (fixture, outcome) ->
            assertThat(outcome.failed())
                .isInstanceOf(PolicyExecutionException.class)
                .hasCauseInstanceOf(IOException.class));
  }

  @Test
  void fallbacksAreCounted() {
    ResiliencePolicy policy = policy();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    PolicyMetrics.of(policy).bindTo(meters);

    policy.get(
        () -> {
          throw new IllegalStateException("down");
        },
        Fallback.of("constant"));
    assertThat(
            policy
                .getAsync(
                    () -> CompletableFuture.<String>failedFuture(new IllegalStateException()),
                    Fallback.of("constant"))
                .join())
        .isEqualTo("constant");

    assertThat(meters.get(PolicyMetricNames.DEFAULT_FALLBACKS).counter().count()).isEqualTo(2);
  }
}
