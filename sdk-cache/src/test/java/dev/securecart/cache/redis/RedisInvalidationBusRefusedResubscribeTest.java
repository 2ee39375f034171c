package dev.securecart.cache.redis;

import static dev.securecart.cache.redis.ClusterBusFailovers.awaitDelivery;
import static dev.securecart.cache.redis.ClusterBusFailovers.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.RedisProcess;
import dev.securecart.core.testing.RedisServerLocator;
import dev.securecart.core.testing.RespClient;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Lettuce subscribes again by itself after a reconnect, but when Redis refuses that it only logs
 * it: the bus must notice the missing confirmation, keep subscribing until Redis accepts, and
 * report the gap. An ACL change stands in for any refusal ({@code -BUSY} during a long script,
 * {@code -CLUSTERDOWN}); it needs a server of its own.
 */
final class RedisInvalidationBusRefusedResubscribeTest {

  private static final String CHANNEL = "sctest:bus-refused";

  @Test
  void aRefusedResubscriptionIsRetriedUntilAcceptedAndTheGapIsReported() {
    Path binary =
        RedisServerLocator.fromEnvironment()
            .redisServerOnPath()
            .orElseThrow(() -> new IllegalStateException("redis-server is not on PATH"));
    try (RedisProcess redis = RedisProcess.start(binary);
        RespClient admin = RespClient.connect(redis.server(), Duration.ofSeconds(5))) {
      admin.call("ACL", "SETUSER", "bus", "on", ">secret", "~*", "&*", "+@all");
      String uri = "redis://bus:secret@127.0.0.1:" + redis.port();
      try (RedisConnector subscriberConnector = RedisConnector.create(RedisSettings.of(uri));
          RedisConnector publisherConnector = RedisConnector.create(RedisSettings.of(uri));
          RedisInvalidationBus subscriber =
              RedisInvalidationBus.create(subscriberConnector, CHANNEL);
          RedisInvalidationBus publisher =
              RedisInvalidationBus.create(publisherConnector, CHANNEL)) {
        ReceivedInvalidations received = new ReceivedInvalidations();
        subscriber.subscribe(received);
        publisher.publish(message("before")).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> received.targets.contains("before"));

        // Redis drops the subscribers of channels the user may no longer use; Lettuce reconnects
        // and subscribes again, and Redis refuses (-NOPERM), as it refuses the bus's own retries.
        admin.call("ACL", "SETUSER", "bus", "resetchannels");
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    AclLog.refusedSubscriptions(admin, CHANNEL) >= 2); // Lettuce's, then the bus's
        assertThat(numberOfSubscribers(admin)).isZero();

        admin.call("ACL", "SETUSER", "bus", "&*");
        await().atMost(Duration.ofSeconds(20)).until(() -> numberOfSubscribers(admin) == 2);
        assertThat(received.gaps.get()).as("the gap is reported").isGreaterThanOrEqualTo(1);
        awaitDelivery(publisher, received);
      }
    }
  }

  private static long numberOfSubscribers(RespClient admin) {
    return (Long) admin.callList("PUBSUB", "NUMSUB", CHANNEL).get(1);
  }
}
