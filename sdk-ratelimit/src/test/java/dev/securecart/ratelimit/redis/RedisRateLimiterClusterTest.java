package dev.securecart.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.core.redis.RedisConnection;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.RedisCluster;
import dev.securecart.core.testing.RespClient;
import dev.securecart.ratelimit.Algorithm;
import dev.securecart.ratelimit.Decision;
import dev.securecart.ratelimit.Keys;
import dev.securecart.ratelimit.RateLimit;
import dev.securecart.ratelimit.RateLimiterConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The Redis limiter on a real local 3-master Redis Cluster. */
final class RedisRateLimiterClusterTest {

  private static RedisCluster cluster;
  private static RedisConnector nodeA;
  private static RedisConnector nodeB;
  private static RedisConnection<String, String> a;
  private static RedisConnection<String, String> b;
  private static String prefix;

  @BeforeAll
  static void startCluster() {
    cluster = RedisCluster.start(3, 0);
    nodeA = RedisConnector.create(RedisSettings.cluster(cluster.seedUris()).build());
    nodeB = RedisConnector.create(RedisSettings.cluster(cluster.seedUris()).build());
    a = nodeA.connect();
    b = nodeB.connect();
    prefix = "sctest:rl-cluster:" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";
  }

  @AfterAll
  static void stopCluster() {
    if (a != null) {
      a.close();
      b.close();
      nodeA.close();
      nodeB.close();
    }
    if (cluster != null) {
      cluster.deleteKeys(prefix);
      cluster.close();
    }
  }

  private static RateLimiterConfig.Builder config(String name) {
    return RateLimiterConfig.builder(name).keyPrefix(prefix).deadline(Duration.ofSeconds(5));
  }

  @Test
  void aMultiLimitDecisionTouchesOneSlotAndIsAtomic() {
    RedisRateLimiter limiter =
        RedisRateLimiter.create(
            a,
            config("checkout")
                .limit("user", RateLimit.perMinute(5))
                .limit("ip", RateLimit.perMinute(100))
                .limit("global", RateLimit.perSecond(10_000))
                .build());
    Keys alice = Keys.of("user", "alice", "ip", "10.0.0.1", "global", "checkout");
    for (int i = 0; i < 5; i++) {
      assertThat(limiter.tryAcquire(alice).source()).isEqualTo(Decision.Source.REDIS);
    }
    for (int i = 0; i < 10; i++) {
      Decision rejected = limiter.tryAcquire(alice);
      assertThat(rejected.isAllowed()).isFalse();
      assertThat(rejected.limitName()).isEqualTo("user");
    }
    // 5 granted, 10 rejected: the ip limit holds 95, the global one 9,995.
    long ipLeft = 0;
    for (int u = 0; u < 100; u++) {
      Decision d = limiter.tryAcquire(Keys.of("user", "u" + u, "ip", "10.0.0.1", "global", "g2"));
      if (!d.isAllowed()) {
        assertThat(d.limitName()).isEqualTo("ip");
        break;
      }
      ipLeft++;
    }
    assertThat(ipLeft).isEqualTo(95);
    assertThat(limiter.isFallingBack()).isFalse();
  }

  @Test
  void singleLimitKeysSpreadOverEveryShardAndEachGetsItsBurst() {
    RedisRateLimiter limiter =
        RedisRateLimiter.create(b, config("spread").limit(RateLimit.perMinute(3)).build());
    for (int k = 0; k < 300; k++) {
      for (int i = 0; i < 3; i++) {
        assertThat(limiter.tryAcquire("key-" + k).isAllowed()).isTrue();
      }
      Decision rejected = limiter.tryAcquire("key-" + k);
      assertThat(rejected.isAllowed()).isFalse();
      assertThat(rejected.source()).isEqualTo(Decision.Source.REDIS);
    }
    int shardsWithKeys = 0;
    for (RedisCluster.Node node : cluster.liveNodes()) {
      try (RespClient redis = RespClient.connect(node.server(), Duration.ofSeconds(5))) {
        List<Object> page =
            redis.callList("SCAN", "0", "MATCH", prefix + "spread:*", "COUNT", "10000");
        if (!((List<?>) page.get(1)).isEmpty()) {
          shardsWithKeys++;
        }
      }
    }
    assertThat(shardsWithKeys).isEqualTo(3);
  }

  /** Shortened to 3 s per algorithm (the standalone run takes the full 5 s). */
  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void twoNodesHammeringOneKeyOnTheClusterGetTheRateAndNoMore(Algorithm algorithm)
      throws Exception {
    String key = prefix + "accuracy-" + algorithm.name().toLowerCase(java.util.Locale.ROOT);
    // TIME from the shard that owns the limiter's key, so the window is measured on its clock.
    RedisCluster.Node owner = ownerOf(key + ":default:{hot}");
    try (RespClient time = RespClient.connect(owner.server(), Duration.ofSeconds(5))) {
      AccuracyRun.run(
          List.of(a, b),
          () -> {
            List<Object> now = time.callList("TIME");
            return Long.parseLong((String) now.get(0)) * 1_000_000
                + Long.parseLong((String) now.get(1));
          },
          prefix,
          algorithm,
          Duration.ofSeconds(3));
    }
  }

  private static RedisCluster.Node ownerOf(String key) {
    int slot = io.lettuce.core.cluster.SlotHash.getSlot(key);
    for (RedisCluster.Node node : cluster.liveNodes()) {
      try (RespClient redis = RespClient.connect(node.server(), Duration.ofSeconds(5))) {
        for (Object range : redis.callList("CLUSTER", "SLOTS")) {
          List<?> r = (List<?>) range;
          long from = (Long) r.get(0);
          long to = (Long) r.get(1);
          int port = ((Long) ((List<?>) r.get(2)).get(1)).intValue();
          if (slot >= from && slot <= to && port == node.port()) {
            return node;
          }
        }
      }
    }
    throw new IllegalStateException("no node owns slot " + slot);
  }
}
