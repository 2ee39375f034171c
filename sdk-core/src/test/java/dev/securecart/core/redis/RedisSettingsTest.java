package dev.securecart.core.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class RedisSettingsTest {

  @Test
  void oneUriIsStandaloneWithProductionDefaults() {
    RedisSettings settings = RedisSettings.of("redis://127.0.0.1:6379/2");

    assertThat(settings.isCluster()).isFalse();
    assertThat(settings.uris()).containsExactly("redis://127.0.0.1:6379/2");
    assertThat(settings.commandTimeout()).isEqualTo(RedisSettings.DEFAULT_COMMAND_TIMEOUT);
    assertThat(settings.connectTimeout()).isEqualTo(RedisSettings.DEFAULT_CONNECT_TIMEOUT);
    assertThat(settings.requestQueueSize()).isEqualTo(RedisSettings.DEFAULT_REQUEST_QUEUE_SIZE);
    assertThat(settings.clientName()).isEmpty();
  }

  @Test
  void theUnansweredTimeoutIsFiveSecondsOrTheCommandTimeoutIfLonger() {
    RedisSettings.Builder builder = RedisSettings.builder("redis://localhost");

    assertThat(builder.build().unansweredTimeout()).isEqualTo(Duration.ofSeconds(5));
    RedisSettings slowCommands = builder.commandTimeout(Duration.ofSeconds(8)).build();
    assertThat(slowCommands.unansweredTimeout()).isEqualTo(Duration.ofSeconds(8));
    // The default is not frozen into a copy: it follows the copy's command timeout.
    assertThat(
            slowCommands
                .newBuilder()
                .commandTimeout(Duration.ofSeconds(1))
                .build()
                .unansweredTimeout())
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(builder.unansweredTimeout(Duration.ofSeconds(30)).build().unansweredTimeout())
        .isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void anUnansweredTimeoutShorterThanTheCommandTimeoutIsRejected() {
    RedisSettings.Builder builder =
        RedisSettings.builder("redis://localhost")
            .commandTimeout(Duration.ofSeconds(2))
            .unansweredTimeout(Duration.ofSeconds(1));

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unansweredTimeout (PT1S) must not be shorter than commandTimeout (PT2S)");
    assertThatThrownBy(() -> builder.unansweredTimeout(Duration.ZERO))
        .hasMessage("unansweredTimeout must be positive, but was PT0S");
  }

  @Test
  void aCommaSeparatedListOrClusterMeansClusterSeeds() {
    assertThat(RedisSettings.of("redis://a:7000, redis://b:7001").isCluster()).isTrue();
    assertThat(RedisSettings.of("redis://a:7000, redis://b:7001").uris())
        .containsExactly("redis://a:7000", "redis://b:7001");
    assertThat(RedisSettings.cluster(List.of("redis://a:7000")).build().isCluster()).isTrue();
  }

  @Test
  void sentinelUrisStayOneEndpoint() {
    RedisSettings settings = RedisSettings.of("redis-sentinel://s1:26379,s2:26379/0#shop");

    assertThat(settings.isCluster()).isFalse();
    assertThat(settings.uris()).hasSize(1);
  }

  @Test
  void badUrisAreRejectedWithoutEchoingPasswords() {
    assertThatThrownBy(() -> RedisSettings.of("http://:hunter2@cache:6379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("redis://, rediss:// or redis-sentinel://")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> RedisSettings.of("redis://a:1,"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
    assertThatThrownBy(() -> RedisSettings.of("redis-sentinel://s1:26379"))
        .hasMessageContaining("name the master");
    assertThatThrownBy(() -> RedisSettings.cluster(List.of())).hasMessageContaining("at least one");
    assertThatThrownBy(
            () -> RedisSettings.cluster(List.of("redis-sentinel://:pw@s1:26379#m")).build())
        .hasMessageContaining("Cluster seeds")
        .hasMessageNotContaining(":pw@");
  }

  @Test
  void builderRejectsNonsenseValuesAndNamesThem() {
    RedisSettings.Builder builder = RedisSettings.builder("redis://localhost");

    assertThatThrownBy(() -> builder.commandTimeout(Duration.ZERO))
        .hasMessage("commandTimeout must be positive, but was PT0S");
    assertThatThrownBy(() -> builder.requestQueueSize(0))
        .hasMessage("requestQueueSize must be greater than 0, but was 0");
    assertThatThrownBy(() -> builder.clientName("two words")).hasMessageContaining("clientName");
    assertThatThrownBy(() -> builder.connectTimeout(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("connectTimeout cannot be null");
  }

  @Test
  void builtValuesAreImmutableAndCopyable() {
    RedisSettings.Builder builder =
        RedisSettings.builder("redis://localhost").commandTimeout(Duration.ofMillis(50));
    RedisSettings first = builder.build();
    builder.commandTimeout(Duration.ofSeconds(9));

    assertThat(first.commandTimeout()).isEqualTo(Duration.ofMillis(50));
    RedisSettings copy = first.newBuilder().clientName("checkout").build();
    assertThat(copy.commandTimeout()).isEqualTo(Duration.ofMillis(50));
    assertThat(copy.clientName()).contains("checkout");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "redis://:s3cr/et@",
        "redis://:p@s3cret@",
        "redis://:pa^s3cret@",
        "redis://user:s3cret@",
        "ftp://user:s3cret@"
      })
  void errorMessagesNeverHoldThePasswordWhateverItsCharacters(String start) {
    // Each is refused (no host, a bad character, a wrong scheme); none may show the password.
    String uri = start + (start.startsWith("redis://user") ? "" : "cache:6379");
    Throwable error = catchThrowable(() -> RedisSettings.of(uri));

    assertThat(error).isInstanceOf(IllegalArgumentException.class);
    for (Throwable t = error; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t.getMessage())).doesNotContain("s3cret").doesNotContain("s3cr/");
    }
  }

  @Test
  void toStringRedactsPasswords() {
    assertThat(RedisSettings.of("rediss://user:s3cret@cache:6380").toString())
        .contains("rediss://***@cache:6380")
        .doesNotContain("s3cret");
  }
}
