package dev.securecart.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class RedisExtensionTest {

  private static final List<String> PREFIXES_SEEN = new ArrayList<>();
  private static RedisTestServer firstServer;

  @Test
  @Order(1)
  void givesARealServerAndANamespacedPrefix(RedisTestServer server, RedisNamespace namespace) {
    try (RespClient redis = RespClient.connect(server, Duration.ofSeconds(5))) {
      redis.call("SET", namespace.key("a"), "1");
      redis.call("SET", namespace.key("b"), "2");

      assertThat(redis.call("GET", namespace.key("a"))).isEqualTo("1");
    }
    assertThat(namespace.prefix()).startsWith("sctest:RedisExtensionTest.");
    assertThat(namespace.keys()).containsExactlyInAnyOrder(namespace.key("a"), namespace.key("b"));
    PREFIXES_SEEN.add(namespace.prefix());
    firstServer = server;
  }

  @Test
  @Order(2)
  void keysOfTheEarlierTestAreGoneAndPrefixesDiffer(
      RedisTestServer server, RedisNamespace namespace) {
    assertThat(PREFIXES_SEEN).hasSize(1).doesNotContain(namespace.prefix());
    assertThat(server).isEqualTo(firstServer);
    try (RespClient redis = RespClient.connect(server, Duration.ofSeconds(5))) {
      List<Object> scan =
          redis.callList("SCAN", "0", "MATCH", PREFIXES_SEEN.get(0) + "*", "COUNT", "100000");
      assertThat((List<?>) scan.get(1)).isEmpty();
    }
  }
}
