package dev.securecart.cache.redis;

import static dev.securecart.cache.redis.ClusterBusFailovers.awaitDelivery;
import static dev.securecart.cache.redis.ClusterBusFailovers.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.FaultProxy;
import dev.securecart.core.testing.RedisExtension;
import dev.securecart.core.testing.RedisNamespace;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A subscriber's server that vanishes without a reset (a network partition, a Redis pod replaced
 * behind the same address) leaves the subscription looking alive: a subscriber writes nothing, so
 * nothing on it ever times out. The bus pings it, the connector closes a connection whose pings go
 * unanswered, and the renewed subscription reports the gap.
 */
@ExtendWith(RedisExtension.class)
final class RedisInvalidationBusSilentServerTest {

  @Test
  void aSubscriptionWhoseServerVanishedIsRenewedAndReportsTheGap(RedisNamespace ns) {
    String channel = ns.prefix() + "bus";
    try (FaultProxy proxy = FaultProxy.startFor(ns.server());
        RedisConnector viaProxy =
            RedisConnector.create(
                RedisSettings.builder(proxy.proxied(ns.server()).uri())
                    .commandTimeout(Duration.ofMillis(500))
                    .unansweredTimeout(Duration.ofSeconds(2))
                    .build());
        RedisConnector direct = RedisConnector.create(RedisSettings.of(ns.server().uri()));
        RedisInvalidationBus listening = RedisInvalidationBus.create(viaProxy, channel);
        RedisInvalidationBus publishing = RedisInvalidationBus.create(direct, channel)) {
      ReceivedInvalidations received = new ReceivedInvalidations();
      listening.subscribe(received);
      publishing.publish(message("before")).join();
      await().atMost(Duration.ofSeconds(10)).until(() -> received.targets.contains("before"));
      int gaps = received.gaps.get();

      proxy.abandonConnections();
      publishing.publish(message("while-gone")).join();

      await().atMost(Duration.ofSeconds(20)).until(() -> received.gaps.get() > gaps);
      assertThat(listening.resubscriptions()).isGreaterThanOrEqualTo(1);
      awaitDelivery(publishing, received); // heard again
    }
  }
}
