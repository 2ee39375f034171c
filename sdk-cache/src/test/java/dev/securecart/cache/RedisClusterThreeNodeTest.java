package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.RedisCluster;
import dev.securecart.core.testing.RespClient;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The three-node proofs on a real local Redis Cluster (3 masters). */
final class RedisClusterThreeNodeTest extends ThreeNodeProofs {

  private static RedisCluster cluster;
  private final String prefix =
      "sctest:cluster-cache:" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";

  @BeforeAll
  static void startCluster() {
    cluster = RedisCluster.start(3, 0);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @AfterEach
  void deleteKeys() {
    cluster.deleteKeys(prefix);
  }

  @Override
  RedisSettings.Builder settings(int node) {
    return RedisSettings.cluster(cluster.seedUris());
  }

  @Override
  String prefix() {
    return prefix;
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
}
