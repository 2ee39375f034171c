package dev.securecart.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.core.testing.RedisCluster;
import dev.securecart.core.testing.RedisClusterExtension;
import dev.securecart.core.testing.RedisClusterShape;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisClusterExtension.class)
@RedisClusterShape(replicasPerMaster = 1)
final class RedisConnectorClusterTest {

  private final RedisCluster cluster;

  RedisConnectorClusterTest(RedisCluster cluster) {
    this.cluster = cluster;
  }

  @Test
  void servesEverySlotAndFollowsAFailover() {
    try (RedisConnector connector =
            RedisConnector.create(RedisSettings.cluster(cluster.seedUris().subList(0, 1)).build());
        RedisConnection<String, String> connection = connector.connect()) {
      assertThat(connection.isCluster()).isTrue();
      Map<String, String> written = new HashMap<>();
      for (int i = 0; i < 200; i++) {
        written.put("sctest:cluster-connector:" + i, "v" + i);
      }
      written.forEach(connection.sync()::set);

      cluster.failover(0);
      cluster.failover(2);

      for (Map.Entry<String, String> entry : written.entrySet()) {
        assertThat(connection.sync().get(entry.getKey())).isEqualTo(entry.getValue());
      }
      connection.sync().set("sctest:cluster-connector:after", "ok");
      assertThat(connection.sync().get("sctest:cluster-connector:after")).isEqualTo("ok");
    }
  }

  @Test
  void pubSubReachesASubscriberOnAnotherNode() throws Exception {
    try (RedisConnector connector =
        RedisConnector.create(RedisSettings.cluster(cluster.seedUris()).build())) {
      var subscriber = connector.connectPubSub(io.lettuce.core.codec.StringCodec.UTF8);
      java.util.concurrent.BlockingQueue<String> received =
          new java.util.concurrent.LinkedBlockingQueue<>();
      subscriber.addListener(
          new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
              received.add(message);
            }
          });
      subscriber.sync().subscribe("sctest:cluster-channel");
      try (RedisConnection<String, String> publisher = connector.connect()) {
        // Publish from every master: a message reaches the subscriber whichever node it sits on.
        for (int shard = 0; shard < 3; shard++) {
          String key = "sctest:{route" + shard + "}";
          publisher.sync().publish("sctest:cluster-channel", "m" + shard + key.length());
        }
      }
      for (int i = 0; i < 3; i++) {
        assertThat(received.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
      }
      subscriber.close();
    }
  }
}
