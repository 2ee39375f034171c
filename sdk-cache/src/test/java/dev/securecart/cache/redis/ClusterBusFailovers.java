package dev.securecart.cache.redis;

import static org.awaitility.Awaitility.await;

import dev.securecart.cache.CacheStatsCounter.InvalidationKind;
import dev.securecart.cache.Invalidation;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.RedisCluster;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** What the bus tests that break and restore its Redis share. */
final class ClusterBusFailovers {

  private ClusterBusFailovers() {}

  /** A connector to {@code cluster} with short timeouts and a topology refresh every second. */
  static RedisConnector connector(RedisCluster cluster) {
    return RedisConnector.create(
        RedisSettings.cluster(cluster.seedUris())
            .commandTimeout(Duration.ofMillis(500))
            .connectTimeout(Duration.ofMillis(500))
            .topologyRefreshPeriod(Duration.ofSeconds(1))
            .build());
  }

  /** A tag invalidation of {@code target}. */
  static Invalidation message(String target) {
    return new Invalidation("products", "publisher", InvalidationKind.TAG, target);
  }

  /**
   * Publishes a new message every 200 ms until one arrives: publishing fails or reaches nobody
   * until both sides follow the new topology.
   */
  static void awaitDelivery(RedisInvalidationBus publisher, ReceivedInvalidations received) {
    AtomicInteger attempt = new AtomicInteger();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              publisher
                  .publish(message("after-" + attempt.incrementAndGet()))
                  .exceptionally(error -> null)
                  .get();
              return received.targets.stream().anyMatch(t -> t.startsWith("after-"));
            });
  }
}
