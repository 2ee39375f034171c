package dev.securecart.core.policy;

import static dev.securecart.core.policy.PolicyMetricNames.DEFAULT_CALLS;
import static dev.securecart.core.policy.PolicyMetricNames.DEFAULT_CIRCUIT_BREAKER_STATE;
import static dev.securecart.core.policy.PolicyMetricNames.DEFAULT_CIRCUIT_BREAKER_TRANSITIONS;
import static dev.securecart.core.policy.PolicyMetricNames.DEFAULT_FALLBACKS;
import static dev.securecart.core.policy.PolicyMetricNames.DEFAULT_RETRIES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.core.Ticker;
import dev.securecart.core.testing.FakeClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The Micrometer binder against a real {@link SimpleMeterRegistry}, meters read back by name. */
final class PolicyMetricsTest {

  private final FakeClock clock = FakeClock.create();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private PolicyConfig.Builder config() {
    return PolicyConfig.builder()
        .circuitBreaker(
            CircuitBreakerConfig.builder()
                .failureThreshold(2, 2)
                .openDelay(Duration.ofSeconds(30))
                .halfOpenTrialCalls(1, 1)
                .build())
        .ticker(clock)
        .clock(clock);
  }

  private Timer calls(String policy, String outcome) {
    return meters.get(DEFAULT_CALLS).tag("policy", policy).tag("outcome", outcome).timer();
  }

  private double gauge(String policy, String state) {
    return meters
        .get(DEFAULT_CIRCUIT_BREAKER_STATE)
        .tag("policy", policy)
        .tag("state", state)
        .gauge()
        .value();
  }

  @Test
  void registersEveryMeterWithLowCardinalityTags() {
    ResiliencePolicy policy = ResiliencePolicy.of("payments", config().build());

    PolicyMetrics.of(policy, Tags.of("app", "storefront")).bindTo(meters);

    assertThat(meters.getMeters())
        .allSatisfy(
            meter -> {
              assertThat(meter.getId().getName()).startsWith("securecart.policy.");
              assertThat(meter.getId().getTag("policy")).isEqualTo("payments");
              assertThat(meter.getId().getTag("app")).isEqualTo("storefront");
              assertThat(meter.getId().getDescription()).isNotBlank();
              assertThat(meter.getId().getTags())
                  .extracting(tag -> tag.getKey())
                  .isSubsetOf("policy", "app", "outcome", "state");
            });
    assertThat(meters.get(DEFAULT_CALLS).timers())
        .extracting(t -> t.getId().getTag("outcome"))
        .containsExactlyInAnyOrder(
            "success", "failure", "circuit_open", "bulkhead_full", "timeout", "cancelled");
    assertThat(meters.get(DEFAULT_RETRIES).counters())
        .extracting(c -> c.getId().getTag("outcome"))
        .containsExactlyInAnyOrder(
            "scheduled", "budget_exhausted", "beyond_deadline", "server_delay_too_long");
    assertThat(meters.get(DEFAULT_CIRCUIT_BREAKER_STATE).gauges())
        .extracting(g -> g.getId().getTag("state"))
        .containsExactlyInAnyOrder("closed", "open", "half_open");
    assertThat(meters.get(DEFAULT_CIRCUIT_BREAKER_TRANSITIONS).counters()).hasSize(3);
    assertThat(meters.get(DEFAULT_FALLBACKS).counters()).hasSize(1);
  }

  @Test
  void followsTheRegistry_policiesCreatedLaterGetMetersToo() {
    PolicyRegistry registry = PolicyRegistry.of(config().build());
    registry.policy("payments");

    PolicyMetrics.of(registry).bindTo(meters);
    registry.policy("shipping").get(() -> "rate");

    assertThat(calls("payments", "success").count()).isZero();
    assertThat(calls("shipping", "success").count()).isEqualTo(1);
  }

  @Test
  void recordsCallsByOutcomeAndTheirLatencyOnTheTicker() {
    ResiliencePolicy policy = ResiliencePolicy.of("carrier", config().build());
    PolicyMetrics.of(policy).bindTo(meters);

    policy.get(
        () -> {
          clock.advance(Duration.ofMillis(25));
          return "quote";
        });
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(
              () ->
                  policy.run(
                      () -> {
                        clock.advance(Duration.ofMillis(100));
                        throw new IOException("down");
                      }))
          .isInstanceOf(PolicyExecutionException.class);
    }
    assertThatThrownBy(() -> policy.get(() -> "rejected")).isInstanceOf(CircuitOpenException.class);

    assertThat(calls("carrier", "success").count()).isEqualTo(1);
    assertThat(calls("carrier", "success").totalTime(TimeUnit.MILLISECONDS)).isEqualTo(25.0);
    assertThat(calls("carrier", "failure").count()).isEqualTo(2);
    assertThat(calls("carrier", "failure").totalTime(TimeUnit.MILLISECONDS)).isEqualTo(200.0);
    assertThat(calls("carrier", "circuit_open").count()).isEqualTo(1);
    assertThat(calls("carrier", "circuit_open").totalTime(TimeUnit.NANOSECONDS)).isZero();
  }

  @Test
  void anAsynchronousCallTheCallerCancelledCountsAsCancelledNotAsFailure() throws Exception {
    ResiliencePolicy policy = ResiliencePolicy.of("search", config().build());
    PolicyMetrics.of(policy).bindTo(meters);
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<String> call =
        policy.getAsync(
            () -> {
              started.countDown();
              return new CompletableFuture<String>();
            });
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();

    assertThat(call.cancel(true)).isTrue();

    // Recorded within cancel(): Failsafe completes its future, and so this call, on this thread.
    assertThat(calls("search", "failure").count()).isZero();
    assertThat(calls("search", "cancelled").count()).isEqualTo(1);
  }

  @Test
  void aRetryableResultThatRanOutCountsAsFailure() {
    ResiliencePolicy policy =
        ResiliencePolicy.of(
            "http",
            config()
                .noCircuitBreaker()
                .retry(
                    RetryConfig.builder()
                        .backoff(Duration.ZERO, Duration.ZERO)
                        .retryOnResult(Integer.class, status -> status == 503)
                        .build())
                .build());
    PolicyMetrics.of(policy).bindTo(meters);

    assertThat(policy.get(() -> 503)).isEqualTo(503);
    assertThat(policy.get(() -> 200)).isEqualTo(200);

    assertThat(calls("http", "failure").count()).isEqualTo(1);
    assertThat(calls("http", "success").count()).isEqualTo(1);
    assertThat(meters.get(DEFAULT_RETRIES).tag("outcome", "scheduled").counter().count())
        .isEqualTo(RetryConfig.DEFAULT_MAX_ATTEMPTS - 1);
  }

  @Test
  void countsRetriesMadeAndRetriesTheBudgetRefused() {
    ResiliencePolicy policy =
        ResiliencePolicy.of(
            "budgeted",
            config()
                .noCircuitBreaker()
                .retry(
                    RetryConfig.builder()
                        .maxAttempts(3)
                        .backoff(Duration.ZERO, Duration.ZERO)
                        .retryOn(IOException.class)
                        .budget(RetryBudget.of(0, 1, Duration.ofSeconds(1))) // 1 retry in total
                        .build())
                .build());
    PolicyMetrics.of(policy).bindTo(meters);

    assertThatThrownBy(
            () ->
                policy.run(
                    () -> {
                      throw new IOException("down");
                    }))
        .isInstanceOf(PolicyExecutionException.class);

    assertThat(meters.get(DEFAULT_RETRIES).tag("outcome", "scheduled").counter().count())
        .isEqualTo(1);
    assertThat(meters.get(DEFAULT_RETRIES).tag("outcome", "budget_exhausted").counter().count())
        .isEqualTo(1);
  }

  @Test
  void breakerStateIsAGaugeAndTransitionsAreCounted() {
    ResiliencePolicy policy = ResiliencePolicy.of("gauged", config().build());
    PolicyMetrics.of(policy).bindTo(meters);
    assertThat(gauge("gauged", "closed")).isEqualTo(1.0);
    assertThat(gauge("gauged", "open")).isZero();

    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(
              () ->
                  policy.run(
                      () -> {
                        throw new IOException("down");
                      }))
          .isInstanceOf(PolicyExecutionException.class);
    }
    assertThat(gauge("gauged", "open")).isEqualTo(1.0);
    assertThat(gauge("gauged", "closed")).isZero();

    clock.advance(Duration.ofSeconds(30));
    policy.get(() -> "trial");

    Map<String, Double> transitions =
        Map.of(
            "open", transitionCount("open"),
            "half_open", transitionCount("half_open"),
            "closed", transitionCount("closed"));
    assertThat(transitions)
        .containsExactlyInAnyOrderEntriesOf(Map.of("open", 1.0, "half_open", 1.0, "closed", 1.0));
    assertThat(gauge("gauged", "closed")).isEqualTo(1.0);
  }

  private double transitionCount(String state) {
    return meters
        .get(DEFAULT_CIRCUIT_BREAKER_TRANSITIONS)
        .tag("policy", "gauged")
        .tag("state", state)
        .counter()
        .count();
  }

  @Test
  void noBreakerMeansNoBreakerMeters() {
    ResiliencePolicy policy =
        ResiliencePolicy.of("plain", PolicyConfig.builder().noCircuitBreaker().build());
    PolicyMetrics.of(policy).bindTo(meters);

    assertThat(meters.find(DEFAULT_CIRCUIT_BREAKER_STATE).meters()).isEmpty();
    assertThat(meters.find(DEFAULT_CIRCUIT_BREAKER_TRANSITIONS).meters()).isEmpty();
    assertThat(meters.find(DEFAULT_CALLS).meters()).hasSize(6);
  }

  @Test
  void bindingTwiceNeverCountsTwice() {
    PolicyRegistry registry = PolicyRegistry.of(config().build());
    ResiliencePolicy policy = registry.policy("twice");
    PolicyMetrics.of(registry).bindTo(meters);
    PolicyMetrics.of(registry).bindTo(meters);
    PolicyMetrics.of(policy).bindTo(meters);

    policy.get(() -> "once");

    assertThat(calls("twice", "success").count()).isEqualTo(1);
  }

  @Test
  void twoMeterRegistriesEachGetEveryCall() {
    ResiliencePolicy policy = ResiliencePolicy.of("both", config().build());
    SimpleMeterRegistry other = new SimpleMeterRegistry();
    PolicyMetrics.of(policy).bindTo(meters);
    PolicyMetrics.of(policy).bindTo(other);

    policy.get(() -> "x");

    assertThat(calls("both", "success").count()).isEqualTo(1);
    assertThat(other.get(DEFAULT_CALLS).tag("outcome", "success").timer().count()).isEqualTo(1);
  }

  @Test
  void anUnboundPolicyNeverReadsTheClockOnTheCallPath() {
    AtomicLong reads = new AtomicLong();
    Ticker counting =
        () -> {
          reads.incrementAndGet();
          return 0L;
        };
    ResiliencePolicy policy =
        ResiliencePolicy.of(
            "quiet",
            PolicyConfig.builder()
                .ticker(counting)
                .retry(RetryConfig.builder().retryOn(IOException.class).build())
                .build());
    long readsWhenBuilt = reads.get(); // the retry budget takes its origin

    for (int i = 0; i < 1000; i++) {
      policy.get(() -> "ok");
    }

    assertThat(reads.get()).isEqualTo(readsWhenBuilt);
    PolicyMetrics.of(policy).bindTo(meters);
    policy.get(() -> "ok");
    assertThat(reads.get()).isEqualTo(readsWhenBuilt + 2); // start and end of the call
  }

  @Test
  void metricNamesAreAStableContract() {
    assertThat(
            Map.of(
                DEFAULT_CALLS, "securecart.policy.calls",
                DEFAULT_RETRIES, "securecart.policy.retries",
                DEFAULT_FALLBACKS, "securecart.policy.fallbacks",
                DEFAULT_CIRCUIT_BREAKER_STATE, "securecart.policy.circuitbreaker.state",
                DEFAULT_CIRCUIT_BREAKER_TRANSITIONS,
                    "securecart.policy.circuitbreaker.transitions"))
        .allSatisfy((constant, name) -> assertThat(constant).isEqualTo(name));
  }
}
