package dev.securecart.cache;

import dev.securecart.core.testing.FakeClock;
import java.time.Duration;

final class InMemoryCacheStoreTest extends CacheStoreContractTest {

  private final FakeClock clock = FakeClock.create();
  private final CacheStore store = CacheStore.inMemory(clock);

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
    return clock.millis();
  }

  @Override
  void elapse(Duration duration) {
    clock.advance(duration);
  }
}
