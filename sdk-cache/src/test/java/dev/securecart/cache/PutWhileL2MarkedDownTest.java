package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.cache.internal.LayeredCacheImpl;
import dev.securecart.core.testing.FakeClock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A {@code put} on a node that has marked L2 down after one failed read (it skips L2 reads for the
 * retry interval): the put must still invalidate the key in L2, or the other nodes, told by the bus
 * to drop the key, reload the old value from L2 and serve it for its whole lifetime.
 */
final class PutWhileL2MarkedDownTest {

  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final FakeClock clock = FakeClock.create();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private LayeredCache<String, String> node(CacheStore store, InvalidationBus bus) {
    return FakeTimeNodes.builder(
            CachePolicy.builder().freshFor(Duration.ofMinutes(10)).build(),
            clock,
            executor,
            store,
            bus)
        .loader(key -> Loaded.of(key + "@19.99"))
        .build();
  }

  @Test
  void aPutReachesL2AndEveryNodeEvenWhileItsNodeSkipsL2Reads() {
    CacheStore shared = CacheStore.inMemory(clock);
    ControlledStore flaky = new ControlledStore(shared);
    InvalidationBus bus = InvalidationBus.inProcess();
    LayeredCache<String, String> a = node(flaky, bus);
    LayeredCache<String, String> b = node(shared, bus);
    assertThat(b.get("p1")).isEqualTo("p1@19.99"); // in B's L1 and in L2

    flaky.failNextRead();
    a.get("other");
    assertThat(((LayeredCacheImpl<?, ?>) a).isL2Down()).as("A skips L2 for a while").isTrue();

    a.put("p1", "p1@24.99");

    await().atMost(Duration.ofSeconds(10)).until(() -> "p1@24.99".equals(b.get("p1")));
    assertThat(a.get("p1")).isEqualTo("p1@24.99");
  }
}
