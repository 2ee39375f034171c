package dev.securecart.ratelimit.redis;

import static dev.securecart.ratelimit.Decision.Source.REDIS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
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

  /**
   * A master that stops answering without closing its connections (paused here; a hung host or a
   * network partition look the same): only its keys go to the fallback, and they stop waiting out
   * the deadline once it is marked down, while the other masters' keys stay on Redis.
   */
  @Test
  void aStalledMasterSendsOnlyItsOwnKeysToTheFallbackAndThoseStopWaitingForIt() {
    Duration deadline = Duration.ofMillis(50);
    List<String> keys = IntStream.range(0, 60).mapToObj(i -> "user-" + i).toList();
    RedisCluster.Node stalled = cluster.masterFor(keys.get(0));
    Set<String> stalledKeys =
        keys.stream()
            .filter(key -> cluster.masterFor(key).port() == stalled.port())
            .collect(Collectors.toSet());
    FallbackTransitions recorded = new FallbackTransitions();
    List<Boolean> transitions = recorded.transitions;
    try (RedisConnector connector =
            RedisConnector.create(
                RedisSettings.cluster(cluster.seedUris())
                    .commandTimeout(Duration.ofMillis(500))
                    .build());
        RedisConnection<String, String> connection = connector.connect();
        RespClient admin = RespClient.connect(stalled.server(), Duration.ofSeconds(5))) {
      RedisRateLimiter limiter =
          RedisRateLimiter.create(
              connection,
              config("stalled")
                  .limit(RateLimit.perSecond(1_000_000).withBurst(10_000_000))
                  .deadline(deadline)
                  .recoveryCheckInterval(Duration.ofMillis(100))
                  .stats(recorded)
                  .build());
      keys.forEach(key -> limiter.tryAcquire(key));

      admin.call("CLIENT", "PAUSE", "3000", "ALL");
      // Decides until shortly before the pause ends, so every round meets the stalled master.
      long pauseEnds = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_500);
      int healthyDecisions = 0;
      int healthyOffRedis = 0;
      int waitedOut = 0;
      while (System.nanoTime() < pauseEnds) {
        for (String key : keys) {
          long started = System.nanoTime();
          Decision decision = limiter.tryAcquire(key);
          long took = System.nanoTime() - started;
          if (stalledKeys.contains(key)) {
            waitedOut += took >= deadline.toNanos() ? 1 : 0;
          } else {
            healthyDecisions++;
            healthyOffRedis += decision.source() == REDIS ? 0 : 1;
          }
        }
      }

      // A single late answer on a busy machine falls back on its own; the other masters' keys
      // as a whole must not.
      assertThat(healthyOffRedis)
          .as(
              "decisions off Redis among %d for the keys of the masters that answer",
              healthyDecisions)
          .isLessThanOrEqualTo(healthyDecisions / 20);
      assertThat(waitedOut)
          .as("decisions on the stalled master's keys that waited out the deadline")
          .isLessThanOrEqualTo(10);
      assertThat(transitions).as("its keys fell back").startsWith(true);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> keys.stream().allMatch(key -> limiter.tryAcquire(key).source() == REDIS));
      assertThat(transitions).as("and came back once").containsExactly(true, false);
      assertThat(limiter.isFallingBack()).isFalse();
    }
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
