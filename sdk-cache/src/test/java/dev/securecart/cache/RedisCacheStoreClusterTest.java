package dev.securecart.cache;

import dev.securecart.cache.redis.RedisCacheStore;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.RedisCluster;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** The store contract on a real 3-master Redis Cluster: no command may cross slots. */
final class RedisCacheStoreClusterTest extends CacheStoreContractTest {

  private static RedisCluster cluster;
  private RedisConnector connector;
  private RedisCacheStore store;
  private String prefix;

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

  @BeforeEach
  void connect() {
    prefix =
        "sctest:cluster-store:" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";
    connector = RedisConnector.create(RedisSettings.cluster(cluster.seedUris()).build());
    store = RedisCacheStore.builder(connector).keyPrefix(prefix).build();
  }

  @AfterEach
  void disconnect() {
    store.close();
    connector.close();
    cluster.deleteKeys(prefix);
  }

  @Override
  CacheStore store() {
    return store;
  }

  @Override
  String cache() {
    return "products";
  }

  @Override
  long now() {
    return System.currentTimeMillis();
  }
}
