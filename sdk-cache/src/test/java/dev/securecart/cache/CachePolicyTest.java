package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

final class CachePolicyTest {

  @Test
  void defaultsAreReadableConstants() {
    CachePolicy policy = CachePolicy.ofDefaults();

    assertThat(policy.freshFor()).isEqualTo(CachePolicy.DEFAULT_FRESH_FOR);
    assertThat(policy.staleWhileRevalidate()).isZero();
    assertThat(policy.negativeTtl()).isEqualTo(CachePolicy.DEFAULT_NEGATIVE_TTL);
    assertThat(policy.originTimeout()).isEqualTo(CachePolicy.DEFAULT_ORIGIN_TIMEOUT);
    assertThat(policy.maximumSize()).hasValue(CachePolicy.DEFAULT_MAXIMUM_SIZE);
    assertThat(policy.maximumWeight()).isEmpty();
  }

  @Test
  void aBuilderReusedLaterDoesNotChangeABuiltPolicy() {
    CachePolicy.Builder builder = CachePolicy.builder().freshFor(Duration.ofSeconds(5));
    CachePolicy built = builder.build();

    builder.freshFor(Duration.ofSeconds(50));

    assertThat(built.freshFor()).isEqualTo(Duration.ofSeconds(5));
    assertThat(built.newBuilder().build()).isEqualTo(built).hasSameHashCodeAs(built);
  }

  @Test
  void theMaximumLifetimeAddsUpTheWindows() {
    CachePolicy policy =
        CachePolicy.builder()
            .freshFor(Duration.ofSeconds(60))
            .staleWhileRevalidate(Duration.ofMinutes(10))
            .staleIfError(Duration.ofHours(1))
            .build();

    assertThat(policy.maximumLifetime()).isEqualTo(Duration.ofMinutes(71));
    assertThat(policy.toString()).contains("freshFor=PT1M", "staleWhileRevalidate=PT10M");
  }

  @Test
  void badValuesAreRejectedWithTheParameterAndTheValue() {
    assertThatThrownBy(() -> CachePolicy.builder().freshFor(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("freshFor must be positive, but was PT0S");
    assertThatThrownBy(() -> CachePolicy.builder().staleIfError(Duration.ofSeconds(-1)))
        .hasMessageContaining("staleIfError");
    assertThatThrownBy(() -> CachePolicy.builder().jitter(1.0)).hasMessageContaining("jitter");
    assertThatThrownBy(() -> CachePolicy.builder().earlyRefresh(-1))
        .hasMessageContaining("earlyRefresh");
    assertThatThrownBy(() -> CachePolicy.builder().freshFor(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("freshFor cannot be null");
  }

  @Test
  void sizeAndWeightBoundsExcludeEachOther() {
    assertThatThrownBy(() -> CachePolicy.builder().maximumSize(5).maximumWeight(10))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> CachePolicy.builder().maximumWeight(10).maximumSize(5))
        .isInstanceOf(IllegalStateException.class);
    assertThat(CachePolicy.builder().maximumWeight(10).build().maximumSize()).isEmpty();
  }
}
