package dev.securecart.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.core.Ticker;
import dev.securecart.core.policy.CircuitBreakerConfig.CountThreshold;
import dev.securecart.core.policy.CircuitBreakerConfig.RateThreshold;
import dev.securecart.core.testing.FakeClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Immutable configs, builders with eager checks, and the documented defaults. */
final class PolicyConfigTest {

  @Test
  void defaultsAreAsDocumented() {
    PolicyConfig config = PolicyConfig.ofDefaults();

    assertThat(config.retry().maxAttempts()).isEqualTo(3);
    assertThat(config.retry().baseDelay()).isEqualTo(Duration.ofMillis(100));
    assertThat(config.retry().maxDelay()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.retry().isEnabled()).as("nothing is marked safe to retry").isFalse();
    assertThat(config.retry().retriesOn(new IOException())).isFalse();
    assertThat(config.retry().budget()).contains(RetryBudget.of(20, 10, Duration.ofSeconds(10)));
    assertThat(config.retry().retryAfter().delayFor(null, new IOException())).isEmpty();
    assertThat(config.circuitBreaker())
        .hasValueSatisfying(
            breaker -> {
              assertThat(breaker.failureThreshold()).isEqualTo(new CountThreshold(10, 20));
              assertThat(breaker.openDelay()).isEqualTo(Duration.ofSeconds(30));
              assertThat(breaker.halfOpenTrialCalls()).isEqualTo(3);
              assertThat(breaker.halfOpenSuccessesToClose()).isEqualTo(2);
              assertThat(breaker.recordsFailureOn(new IllegalStateException())).isTrue();
              assertThat(breaker.recordsFailureOnResult(503)).isFalse();
            });
    assertThat(config.bulkhead()).isEmpty();
    assertThat(config.timeout()).isEmpty();
    assertThat(config.ticker()).isSameAs(Ticker.systemTicker());
    assertThat(config.clock()).isEqualTo(Clock.systemUTC());
    assertThat(config.random().getAsDouble()).isBetween(0.0, 1.0);
    assertThat(config.scheduler()).isEmpty();
  }

  @Test
  void newBuilderCopiesAndNeverChangesTheOriginal() {
    FakeClock clock = FakeClock.create();
    PolicyConfig original =
        PolicyConfig.builder()
            .retry(RetryConfig.builder().maxAttempts(5).retryOn(IOException.class).build())
            .bulkhead(10)
            .timeout(Duration.ofSeconds(2))
            .ticker(clock)
            .clock(clock)
            .build();

    PolicyConfig changed =
        original.newBuilder().noBulkhead().noTimeout().noCircuitBreaker().build();

    assertThat(original.bulkhead()).map(BulkheadConfig::maxConcurrentCalls).contains(10);
    assertThat(original.timeout()).map(TimeoutConfig::timeout).contains(Duration.ofSeconds(2));
    assertThat(original.circuitBreaker()).isPresent();
    assertThat(changed.bulkhead()).isEmpty();
    assertThat(changed.timeout()).isEmpty();
    assertThat(changed.circuitBreaker()).isEmpty();
    assertThat(changed.retry()).isSameAs(original.retry());
    assertThat(changed.ticker()).isSameAs(clock);
  }

  @Test
  void aBuilderUsedAfterBuildDoesNotChangeWhatItBuilt() {
    RetryConfig.Builder builder = RetryConfig.builder().retryOn(IOException.class);
    RetryConfig first = builder.build();

    builder.maxAttempts(7).retryOn(TimeoutException.class).noBudget();

    assertThat(first.maxAttempts()).isEqualTo(3);
    assertThat(first.retriesOn(new TimeoutException())).isFalse();
    assertThat(first.budget()).isPresent();
    RetryConfig second = builder.build();
    assertThat(second.retriesOn(new TimeoutException())).isTrue();
    assertThat(second.newBuilder().build().retriesOn(new IOException())).isTrue();
  }

  @Test
  void retryPredicatesAccumulateAndResultPredicatesAreTyped() {
    RetryConfig retry =
        RetryConfig.builder()
            .retryOn(IOException.class)
            .retryOn(e -> e instanceof UncheckedIOException)
            .retryOnResult(Integer.class, status -> status == 503 || status == 429)
            .build();

    assertThat(retry.isEnabled()).isTrue();
    assertThat(retry.retriesOn(new java.net.ConnectException())).isTrue();
    assertThat(retry.retriesOn(new UncheckedIOException(new IOException()))).isTrue();
    assertThat(retry.retriesOn(new IllegalStateException())).isFalse();
    assertThat(retry.retriesOnResult(429)).isTrue();
    assertThat(retry.retriesOnResult(200)).isFalse();
    assertThat(retry.retriesOnResult("503")).isFalse();
    assertThat(retry.retriesOnResult(null)).isFalse();
    assertThat(RetryConfig.builder().maxAttempts(1).retryOn(IOException.class).build().isEnabled())
        .isFalse();
  }

  @Test
  void theFirstRecordFailureOnReplacesEveryException() {
    CircuitBreakerConfig breaker =
        CircuitBreakerConfig.builder().recordFailureOn(IOException.class).build();

    assertThat(breaker.recordsFailureOn(new IOException())).isTrue();
    assertThat(breaker.recordsFailureOn(new IllegalArgumentException())).isFalse();
    assertThat(
            breaker
                .newBuilder()
                .recordFailureOn(IllegalStateException.class)
                .build()
                .recordsFailureOn(new IllegalStateException()))
        .isTrue();
  }

  @Test
  void thresholdsAreCountOrRateBased() {
    assertThat(CircuitBreakerConfig.builder().failureThreshold(3, 10).build().failureThreshold())
        .isEqualTo(new CountThreshold(3, 10));
    assertThat(
            CircuitBreakerConfig.builder()
                .failureThreshold(3, 10)
                .failureRateThreshold(50, 20, Duration.ofMinutes(1))
                .build()
                .failureThreshold())
        .isEqualTo(new RateThreshold(50, 20, Duration.ofMinutes(1)));
  }

  @Test
  void everyBuilderMethodChecksItsArgumentsAndSaysWhatWasWrong() {
    assertThatThrownBy(() -> RetryConfig.builder().maxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxAttempts must be greater than 0, but was 0");
    assertThatThrownBy(
            () -> RetryConfig.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxDelay must be at least baseDelay (PT2S), but was PT1S");
    assertThatThrownBy(() -> RetryConfig.builder().backoff(Duration.ofMillis(-1), Duration.ZERO))
        .hasMessage("baseDelay must not be negative, but was PT-0.001S");
    assertThatThrownBy(() -> RetryConfig.builder().retryOn((Class<? extends Throwable>) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("type cannot be null");
    assertThatThrownBy(() -> RetryBudget.of(1001, 0, Duration.ofSeconds(10)))
        .hasMessage("percent must be between 0 and 1000, but was 1001");
    assertThatThrownBy(() -> RetryBudget.of(20, -1, Duration.ofSeconds(10)))
        .hasMessage("minRetriesPerSecond must be 0 or greater, but was -1");
    assertThatThrownBy(() -> RetryBudget.of(20, 10, Duration.ofMillis(500)))
        .hasMessage("window must be between 1 second and 1 hour, but was PT0.5S");
    assertThatThrownBy(() -> CircuitBreakerConfig.builder().failureThreshold(5, 4))
        .hasMessage("calls must be at least failures (5), but was 4");
    assertThatThrownBy(
            () -> CircuitBreakerConfig.builder().failureRateThreshold(0, 10, Duration.ofMinutes(1)))
        .hasMessage("percent must be between 1 and 100, but was 0");
    assertThatThrownBy(
            () -> CircuitBreakerConfig.builder().failureRateThreshold(50, 10, Duration.ofMillis(5)))
        .hasMessage("period must be at least 10 ms, but was PT0.005S");
    assertThatThrownBy(() -> CircuitBreakerConfig.builder().halfOpenTrialCalls(2, 3))
        .hasMessage("successesToClose must be between 1 and trialCalls (2), but was 3");
    assertThatThrownBy(() -> CircuitBreakerConfig.builder().openDelay(Duration.ofSeconds(-1)))
        .hasMessage("openDelay must not be negative, but was PT-1S");
    assertThatThrownBy(() -> BulkheadConfig.of(0))
        .hasMessage("maxConcurrentCalls must be greater than 0, but was 0");
    assertThatThrownBy(() -> TimeoutConfig.of(Duration.ZERO))
        .hasMessage("timeout must be positive, but was PT0S");
    assertThatThrownBy(() -> TimeoutConfig.of(ChronoUnit.FOREVER.getDuration()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("timeout must be at most PT2562047H47M16.854775807S, but was PT");
    assertThat(TimeoutConfig.of(TimeoutConfig.LONGEST).timeout()).isEqualTo(TimeoutConfig.LONGEST);
    assertThatThrownBy(() -> PolicyConfig.builder().ticker(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("ticker cannot be null");
    assertThatThrownBy(() -> ResiliencePolicy.of("x", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("config cannot be null");
  }

  @Test
  void aPolicyKeepsItsNameAndConfig() {
    PolicyConfig config = PolicyConfig.builder().bulkhead(3).build();
    ResiliencePolicy policy = ResiliencePolicy.of("inventory.read", config);

    assertThat(policy.name()).isEqualTo("inventory.read");
    assertThat(policy.config()).isSameAs(config);
    assertThat(policy.toString()).contains("inventory.read").contains("maxConcurrentCalls=3");
    assertThat(ResiliencePolicy.ofDefaults("x").config()).isSameAs(PolicyConfig.ofDefaults());
  }
}
