package dev.securecart.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.withinPercentage;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class RateLimitTest {

  @Test
  void theBurstDefaultsToThePermitsPerPeriod() {
    assertThat(RateLimit.perMinute(5)).isEqualTo(new RateLimit(5, Duration.ofMinutes(1), 5));
    assertThat(RateLimit.perSecond(100).withBurst(10).burst()).isEqualTo(10);
    assertThat(RateLimit.perSecond(100).emissionIntervalMicros()).isEqualTo(10_000);
    assertThat(RateLimit.perSecond(3).emissionIntervalMicros()).isEqualTo(333_334); // rounded up
  }

  @Test
  void zeroOrNegativeRatesAndBurstsAreRefusedWithTheParameterAndValue() {
    assertThatThrownBy(() -> RateLimit.perSecond(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be greater than 0, but was 0");
    assertThatThrownBy(() -> RateLimit.perMinute(-5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be greater than 0, but was -5");
    assertThatThrownBy(() -> RateLimit.perSecond(10).withBurst(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("burst must be greater than 0, but was 0");
    assertThatThrownBy(() -> RateLimit.of(1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("period must be positive");
    assertThatThrownBy(() -> RateLimit.of(1, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RateLimit.perSecond(2_000_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 1,000,000 per second");
    assertThatThrownBy(() -> RateLimit.of(1, null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aNodesShareDividesTheRateAndTheBurst() {
    RateLimit share = RateLimit.perSecond(100).withBurst(10).perNode(4);
    assertThat(share.permits() * 1.0 / share.period().toMillis()).isEqualTo(0.025);
    assertThat(share.burst()).isEqualTo(2);
    assertThat(RateLimit.perMinute(1).perNode(3).burst()).isEqualTo(1);
  }

  @Test
  void aLongPeriodLimitHasAShareForManyNodes() {
    RateLimit monthly = RateLimit.of(10_000, Duration.ofDays(31), 500);

    RateLimit share = monthly.perNode(12);

    assertThat(share.period()).isEqualTo(RateLimit.MAX_PERIOD);
    double perDay = share.permits() / 365.0;
    assertThat(perDay).isCloseTo(10_000 / 31.0 / 12, withinPercentage(0.1));
    assertThat(share.burst()).isEqualTo(41);
    assertThat(RateLimit.of(5, Duration.ofDays(100)).perNode(12))
        .as("a share of less than one permit a year is one")
        .isEqualTo(RateLimit.of(1, RateLimit.MAX_PERIOD, 1));
  }

  @Test
  void localBatchingIsRefusedForSeveralLimitsWhoseSharedOnesItWouldOverAdmit() {
    assertThatThrownBy(
            () ->
                RateLimiterConfig.builder("checkout")
                    .limit("user", RateLimit.perMinute(5))
                    .limit("global", RateLimit.perSecond(100))
                    .localBatch(4)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("localBatch works with one limit")
        .hasMessageContaining("[user, global]");
    assertThat(
            RateLimiterConfig.builder("hot")
                .limit(RateLimit.perSecond(10_000))
                .localBatch(16)
                .build()
                .localBatch())
        .isEqualTo(16);
  }

  @Test
  void aConfigRefusesBadNamesAndMissingLimits() {
    assertThatThrownBy(() -> RateLimiterConfig.builder("bad name"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'bad name'");
    assertThatThrownBy(() -> RateLimiterConfig.builder("x").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("at least one limit is required");
    assertThatThrownBy(
            () ->
                RateLimiterConfig.builder("x")
                    .limit("a", RateLimit.perSecond(1))
                    .limit("a", RateLimit.perSecond(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit 'a' was already added");
    assertThatThrownBy(() -> RateLimiterConfig.builder("x").keyPrefix("a{b}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RateLimiterConfig.builder("x").deadline(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deadline must be positive");
    assertThatThrownBy(() -> RateLimiterConfig.builder("x").expectedNodes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expectedNodes must be greater than 0, but was 0");
  }

  @Test
  void aBuiltConfigDoesNotChangeWithItsBuilder() {
    RateLimiterConfig.Builder builder =
        RateLimiterConfig.builder("copy").limit("a", RateLimit.perSecond(1));
    RateLimiterConfig config = builder.build();
    builder.limit("b", RateLimit.perSecond(2)).algorithm(Algorithm.SLIDING_WINDOW);

    assertThat(config.limits()).containsOnlyKeys("a");
    assertThat(config.algorithm()).isEqualTo(Algorithm.GCRA);
    assertThat(config.newBuilder().build().limits()).isEqualTo(config.limits());
    assertThat(config.failMode()).isEqualTo(FailMode.LOCAL);
    assertThat(config.deadline()).isEqualTo(RateLimiterConfig.DEFAULT_DEADLINE);
  }

  @Test
  void headersUseWholeSecondsAndStateShortWindowsPerSecond() {
    Map<String, RateLimit> limits = Map.of("fast", RateLimit.of(5, Duration.ofMillis(100)));
    Decision allowed =
        new Decision(true, 3, 250_000_000L, 0, Decision.Source.REDIS, "fast", limits);
    assertThat(allowed.headers())
        .containsExactly(
            Map.entry("RateLimit-Policy", "\"fast\";q=50;w=1"),
            Map.entry("RateLimit", "\"fast\";r=3;t=1"));
    assertThat(allowed.isFallback()).isFalse();
    assertThat(allowed.resetAfter()).isEqualTo(Duration.ofMillis(250));

    Decision rejected =
        new Decision(
            false, 0, 2_000_000_000L, 1_500_000_000L, Decision.Source.FALLBACK, "fast", limits);
    assertThat(rejected.headers()).containsEntry("Retry-After", "2");
    assertThat(rejected.isFallback()).isTrue();
    assertThatThrownBy(() -> new Decision(true, -1, 0, 0, Decision.Source.LOCAL, "fast", limits))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Decision(true, 1, 0, 0, Decision.Source.LOCAL, "x", limits))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown limit 'x'");
  }
}
