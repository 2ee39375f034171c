package dev.securecart.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.redis.RedisConnection;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.RedisCluster;
import dev.securecart.ratelimit.Decision;
import dev.securecart.ratelimit.RateLimit;
import dev.securecart.ratelimit.RateLimiterConfig;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The Redis limiter while the master serving some of its keys dies and its replica takes over, on a
 * local Cluster with one replica per master: every decision keeps its deadline, the dead master's
 * keys fall back, and every key is decided by Redis again once the Cluster has failed over.
 */
final class RedisRateLimiterFailoverTest {

  private static final Duration DEADLINE = Duration.ofMillis(50);

  /** Slack over the deadline for a decision on a 2-core machine running six Redis processes. */
  private static final long SLACK_MILLIS = 25;

  @Test
  void decisionsKeepTheirDeadlineThroughAMasterFailoverAndReturnToRedis() {
    try (RedisCluster cluster = RedisCluster.start(3, 1)) {
      FailoverRun run = decideThroughAFailover(cluster, 0, new FallbackTransitions());

      assertThat(run.slow()).as("decisions over the deadline, or refused").isEmpty();
      assertThat(run.sources())
          .as("the dead master's keys fell back")
          .contains(Decision.Source.FALLBACK);
    }
  }

  @Test
  void aDeadShardSwitchesToTheFallbackOnceAndBackOnceWhicheverShardItIs() {
    try (RedisCluster cluster = RedisCluster.start(3, 1)) {
      // Not the shard of the limiter's own idle recovery key: a check sent there would find Redis
      // healthy while the dead shard's keys still time out, again and again.
      int probeShard = cluster.masterFor("probe").shard();
      int dead = (probeShard + 1) % cluster.shardCount();
      FallbackTransitions stats = new FallbackTransitions();

      FailoverRun run = decideThroughAFailover(cluster, dead, stats);

      assertThat(run.slow()).as("decisions over the deadline, or refused").isEmpty();
      assertThat(stats.transitions)
          .as("fell back once, came back once")
          .containsExactly(true, false);
    }
  }

  /** What decisions met while a master died: the slow or refused ones, and who decided. */
  private record FailoverRun(List<String> slow, Set<Decision.Source> sources) {}

  /**
   * Decides for sixty keys (spread over every shard) in a loop from before {@code shard}'s master
   * is killed until the Cluster has failed over, a whole round came from Redis again and the
   * limiter no longer counts any master as down.
   */
  private static FailoverRun decideThroughAFailover(
      RedisCluster cluster, int shard, FallbackTransitions stats) {
    String prefix =
        "sctest:rl-failover:" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";
    try (RedisConnector connector =
            RedisConnector.create(
                RedisSettings.cluster(cluster.seedUris())
                    .commandTimeout(Duration.ofMillis(500))
                    .connectTimeout(Duration.ofMillis(500))
                    .build());
        RedisConnection<String, String> connection = connector.connect()) {
      RedisRateLimiter limiter =
          RedisRateLimiter.create(
              connection,
              RateLimiterConfig.builder("failover")
                  .keyPrefix(prefix)
                  // Never reached: while Redis is out, this caller's loop decides in process,
                  // millions of times a second, for seconds.
                  .limit(RateLimit.perSecond(1_000_000).withBurst(10_000_000))
                  .deadline(DEADLINE)
                  .stats(stats)
                  .build());
      List<String> keys = IntStream.range(0, 60).mapToObj(i -> "user-" + i).toList();
      // The first decisions open a connection to each master and load the script, which on a busy
      // machine can outlast the 50 ms deadline and fall back: wait for a whole round from Redis,
      // and forget the transitions that cost.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  keys.stream()
                          .allMatch(
                              key -> limiter.tryAcquire(key).source() == Decision.Source.REDIS)
                      && !limiter.isFallingBack()
                      && (stats.transitions.isEmpty()
                          || !stats.transitions.get(stats.transitions.size() - 1)));
      stats.transitions.clear();

      List<String> slow = new CopyOnWriteArrayList<>();
      Set<Decision.Source> sources = ConcurrentHashMap.newKeySet();
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicBoolean lastRoundAllRedis = new AtomicBoolean();
      Thread caller =
          new Thread(
              () -> {
                while (running.get()) {
                  boolean allFromRedis = true;
                  for (String key : keys) {
                    long started = System.nanoTime();
                    Decision decision = limiter.tryAcquire(key);
                    long millis = (System.nanoTime() - started) / 1_000_000;
                    if (millis > DEADLINE.toMillis() + SLACK_MILLIS || !decision.isAllowed()) {
                      slow.add(key + ": " + millis + " ms, " + decision);
                    }
                    sources.add(decision.source());
                    allFromRedis &= decision.source() == Decision.Source.REDIS;
                  }
                  lastRoundAllRedis.set(allFromRedis);
                }
              },
              "rate-limit-caller");
      caller.start();
      try {
        cluster.killMaster(shard);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    sources.contains(Decision.Source.FALLBACK)
                        && lastRoundAllRedis.get()
                        // The dead master's own check, which reaches its replica now, may come up
                        // to a recovery interval after its keys went to the replica.
                        && !limiter.isFallingBack());
      } finally {
        running.set(false);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> !caller.isAlive());
      return new FailoverRun(slow, sources);
    }
  }
}
