package dev.securecart.cache.redis;

import static dev.securecart.cache.redis.ClusterBusFailovers.awaitDelivery;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.RedisExtension;
import dev.securecart.core.testing.RedisNamespace;
import dev.securecart.core.testing.RespClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A message on the channel that the bus cannot read may have been an invalidation, of any cache on
 * the channel: a newer format during a rolling deploy, say. Dropping it silently would leave every
 * cache serving what it ended, so the bus reports it as a possibly lost message.
 */
@ExtendWith(RedisExtension.class)
final class RedisInvalidationBusUnreadableMessageTest {

  @Test
  void aMessageTheBusCannotReadIsReportedAsPossiblyLost(RedisNamespace ns) {
    String channel = ns.prefix() + "bus";
    try (RedisConnector connector = RedisConnector.create(RedisSettings.of(ns.server().uri()));
        RedisInvalidationBus bus = RedisInvalidationBus.create(connector, channel);
        RespClient raw = RespClient.connect(ns.server(), Duration.ofSeconds(5))) {
      ReceivedInvalidations received = new ReceivedInvalidations();
      bus.subscribe(received);
      awaitDelivery(bus, received); // subscribed
      int gaps = received.gaps.get();

      raw.call("PUBLISH", channel, "2|products|another-node|T|category:shoes");

      await().atMost(Duration.ofSeconds(10)).until(() -> received.gaps.get() == gaps + 1);
      awaitDelivery(bus, received); // and what it can read still arrives
    }
  }
}
