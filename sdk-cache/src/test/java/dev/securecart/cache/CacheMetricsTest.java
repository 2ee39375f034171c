package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.core.testing.FakeClock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class CacheMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final FakeClock clock = FakeClock.create();
  private final TestOrigin origin = new TestOrigin();

  private LayeredCache<String, String> cache(InvalidationBus bus) {
    return LayeredCache.<String, String>builder(
            "products",
            CachePolicy.builder()
                .freshFor(Duration.ofSeconds(60))
                .staleWhileRevalidate(Duration.ofMinutes(1))
                .staleIfError(Duration.ofMinutes(1))
                .build())
        .loader(origin)
        .ticker(clock)
        .clock(clock)
        .executor(Runnable::run)
        .invalidationBus(bus)
        .statsCounter(CacheMetrics.factory(registry))
        .build();
  }

  private double count(String name, String... tags) {
    return registry.get(name).tags("cache", "products").tags(tags).counter().count();
  }

  @Test
  void readsLoadsAndStaleServesAreCountedByLayerAndResult() {
    LayeredCache<String, String> cache = cache(InvalidationBus.inProcess());
    cache.get("p1");
    cache.get("p1");
    clock.advance(Duration.ofSeconds(61));
    cache.get("p1"); // stale; the direct executor refreshes at once

    assertThat(count(CacheMetricNames.DEFAULT_GETS, "layer", "l1", "result", "hit")).isEqualTo(1);
    assertThat(count(CacheMetricNames.DEFAULT_GETS, "layer", "l1", "result", "stale")).isEqualTo(1);
    assertThat(
            registry
                .get(CacheMetricNames.DEFAULT_LOADS)
                .tags("cache", "products", "result", "success")
                .timer()
                .count())
        .isEqualTo(2);
  }

  @Test
  void anL1EntryReadInItsStaleIfErrorWindowCountsAsStaleNotAsAMiss() {
    LayeredCache<String, String> cache = cache(InvalidationBus.inProcess());
    cache.get("p1"); // miss, loaded
    clock.advance(Duration.ofSeconds(61 + 60)); // past stale-while-revalidate: stale-if-error

    assertThat(cache.lookup("p1").status()).isEqualTo(CacheStatus.MISS_LOADED);
    assertThat(count(CacheMetricNames.DEFAULT_GETS, "layer", "l1", "result", "stale")).isEqualTo(1);
    assertThat(count(CacheMetricNames.DEFAULT_GETS, "layer", "l1", "result", "miss")).isEqualTo(1);
  }

  @Test
  void invalidationsAreCountedBothWaysAndNoMeterIsTaggedWithAKey() {
    InvalidationBus bus = InvalidationBus.inProcess();
    LayeredCache<String, String> a = cache(bus);
    cache(bus);
    a.get("p1");

    a.invalidate("p1");
    a.invalidateTag("category:shoes");

    assertThat(count(CacheMetricNames.DEFAULT_INVALIDATIONS, "direction", "sent", "kind", "key"))
        .isEqualTo(1);
    assertThat(
            count(CacheMetricNames.DEFAULT_INVALIDATIONS, "direction", "received", "kind", "tag"))
        .isEqualTo(1);
    for (Meter meter : registry.getMeters()) {
      assertThat(meter.getId().getName()).startsWith("securecart.cache.");
      assertThat(meter.getId().getTags())
          .allSatisfy(tag -> assertThat(tag.getValue()).doesNotContain("p1", "shoes"));
    }
  }
}
