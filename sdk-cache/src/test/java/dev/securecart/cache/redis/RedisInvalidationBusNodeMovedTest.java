package dev.securecart.cache.redis;

import static dev.securecart.cache.redis.ClusterBusFailovers.awaitDelivery;
import static dev.securecart.cache.redis.ClusterBusFailovers.connector;
import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.core.testing.RedisCluster;
import dev.securecart.core.testing.RedisClusterExtension;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The master that serves the channel comes back with its id at another address, as a restarted pod
 * with a new IP does. Lettuce drops its connection to the old address, and with it the sharded
 * subscription; the bus must subscribe again on the new one. A cluster of its own: a master without
 * a replica is down for a while.
 */
@ExtendWith(RedisClusterExtension.class)
final class RedisInvalidationBusNodeMovedTest {

  private final RedisCluster cluster;
  private final String channel =
      "sctest:bus-moved:" + Long.toHexString(ThreadLocalRandom.current().nextLong());

  RedisInvalidationBusNodeMovedTest(RedisCluster cluster) {
    this.cluster = cluster;
  }

  @Test
  void whenTheChannelsMasterComesBackAtANewAddressTheBusSubscribesThere() {
    try (BusPair buses = BusPair.open(() -> connector(cluster), channel)) {
      RedisCluster.Node owner = cluster.masterFor(channel);
      int oldPort = owner.port();
      cluster.kill(owner);
      cluster.restartOnNewPort(owner);
      assertThat(owner.port()).isNotEqualTo(oldPort);

      awaitDelivery(buses.publisher, buses.received);
      assertThat(buses.received.gaps.get()).as("the gap is reported").isGreaterThanOrEqualTo(1);
    }
  }
}
