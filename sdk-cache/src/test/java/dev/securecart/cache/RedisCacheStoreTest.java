package dev.securecart.cache;

import dev.securecart.cache.redis.RedisCacheStore;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.RedisExtension;
import dev.securecart.core.testing.RedisNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisExtension.class)
final class RedisCacheStoreTest extends CacheStoreContractTest {

  private RedisConnector connector;
  private RedisCacheStore store;

  @BeforeEach
  void connect(RedisNamespace ns) {
    connector = RedisConnector.create(RedisSettings.of(ns.server().uri()));
    store = RedisCacheStore.builder(connector).keyPrefix(ns.prefix()).build();
  }

  @AfterEach
  void disconnect() {
    store.close();
    connector.close();
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
