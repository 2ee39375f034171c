package dev.securecart.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(RedisClusterExtension.class)
@RedisClusterShape(replicasPerMaster = 1)
final class RedisClusterTest {

  private final RedisCluster cluster;

  RedisClusterTest(RedisCluster cluster) {
    this.cluster = cluster;
  }

  @Test
  @Order(1)
  void formsAHealthyClusterOfThreeMastersWithOneReplicaEach() {
    assertThat(cluster.nodes()).hasSize(6);
    assertThat(cluster.shardCount()).isEqualTo(3);
    for (int shard = 0; shard < 3; shard++) {
      assertThat(cluster.master(shard).isMaster()).isTrue();
      assertThat(cluster.replica(shard)).isPresent();
    }
    for (RedisCluster.Node node : cluster.nodes()) {
      try (RespClient redis = RespClient.connect(node.server(), Duration.ofSeconds(5))) {
        assertThat(redis.callString("CLUSTER", "INFO"))
            .contains("cluster_state:ok")
            .contains("cluster_slots_assigned:16384")
            .contains("cluster_known_nodes:6");
      }
    }
  }

  @Test
  @Order(2)
  void servesKeysFromTheMasterThatOwnsTheirSlot() {
    String key = "sctest:cluster:{k}";
    RedisCluster.Node owner = cluster.masterFor(key);
    try (RespClient redis = RespClient.connect(owner.server(), Duration.ofSeconds(5))) {
      redis.call("SET", key, "v");
      assertThat(redis.call("GET", key)).isEqualTo("v");
    }
    cluster.deleteKeys("sctest:cluster:");
  }

  @Test
  @Order(3)
  void failsOverAMasterToItsReplicaOnRequest() {
    RedisCluster.Node oldMaster = cluster.master(0);
    RedisCluster.Node replica = cluster.replica(0).orElseThrow();

    RedisCluster.Node newMaster = cluster.failover(0);

    assertThat(newMaster.id()).isEqualTo(replica.id());
    assertThat(newMaster.isMaster()).isTrue();
    assertThat(oldMaster.isMaster()).isFalse();
    assertThat(cluster.master(0).id()).isEqualTo(replica.id());
  }

  @Test
  @Order(4)
  void promotesTheReplicaWhenAMasterIsKilled() {
    RedisCluster.Node killed = cluster.killMaster(1);

    assertThat(killed.isAlive()).isFalse();
    RedisCluster.Node promoted = cluster.master(1);
    assertThat(promoted.id()).isNotEqualTo(killed.id());
    try (RespClient redis = RespClient.connect(promoted.server(), Duration.ofSeconds(5))) {
      assertThat(redis.callString("CLUSTER", "INFO")).contains("cluster_state:ok");
    }
    assertThat(cluster.seedUris()).hasSize(5);
  }
}
