package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.testing.RedisCluster;
import dev.securecart.core.testing.RespClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The three-node proofs on a real local Redis Cluster (3 masters, no replicas). */
final class RedisClusterThreeNodeTest extends ClusterThreeNodeProofs {

  RedisClusterThreeNodeTest(RedisCluster cluster) {
    super(cluster);
  }

  @Test
  void aNodeWhosePubSubConnectionWasKilledDropsItsL1AndServesTheNewValue() {
    startNodes(false);
    Node victim = nodes.get(1);
    assertThat(victim.cache.get("p1")).isEqualTo("p1:v1");

    int killed = 0;
    for (RedisCluster.Node node : cluster.liveNodes()) {
      try (RespClient redis = RespClient.connect(node.server(), Duration.ofSeconds(5))) {
        for (String line : redis.callString("CLIENT", "LIST").lines().toList()) {
          if (line.contains(" name=" + victim.name + " ")
              && line.matches(".* flags=[A-Za-z]*P[A-Za-z]* .*")) {
            redis.call("CLIENT", "KILL", "ID", line.substring(3, line.indexOf(' ')));
            killed++;
          }
        }
      }
    }
    assertThat(killed).isEqualTo(1);
    origin.version = "v2";
    nodes.get(0).cache.invalidate("p1");

    // Whether the message arrived before the kill took effect or was lost and the reconnect
    // dropped L1, the victim must not serve the old value once its subscription is back.
    await().atMost(Duration.ofSeconds(60)).until(() -> victim.bus.resubscriptions() >= 1);
    assertThat(victim.cache.get("p1")).isEqualTo("p1:v2");
  }

  @Test
  void theBusUsesShardedPubSubAndFollowsItsChannelWhenTheSlotMoves() {
    startNodes(false);
    assertThat(nodes).allSatisfy(node -> assertThat(node.bus.isSharded()).isTrue());
    Node receiver = nodes.get(1);
    assertThat(receiver.cache.get("p1")).isEqualTo("p1:v1");

    RedisCluster.Node source = cluster.masterFor(channel());
    RedisCluster.Node target =
        cluster.liveNodes().stream()
            .filter(n -> n.isMaster() && !n.id().equals(source.id()))
            .findFirst()
            .orElseThrow();
    String slot;
    try (RespClient redis = RespClient.connect(source.server(), Duration.ofSeconds(5))) {
      slot = String.valueOf(redis.call("CLUSTER", "KEYSLOT", channel()));
      assertThat(redis.call("CLUSTER", "COUNTKEYSINSLOT", slot)).isEqualTo(0L);
    }
    // An empty slot moves without MIGRATE: importing, migrating, then every node learns the owner.
    call(target, "CLUSTER", "SETSLOT", slot, "IMPORTING", source.id());
    call(source, "CLUSTER", "SETSLOT", slot, "MIGRATING", target.id());
    for (RedisCluster.Node node : cluster.liveNodes()) {
      call(node, "CLUSTER", "SETSLOT", slot, "NODE", target.id());
    }

    // Redis ends every subscription to the channel on the old owner; each bus subscribes again at
    // the new one and reports the gap, so each cache drops its L1.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> nodes.stream().allMatch(node -> node.bus.resubscriptions() >= 1));
    try (RespClient redis = RespClient.connect(target.server(), Duration.ofSeconds(5))) {
      assertThat(redis.callList("PUBSUB", "SHARDNUMSUB", channel())).containsExactly(channel(), 3L);
    }
    assertThat(receiver.cache.get("p1")).isEqualTo("p1:v1");

    // Messages published after the move reach the other nodes through the new owner.
    origin.version = "v2";
    nodes.get(0).cache.invalidate("p1");
    await().atMost(Duration.ofSeconds(30)).until(() -> receiver.stats.count("received.KEY") >= 1);
    assertThat(receiver.cache.get("p1")).isEqualTo("p1:v2");
  }

  private static void call(RedisCluster.Node node, String... command) {
    try (RespClient redis = RespClient.connect(node.server(), Duration.ofSeconds(5))) {
      redis.call(command);
    }
  }
}
