package dev.securecart.cache.redis;

import static dev.securecart.cache.redis.ClusterBusFailovers.awaitDelivery;
import static dev.securecart.cache.redis.ClusterBusFailovers.connector;
import static dev.securecart.cache.redis.ClusterBusFailovers.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.testing.RedisCluster;
import dev.securecart.core.testing.RedisClusterExtension;
import dev.securecart.core.testing.RedisClusterShape;
import dev.securecart.core.testing.RespClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The classic pub/sub bus, which a Cluster before Redis 7.0 gets, when the node its subscription
 * sits on dies. Classic pub/sub is not tied to a slot: Lettuce subscribes on its default
 * connection, whichever node that is, and must move the subscription when that node dies. In its
 * own class because it kills a node of its own cluster.
 */
@ExtendWith(RedisClusterExtension.class)
@RedisClusterShape(replicasPerMaster = 1)
final class RedisInvalidationBusClassicFailoverTest {

  private final RedisCluster cluster;
  private final String channel =
      "sctest:bus-classic:" + Long.toHexString(ThreadLocalRandom.current().nextLong());

  RedisInvalidationBusClassicFailoverTest(RedisCluster cluster) {
    this.cluster = cluster;
  }

  /** The live nodes on which the channel has a classic subscriber. */
  private List<RedisCluster.Node> subscribedNodes() {
    return cluster.liveNodes().stream()
        .filter(
            node -> {
              try (RespClient redis = RespClient.connect(node.server(), Duration.ofSeconds(2))) {
                return (Long) redis.callList("PUBSUB", "NUMSUB", channel).get(1) > 0;
              }
            })
        .toList();
  }

  @Test
  void whenTheSubscribersNodeDiesTheBusSubscribesOnAnotherNodeAndReportsTheGap() {
    try (RedisConnector subscriberConnector = connector(cluster);
        RedisConnector publisherConnector = connector(cluster);
        RedisInvalidationBus subscriber =
            RedisInvalidationBus.createClassic(subscriberConnector, channel)) {
      // Found before the publishing bus opens: it subscribes too, possibly elsewhere.
      List<RedisCluster.Node> before = subscribedNodes();
      assertThat(before).as("the one node holding the subscription").hasSize(1);
      RedisCluster.Node dead = before.get(0);
      assertThat(subscriber.isSharded()).isFalse();
      ReceivedInvalidations received = new ReceivedInvalidations();
      subscriber.subscribe(received);
      try (RedisInvalidationBus publisher =
          RedisInvalidationBus.createClassic(publisherConnector, channel)) {
        killAndAwaitDelivery(dead, publisher, received);
      }
    }
  }

  private void killAndAwaitDelivery(
      RedisCluster.Node dead, RedisInvalidationBus publisher, ReceivedInvalidations received) {
    publisher.publish(message("before")).join();
    await().atMost(Duration.ofSeconds(10)).until(() -> received.targets.contains("before"));

    cluster.kill(dead);

    awaitDelivery(publisher, received);
    assertThat(received.gaps.get()).as("the gap is reported").isGreaterThanOrEqualTo(1);
    assertThat(subscribedNodes()).as("live nodes holding the subscriptions").isNotEmpty();
  }
}
