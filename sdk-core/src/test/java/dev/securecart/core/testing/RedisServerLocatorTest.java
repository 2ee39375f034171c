package dev.securecart.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each of the locator's four sources, on this machine's real servers and binaries. */
final class RedisServerLocatorTest {

  private static final Map<String, String> ENV = System.getenv();

  @Test
  void redisUrlWinsWhenSet() {
    try (RedisProcess process = startRedisFromPath()) {
      RedisServerLocator locator =
          new RedisServerLocator(
              Map.of("REDIS_URL", "redis://127.0.0.1:" + process.port(), "PATH", ""),
              "127.0.0.1",
              RedisProcess.freePort());

      try (RedisServerLocator.Located located = locator.locate()) {
        assertThat(located.server().source()).isEqualTo(RedisTestServer.Source.REDIS_URL);
        assertThat(located.server().port()).isEqualTo(process.port());
        assertThat(located.process()).isNull();
      }
    }
  }

  @Test
  void redisUrlThatDoesNotAnswerFailsInsteadOfFallingBack() {
    int deadPort = RedisProcess.freePort();
    RedisServerLocator locator =
        new RedisServerLocator(
            Map.of("REDIS_URL", "redis://:s3cret@127.0.0.1:" + deadPort, "PATH", ENV.get("PATH")),
            "127.0.0.1",
            deadPort);

    assertThatThrownBy(locator::locate)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("REDIS_URL")
        .hasMessageContaining("127.0.0.1:" + deadPort)
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void localhostIsUsedWhenItAnswers() {
    RedisTestServer local =
        new RedisTestServer("localhost", 6379, null, 0, false, RedisTestServer.Source.LOCALHOST);
    assumeTrue(
        RespClient.answersPing(local, Duration.ofSeconds(1)), "no Redis on localhost:6379 here");

    try (RedisServerLocator.Located located =
        new RedisServerLocator(Map.of("PATH", ""), "localhost", 6379).locate()) {
      assertThat(located.server().source()).isEqualTo(RedisTestServer.Source.LOCALHOST);
      assertThat(located.process()).isNull();
    }
  }

  @Test
  void redisServerFromPathIsStartedOnAFreePortAndStoppedOnClose() {
    RedisServerLocator locator =
        new RedisServerLocator(
            Map.of("PATH", ENV.get("PATH")), "127.0.0.1", RedisProcess.freePort());
    assumeTrue(locator.redisServerOnPath().isPresent(), "redis-server is not on PATH here");

    RedisServerLocator.Located located = locator.locate();
    RedisTestServer server = located.server();
    assertThat(server.source()).isEqualTo(RedisTestServer.Source.STARTED_FROM_PATH);
    assertThat(RespClient.answersPing(server, Duration.ofSeconds(1))).isTrue();

    located.close();

    assertThat(RespClient.answersPing(server, Duration.ofSeconds(1))).isFalse();
  }

  @Test
  void withNoSourceTheFailureSaysHowToGetRedis() {
    RedisServerLocator locator =
        new RedisServerLocator(
            Map.of("PATH", "/nonexistent"), "127.0.0.1", RedisProcess.freePort());

    assertThatThrownBy(locator::locate)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("apt-get install redis-server")
        .hasMessageContaining("brew install redis")
        .hasMessageContaining("REDIS_URL");
  }

  @Test
  void parsesUrlsAndNeverPrintsThePassword() {
    RedisTestServer server =
        RedisTestServer.parse(
            "rediss://user:p%40ss@cache.internal:6380/2", RedisTestServer.Source.GIVEN);

    assertThat(server.host()).isEqualTo("cache.internal");
    assertThat(server.port()).isEqualTo(6380);
    assertThat(server.password()).isEqualTo("p@ss");
    assertThat(server.database()).isEqualTo(2);
    assertThat(server.tls()).isTrue();
    assertThat(server.toString()).doesNotContain("p@ss").doesNotContain("p%40ss");
    assertThatThrownBy(() -> RedisTestServer.parse("http://x", RedisTestServer.Source.GIVEN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("redis://");
  }

  private static RedisProcess startRedisFromPath() {
    RedisServerLocator locator = new RedisServerLocator(ENV, "127.0.0.1", 0);
    assumeTrue(locator.redisServerOnPath().isPresent(), "redis-server is not on PATH here");
    return RedisProcess.start(locator.redisServerOnPath().orElseThrow());
  }
}
