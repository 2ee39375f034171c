package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.core.testing.FakeClock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A reader who starts after {@code invalidate(key)} or {@code invalidateTag(tag)} returned, while a
 * load of the key that began before the invalidation is still running: it must not be handed that
 * load's result (nor, when the origin fails, the invalidated copy that load fell back on), but wait
 * for a load of its own.
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

  private static final CachePolicy POLICY =
      CachePolicy.builder()
          .freshFor(Duration.ofSeconds(60))
          .staleWhileRevalidate(Duration.ofMinutes(10))
          .staleIfError(Duration.ofHours(1))
          .build();

  /**
   * A node whose loads read the price, then wait for {@link #release} if {@code held}; every value
   * is tagged {@code product:<key>}.
   */
  private LayeredCache<String, String> node(@Nullable CacheStore store, boolean held) {
    LayeredCache.Builder<String, String> builder =
        LayeredCache.<String, String>builder("products", POLICY)
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
                  return Loaded.of(key + "@" + seen, Set.of("product:" + key));
                })
            .ticker(clock)
            .clock(clock)
            .executor(executor);
    if (store != null) {
      builder.sharedStore(store, Codec.utf8());
    }
    return builder.build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"key", "tag"})
  void aReaderAfterTheInvalidationGetsANewLoadAndOneBeforeItDoesNotWaitForOne(String by)
      throws Exception {
    LayeredCache<String, String> cache = node(null, true);
    CompletableFuture<String> first = cache.getAsync("p1");
    assertThat(firstLoadRead.await(10, TimeUnit.SECONDS)).isTrue(); // it read 19.99
    CompletableFuture<String> joinedBefore = cache.getAsync("p1");

    price = "24.99";
    if (by.equals("key")) {
      cache.invalidate("p1"); // the next reader does not join the flight
    } else {
      cache.invalidateTag("product:p1"); // the flight's tags are unknown: the next reader joins
    }
    CompletableFuture<String> joinedAfter = cache.getAsync("p1");
    release.countDown();

    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("p1@19.99");
    assertThat(joinedBefore.get(10, TimeUnit.SECONDS)).isEqualTo("p1@19.99");
    assertThat(joinedAfter.get(10, TimeUnit.SECONDS)).isEqualTo("p1@24.99");
    assertThat(loads.get()).isEqualTo(2);
    assertThat(cache.get("p1")).isEqualTo("p1@24.99");
  }

  @Test
  void aStaleL2CopyWhoseTagWasInvalidatedBeforeItArrivedIsNotServed() throws Exception {
    ControlledStore store = new ControlledStore(CacheStore.inMemory(clock));
    node(store, false).get("p1"); // another node wrote p1@19.99 to L2
    clock.advance(Duration.ofMinutes(2)); // past fresh, inside stale-while-revalidate

    LayeredCache<String, String> b = node(store, false);
    store.holdNextRead();
    CompletableFuture<CacheResult<String>> before = b.lookupAsync("p1");
    store.awaitReadHeld(); // the read took p1@19.99; its reply is on the wire

    price = "24.99";
    b.invalidateTag("product:p1");
    CompletableFuture<CacheResult<String>> after = b.lookupAsync("p1");
    store.releaseRead();

    assertThat(after.get(10, TimeUnit.SECONDS).value()).contains("p1@24.99");
    assertThat(before.get(10, TimeUnit.SECONDS).value()).contains("p1@24.99");
    assertThat(loads.get()).as("A's load and B's").isEqualTo(2);
    assertThat(b.lookup("p1").status())
        .as("B's load asked the origin after the invalidation: it is cached")
        .isEqualTo(CacheStatus.FRESH);
  }

  @Test
  void aReaderAfterATagInvalidationIsNotHandedTheStaleCopyThatABackgroundRefreshServed()
      throws Exception {
    CacheStore store = CacheStore.inMemory(clock);
    node(store, false).get("p1"); // another node wrote p1@19.99 to L2
    clock.advance(Duration.ofMinutes(2)); // past fresh, inside stale-while-revalidate

    LayeredCache<String, String> b = node(store, true);
    CacheResult<String> stale = b.lookupAsync("p1").get(10, TimeUnit.SECONDS);
    assertThat(stale.status()).isEqualTo(CacheStatus.STALE); // at once; the refresh goes on
    assertThat(firstLoadRead.await(10, TimeUnit.SECONDS)).isTrue(); // and read 19.99

    price = "24.99";
    b.invalidateTag("product:p1");
    CompletableFuture<CacheResult<String>> after = b.lookupAsync("p1");
    release.countDown();

    assertThat(after.get(10, TimeUnit.SECONDS).value()).contains("p1@24.99");
  }

  @Test
  void aStaleIfErrorL2CopyWhoseTagWasInvalidatedOnTheWireIsNotTheFallback() throws Exception {
    ControlledStore store = new ControlledStore(CacheStore.inMemory(clock));
    node(store, false).get("p1"); // another node wrote p1@19.99 to L2
    clock.advance(
        Duration.ofMinutes(15)); // past fresh and stale-while-revalidate, inside stale-if-error

    LayeredCache<String, String> b = node(store, false);
    originDown = true;
    store.holdNextRead();
    CompletableFuture<CacheResult<String>> read = b.lookupAsync("p1");
    store.awaitReadHeld(); // the read took p1@19.99; its reply is on the wire
    b.invalidateTag("product:p1");
    store.releaseRead();

    Object outcome = read.handle((result, error) -> error != null ? error : result).get();
    assertThat(outcome)
        .as("the origin down, the only copy invalidated")
        .isNotInstanceOf(CacheResult.class);
  }

  /**
   * A reader after {@code invalidate} replaces the older flight; that flight still checks the
   * invalidation when it ends, even after thousands of later invalidations made the node prune its
   * records (pruning once looked only at the flights still registered, so it dropped the record and
   * the older load's value was cached over the newer one).
   */
  @Test
  void aReplacedLoadStillSeesTheInvalidationAfterLaterOnesArePruned() throws Exception {
    CountDownLatch secondLoadRead = new CountDownLatch(1);
    CountDownLatch releaseSecond = new CountDownLatch(1);
    LayeredCache<String, String> cache =
        LayeredCache.<String, String>builder("products", POLICY)
            .loader(
                key -> {
                  boolean first = loads.incrementAndGet() == 1;
                  String seen = price;
                  (first ? firstLoadRead : secondLoadRead).countDown();
                  (first ? release : releaseSecond).await(30, TimeUnit.SECONDS);
                  return Loaded.of(key + "@" + seen);
                })
            .ticker(clock)
            .clock(clock)
            .executor(executor)
            .build();
    CompletableFuture<String> before = cache.getAsync("p1");
    assertThat(firstLoadRead.await(10, TimeUnit.SECONDS)).isTrue(); // it read 19.99

    price = "24.99";
    cache.invalidate("p1");
    CompletableFuture<String> after = cache.getAsync("p1"); // a new flight replaces the first
    assertThat(secondLoadRead.await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 3000; i++) {
      cache.invalidateTag("unrelated-" + i); // past the pruning threshold
    }
    releaseSecond.countDown();
    assertThat(after.get(10, TimeUnit.SECONDS)).isEqualTo("p1@24.99");
    release.countDown();
    assertThat(before.get(10, TimeUnit.SECONDS)).isEqualTo("p1@19.99");

    assertThat(cache.get("p1")).isEqualTo("p1@24.99");
  }

  @Test
  void whenTheOriginFailsAReaderAfterTheInvalidationIsNotHandedTheInvalidatedL2Copy()
      throws Exception {
    CacheStore store = CacheStore.inMemory(clock);
    node(store, false).get("p1"); // another node wrote p1@19.99 to L2
    clock.advance(
        Duration.ofMinutes(15)); // past fresh and stale-while-revalidate, inside stale-if-error

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
