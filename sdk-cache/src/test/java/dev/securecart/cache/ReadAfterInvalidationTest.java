package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.core.testing.FakeClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A reader who starts after {@code invalidate(key)} returned, while a load of the key that began
 * before the invalidation is still running: it must not be handed that load's result (nor, when the
 * origin fails, the invalidated copy that load fell back on), but wait for a load of its own.
 */
final class ReadAfterInvalidationTest {

  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final FakeClock clock = FakeClock.create();
  private final CountDownLatch firstLoadRead = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger loads = new AtomicInteger();
  private volatile String price = "19.99";
  private volatile boolean originDown;

  @AfterEach
  void stop() {
    release.countDown();
    executor.shutdownNow();
  }

  /** A node whose loads read the price, then wait for {@link #release} if {@code held}. */
  private LayeredCache<String, String> node(@Nullable CacheStore store, boolean held) {
    LayeredCache.Builder<String, String> builder =
        LayeredCache.<String, String>builder(
                "products",
                CachePolicy.builder()
                    .freshFor(Duration.ofSeconds(60))
                    .staleIfError(Duration.ofHours(1))
                    .build())
            .loader(
                key -> {
                  loads.incrementAndGet();
                  String seen = price;
                  if (held) {
                    firstLoadRead.countDown();
                    release.await(30, TimeUnit.SECONDS);
                  }
                  if (originDown) {
                    throw new IllegalStateException("origin down");
                  }
                  return Loaded.of(key + "@" + seen);
                })
            .ticker(clock)
            .clock(clock)
            .executor(executor);
    if (store != null) {
      builder.sharedStore(store, Codec.utf8());
    }
    return builder.build();
  }

  @Test
  void aReaderAfterTheInvalidationGetsANewLoadNotTheOneInFlight() throws Exception {
    LayeredCache<String, String> cache = node(null, true);
    CompletableFuture<String> before = cache.getAsync("p1");
    assertThat(firstLoadRead.await(10, TimeUnit.SECONDS)).isTrue(); // it read 19.99

    price = "24.99";
    cache.invalidate("p1");
    CompletableFuture<String> after = cache.getAsync("p1");
    release.countDown();

    assertThat(before.get(10, TimeUnit.SECONDS)).isEqualTo("p1@19.99");
    assertThat(after.get(10, TimeUnit.SECONDS)).isEqualTo("p1@24.99");
    assertThat(loads.get()).isEqualTo(2);
    assertThat(cache.get("p1")).isEqualTo("p1@24.99");
  }

  @Test
  void whenTheOriginFailsAReaderAfterTheInvalidationIsNotHandedTheInvalidatedL2Copy()
      throws Exception {
    CacheStore store = CacheStore.inMemory(clock);
    node(store, false).get("p1"); // another node wrote p1@19.99 to L2
    clock.advance(Duration.ofMinutes(5)); // past fresh, inside stale-if-error

    LayeredCache<String, String> b = node(store, true);
    CompletableFuture<CacheResult<String>> before = b.lookupAsync("p1"); // L2 copy as fallback
    assertThat(firstLoadRead.await(10, TimeUnit.SECONDS)).isTrue();

    price = "24.99";
    b.invalidate("p1");
    CompletableFuture<CacheResult<String>> after = b.lookupAsync("p1");
    originDown = true;
    release.countDown();

    assertThat(before.get(10, TimeUnit.SECONDS).value()).contains("p1@19.99");
    Object outcome = after.handle((result, error) -> error != null ? error : result).get();
    assertThat(outcome)
        .as("after the invalidation, with the origin down")
        .isNotInstanceOf(CacheResult.class);
  }
}
