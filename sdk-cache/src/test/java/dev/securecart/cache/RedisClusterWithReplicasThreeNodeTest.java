package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.testing.RedisCluster;
import dev.securecart.core.testing.RedisClusterShape;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The three-node proofs on a local Redis Cluster with one replica per master, and what happens when
 * the master serving the invalidation channel dies.
 */
@RedisClusterShape(replicasPerMaster = 1)
final class RedisClusterWithReplicasThreeNodeTest extends ClusterThreeNodeProofs {

  RedisClusterWithReplicasThreeNodeTest(RedisCluster cluster) {
    super(cluster);
  }

  @Test
  void readsNeverFailAndInvalidationsAndL2ResumeAfterTheChannelsMasterDies() {
    startNodes(false);
    Node a = nodes.get(0);
    Node b = nodes.get(1);
    List<String> keys = IntStream.range(0, 30).mapToObj(i -> "p" + i).toList();
    for (String key : keys) {
      assertThat(a.cache.get(key)).isEqualTo(key + ":v1");
      await().until(() -> b.cache.lookup(key).status() == CacheStatus.FRESH);
    }

    cluster.killMaster(cluster.masterFor(channel()).shard());

    // Reads never fail: from L1, or from the origin when L1 was dropped and L2 is unreachable.
    for (String key : keys) {
      assertThat(b.cache.get(key)).isEqualTo(key + ":v1");
    }
    assertThat(b.cache.get("cold-1")).isEqualTo("cold-1:v1");

    // The bus follows the channel to the new master and reports the gap (B dropped its L1).
    await().atMost(Duration.ofSeconds(60)).until(() -> b.bus.resubscriptions() >= 1);
    assertThat(b.cache.get("p1")).isEqualTo("p1:v1");

    // A message sent now reaches B: its fresh copy of p1 goes, and it reads the new value.
    origin.version = "v2";
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions() // A's L2 may still be on its way back: the call throws, and is retried
        .until(
            () -> {
              a.cache.invalidate("p1");
              return b.cache.get("p1").equals("p1:v2");
            });

    // L2 serves again: a key A loads reaches B from L2, without a second origin call.
    assertThat(a.cache.get("after")).isEqualTo("after:v2");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> b.store.read("products", "after").join().entry().isPresent());
    assertThat(b.cache.lookup("after").status()).isEqualTo(CacheStatus.FRESH);
    assertThat(origin.calls("after")).isEqualTo(1);
  }
}
