package dev.securecart.core.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.core.idempotency.BeginResult.Completed;
import dev.securecart.core.idempotency.BeginResult.InProgress;
import dev.securecart.core.idempotency.BeginResult.Started;
import dev.securecart.core.idempotency.IdempotencyStore;
import dev.securecart.core.idempotency.IdempotencyStoreContractTest;
import dev.securecart.core.redis.RedisConnection;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.RedisCluster;
import dev.securecart.core.testing.RespClient;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The Redis store against the contract on a local Redis Cluster of three masters with a replica
 * each; the two "nodes" are Cluster connections from two connectors, seeded from different nodes.
 */
final class RedisClusterIdempotencyStoreTest extends IdempotencyStoreContractTest {

  private static final Duration IO = Duration.ofSeconds(5);

  private static RedisCluster cluster;
  private static RedisConnector nodeA;
  private static RedisConnector nodeB;
  private static RedisConnection<byte[], byte[]> connectionA;
  private static RedisConnection<byte[], byte[]> connectionB;

  private final String prefix =
      "sctest:RedisClusterIdempotencyStoreTest:"
          + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL)
          + ":";

  @BeforeAll
  static void startCluster() {
    cluster = RedisCluster.start(3, 1);
    nodeA = RedisConnector.create(RedisSettings.cluster(cluster.seedUris().subList(0, 1)).build());
    nodeB = RedisConnector.create(RedisSettings.cluster(cluster.seedUris().subList(1, 2)).build());
    connectionA = nodeA.connect(ByteArrayCodec.INSTANCE);
    connectionB = nodeB.connect(ByteArrayCodec.INSTANCE);
  }

  @AfterAll
  static void stopCluster() {
    for (AutoCloseable closeable :
        new AutoCloseable[] {connectionA, connectionB, nodeA, nodeB, cluster}) {
      try {
        if (closeable != null) {
          if (closeable == cluster) {
            cluster.deleteKeys("sctest:RedisClusterIdempotencyStoreTest:");
          }
          closeable.close();
        }
      } catch (Exception ignored) {
        // best effort: the next closeable still gets its turn
      }
    }
  }

  @BeforeEach
  void clusterIsHealthy() {
    cluster.awaitHealthy();
  }

  @AfterEach
  void deleteKeys() {
    cluster.deleteKeys(prefix);
  }

  @Override
  protected IdempotencyStore newStore(Duration lease, Duration retention) {
    return storeOn(connectionA, lease, retention);
  }

  @Override
  protected IdempotencyStore storeOnAnotherNode(Duration lease, Duration retention) {
    return storeOn(connectionB, lease, retention);
  }

  private IdempotencyStore storeOn(
      RedisConnection<byte[], byte[]> connection, Duration lease, Duration retention) {
    assertThat(connection.isCluster()).isTrue();
    return RedisIdempotencyStore.builder(connection)
        .keyPrefix(prefix)
        .lease(lease)
        .retention(retention)
        .clock(clock)
        .build();
  }

  private String redisKey(String key) {
    return ((RedisIdempotencyStore) store()).redisKey(key(key));
  }

  @Nested
  @DisplayName("in a Redis Cluster")
  class InACluster {

    @Test
    @DisplayName(
        "an entry shares its slot with any name that begins with its own, and keys spread over every"
            + " shard, braces or not")
    void entriesShareTheirSlotWithCompanionsAndSpreadOverEveryShard() {
      Set<Integer> shards = new HashSet<>();
      try (RespClient redis = RespClient.connect(cluster.liveNodes().get(0).server(), IO)) {
        for (int i = 0; i < 60; i++) {
          String key = i % 2 == 0 ? "order-" + i : "a}" + i;
          started(store().begin(key(key), CHARGE_10));
          String redisKey = redisKey(key);

          assertThat(redis.call("CLUSTER", "KEYSLOT", redisKey + ":companion"))
              .isEqualTo(redis.call("CLUSTER", "KEYSLOT", redisKey));
          RedisCluster.Node owner = cluster.masterFor(redisKey);
          try (RespClient master = RespClient.connect(owner.server(), IO)) {
            assertThat(master.call("EXISTS", redisKey)).isEqualTo(1L);
          }
          shards.add(owner.shard());
        }
      }
      assertThat(shards).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    @DisplayName(
        "a key keeps its state across a failover of its shard, and the new master gets the scripts")
    void aKeyKeepsItsStateAcrossAFailover() {
      String redisKey = redisKey("order-1");
      int shard = cluster.masterFor(redisKey).shard();
      Started started = started(store().begin(key("order-1"), CHARGE_10));
      // Let the replica catch up before it is promoted (CLUSTER FAILOVER waits for the offset too).
      try (RespClient master = RespClient.connect(cluster.master(shard).server(), IO)) {
        master.call("WAIT", "1", "5000");
      }

      cluster.failover(shard);

      assertThat(otherNode().begin(key("order-1"), CHARGE_10)).isInstanceOf(InProgress.class);
      assertThat(store().complete(key("order-1"), started.token(), CHARGED)).isTrue();
      assertThat(otherNode().begin(key("order-1"), CHARGE_10)).isEqualTo(new Completed(CHARGED));
    }

    @Test
    @DisplayName("a node that forgot the scripts gets them again with EVAL")
    void aNodeThatForgotTheScriptsGetsThemAgain() {
      Started started = started(store().begin(key("order-1"), CHARGE_10));
      for (RedisCluster.Node node : cluster.liveNodes()) {
        try (RespClient redis = RespClient.connect(node.server(), IO)) {
          redis.call("SCRIPT", "FLUSH");
        }
      }

      assertThat(store().complete(key("order-1"), started.token(), CHARGED)).isTrue();
      assertThat(otherNode().begin(key("order-1"), CHARGE_10)).isEqualTo(new Completed(CHARGED));
    }
  }
}
