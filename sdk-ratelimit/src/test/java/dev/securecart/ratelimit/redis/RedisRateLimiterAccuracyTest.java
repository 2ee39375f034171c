package dev.securecart.ratelimit.redis;

import dev.securecart.core.redis.RedisConnection;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.RedisExtension;
import dev.securecart.core.testing.RedisNamespace;
import dev.securecart.core.testing.RedisTestServer;
import dev.securecart.core.testing.RespClient;
import dev.securecart.ratelimit.Algorithm;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** 8 threads on 2 nodes hammer one key for 5 s: the count stays within the bound, and near it. */
@ExtendWith(RedisExtension.class)
final class RedisRateLimiterAccuracyTest {

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void twoNodesHammeringOneKeyForFiveSecondsGetTheRateAndNoMore(
      Algorithm algorithm, RedisTestServer server, RedisNamespace ns) throws Exception {
    try (RedisConnector nodeA = RedisConnector.create(RedisSettings.of(server.uri()));
        RedisConnector nodeB = RedisConnector.create(RedisSettings.of(server.uri()));
        RedisConnection<String, String> a = nodeA.connect();
        RedisConnection<String, String> b = nodeB.connect();
        RespClient time = RespClient.connect(server, Duration.ofSeconds(5))) {
      AccuracyRun.run(
          List.of(a, b),
          () -> {
            List<Object> now = time.callList("TIME");
            return Long.parseLong((String) now.get(0)) * 1_000_000
                + Long.parseLong((String) now.get(1));
          },
          ns.prefix(),
          algorithm,
          Duration.ofSeconds(5));
    }
  }
}
