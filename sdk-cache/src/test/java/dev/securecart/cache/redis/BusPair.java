package dev.securecart.cache.redis;

import static dev.securecart.cache.redis.ClusterBusFailovers.message;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.redis.RedisConnector;
import java.time.Duration;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Two nodes' buses on one channel, each on a connector of its own: one publishes, the other's
 * deliveries are recorded. Returned open once a first message went through.
 */
final class BusPair implements AutoCloseable {

  final RedisInvalidationBus publisher;
  final RedisInvalidationBus subscriber;
  final ReceivedInvalidations received = new ReceivedInvalidations();
  private final RedisConnector publisherConnector;
  private final RedisConnector subscriberConnector;

  private BusPair(
      RedisConnector publisherConnector,
      RedisConnector subscriberConnector,
      RedisInvalidationBus publisher,
      RedisInvalidationBus subscriber) {
    this.publisherConnector = publisherConnector;
    this.subscriberConnector = subscriberConnector;
    this.publisher = publisher;
    this.subscriber = subscriber;
  }

  static BusPair open(Supplier<RedisConnector> connectors, String channel) {
    RedisConnector publisherConnector = connectors.get();
    @Nullable RedisConnector subscriberConnector = null;
    @Nullable RedisInvalidationBus publisher = null;
    @Nullable RedisInvalidationBus subscriber = null;
    try {
      subscriberConnector = connectors.get();
      publisher = RedisInvalidationBus.create(publisherConnector, channel);
      subscriber = RedisInvalidationBus.create(subscriberConnector, channel);
      BusPair pair = new BusPair(publisherConnector, subscriberConnector, publisher, subscriber);
      subscriber.subscribe(pair.received);
      publisher.publish(message("before")).join();
      await().atMost(Duration.ofSeconds(10)).until(() -> pair.received.targets.contains("before"));
      return pair;
    } catch (RuntimeException | Error e) {
      closeAll(subscriber, publisher, subscriberConnector, publisherConnector);
      throw e;
    }
  }

  @Override
  public void close() {
    closeAll(subscriber, publisher, subscriberConnector, publisherConnector);
  }

  private static void closeAll(@Nullable AutoCloseable... resources) {
    for (AutoCloseable resource : resources) {
      if (resource != null) {
        try {
          resource.close();
        } catch (Exception e) {
          throw new IllegalStateException("closing " + resource + " failed", e);
        }
      }
    }
  }
}
