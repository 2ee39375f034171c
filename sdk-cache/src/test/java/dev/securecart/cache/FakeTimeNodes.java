package dev.securecart.cache;

import dev.securecart.core.testing.FakeClock;
import java.util.concurrent.Executor;

/** Cache nodes for tests on fake time that share an L2 store and an invalidation bus. */
final class FakeTimeNodes {

  private FakeTimeNodes() {}

  /** A "products" cache builder on {@code clock}, with the store, bus and executor set. */
  static LayeredCache.Builder<String, String> builder(
      CachePolicy policy,
      FakeClock clock,
      Executor executor,
      CacheStore store,
      InvalidationBus bus) {
    return LayeredCache.<String, String>builder("products", policy)
        .ticker(clock)
        .clock(clock)
        .executor(executor)
        .sharedStore(store, Codec.utf8())
        .invalidationBus(bus);
  }
}
