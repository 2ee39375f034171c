package dev.securecart.cache.redis;

import static dev.securecart.cache.redis.ClusterBusFailovers.awaitDelivery;
import static dev.securecart.cache.redis.ClusterBusFailovers.connector;
import static dev.securecart.cache.redis.ClusterBusFailovers.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.RedisCluster;
import dev.securecart.core.testing.RedisClusterExtension;
import dev.securecart.core.testing.RespClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The sharded bus's subscription lives on Lettuce's connection to the node that serves the channel.
 * When Redis refuses Lettuce's resubscription on that connection after a reconnect, the bus must
 * notice, keep subscribing until Redis accepts, and report the gap, as it does on a standalone
 * server ({@link RedisInvalidationBusRefusedResubscribeTest}). A user of its own, created on every
 * node and deleted afterwards, keeps the shared Cluster's default user untouched.
 */
@ExtendWith(RedisClusterExtension.class)
final class RedisInvalidationBusShardedRefusedResubscribeTest {

  private final RedisCluster cluster;
  private final String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());
  private final String channel = "sctest:bus-refused-sharded:" + suffix;
  private final String user = "sctest-bus-" + suffix;

  RedisInvalidationBusShardedRefusedResubscribeTest(RedisCluster cluster) {
    this.cluster = cluster;
  }

  @AfterEach
  void deleteUser() {
    for (RedisCluster.Node node : cluster.liveNodes()) {
      try (RespClient admin = RespClient.connect(node.server(), Duration.ofSeconds(2))) {
        admin.call("ACL", "DELUSER", user);
      }
    }
  }

  @Test
  void aRefusedResubscriptionOnTheNodeConnectionIsRetriedUntilAcceptedAndTheGapIsReported() {
    for (RedisCluster.Node node : cluster.liveNodes()) {
      try (RespClient admin = RespClient.connect(node.server(), Duration.ofSeconds(2))) {
        admin.call("ACL", "SETUSER", user, "on", ">secret", "~*", "&*", "+@all");
      }
    }
    List<String> seeds =
        cluster.liveNodes().stream()
            .map(n -> "redis://" + user + ":secret@127.0.0.1:" + n.port())
            .toList();
    RedisCluster.Node owner = cluster.masterFor(channel);
    try (RedisConnector subscriberConnector =
            RedisConnector.create(
                RedisSettings.cluster(seeds)
                    .commandTimeout(Duration.ofMillis(500))
                    .connectTimeout(Duration.ofMillis(500))
                    .build());
        RedisConnector publisherConnector = connector(cluster);
        RedisInvalidationBus subscriber =
            RedisInvalidationBus.create(subscriberConnector, channel);
        RedisInvalidationBus publisher = RedisInvalidationBus.create(publisherConnector, channel);
        RespClient admin = RespClient.connect(owner.server(), Duration.ofSeconds(5))) {
      assertThat(subscriber.isSharded()).isTrue();
      ReceivedInvalidations received = new ReceivedInvalidations();
      subscriber.subscribe(received);
      publisher.publish(message("before")).join();
      await().atMost(Duration.ofSeconds(10)).until(() -> received.targets.contains("before"));

      // The node drops the user's subscribers; Lettuce reconnects its node connection and
      // subscribes again, and the node refuses (-NOPERM), as it refuses the bus's own retries.
      admin.call("ACL", "SETUSER", user, "resetchannels");
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> AclLog.refusedSubscriptions(admin, channel) >= 2); // Lettuce's, the bus's
      assertThat(shardSubscribers(admin)).as("the publisher's own subscription").isEqualTo(1);

      admin.call("ACL", "SETUSER", user, "&*");
      await().atMost(Duration.ofSeconds(20)).until(() -> shardSubscribers(admin) == 2);
      assertThat(received.gaps.get()).as("the gap is reported").isGreaterThanOrEqualTo(1);
      awaitDelivery(publisher, received);
    }
  }

  private long shardSubscribers(RespClient admin) {
    return (Long) admin.callList("PUBSUB", "SHARDNUMSUB", channel).get(1);
  }
}
