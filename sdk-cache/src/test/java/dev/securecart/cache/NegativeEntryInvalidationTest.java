package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.core.testing.FakeClock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A "not found" cached for longer than the positive lifetime, then invalidated by its tag when the
 * product is created: the invalidation must hide the L2 entry for as long as the entry lives, not
 * only for the positive lifetime, or every node that misses L1 reads "not found" again.
 */
final class NegativeEntryInvalidationTest {

  private final FakeClock clock = FakeClock.create();
  private final AtomicInteger originCalls = new AtomicInteger();
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private volatile boolean exists;

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private LayeredCache<String, String> node(CacheStore store, InvalidationBus bus) {
    CachePolicy policy =
        CachePolicy.builder()
            .freshFor(Duration.ofSeconds(30))
            .negativeTtl(Duration.ofMinutes(30))
            .build();
    return FakeTimeNodes.builder(policy, clock, executor, store, bus)
        .loader(
            key -> {
              originCalls.incrementAndGet();
              return exists
                  ? Loaded.of("product 42, 19.99 EUR", Set.of("product:42"))
                  : Loaded.notFound(Set.of("product:42"));
            })
        .build();
  }

  @Test
  void aTagInvalidatedNotFoundStaysHiddenInL2ForItsWholeLifetime() {
    CacheStore store = CacheStore.inMemory(clock);
    InvalidationBus bus = InvalidationBus.inProcess();
    LayeredCache<String, String> a = node(store, bus);
    assertThat(a.lookup("p42").value()).as("not found, cached in L1 and L2").isEmpty();

    exists = true;
    a.invalidateTag("product:42");
    int callsBefore = originCalls.get();

    // Well inside the 30 min negativeTtl, well past the positive lifetime and the minimum
    // retention: a node without the key in L1 reads L2.
    clock.advance(Duration.ofMinutes(5));
    LayeredCache<String, String> c = node(store, bus);
    assertThat(c.lookup("p42").value()).contains("product 42, 19.99 EUR");
    assertThat(originCalls.get() - callsBefore).as("origin asked again").isEqualTo(1);
  }
}
