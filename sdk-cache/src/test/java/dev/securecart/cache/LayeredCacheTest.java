package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.securecart.cache.internal.LayeredCacheImpl;
import dev.securecart.cache.internal.LocalInvalidationBus;
import dev.securecart.core.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class LayeredCacheTest {

  private static final Duration FRESH = Duration.ofSeconds(60);
  private static final Duration SWR = Duration.ofMinutes(10);
  private static final Duration SIE = Duration.ofHours(1);

  private final FakeClock clock = FakeClock.create();
  private final TestOrigin origin = new TestOrigin();
  private final RecordingStats stats = new RecordingStats();
  private final ExecutorService executor =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "cache-test");
            t.setDaemon(true);
            return t;
          });

  @AfterEach
  void stopExecutor() {
    origin.open();
    executor.shutdownNow();
  }

  private CachePolicy.Builder policy() {
    return CachePolicy.builder().freshFor(FRESH).staleWhileRevalidate(SWR).staleIfError(SIE);
  }

  private LayeredCache.Builder<String, String> builder(CachePolicy policy) {
    return LayeredCache.<String, String>builder("products", policy)
        .loader(origin)
        .ticker(clock)
        .clock(clock)
        .executor(executor)
        .statsCounter(name -> stats);
  }

  /** A node on {@code store} with an hour-long distributed lease. */
  private LayeredCache.Builder<String, String> leasedOn(CacheStore store) {
    return builder(policy().build())
        .sharedStore(store, Codec.utf8())
        .distributedLease(Duration.ofHours(1));
  }

  private LayeredCache<String, String> cache() {
    return builder(policy().build()).build();
  }

  @Test
  void aFreshEntryIsServedFromL1WithoutCallingTheOriginAgain() {
    LayeredCache<String, String> cache = cache();

    assertThat(cache.get("p1")).isEqualTo("p1:v1");
    origin.version = "v2";
    clock.advance(FRESH.minusMillis(1));

    assertThat(cache.get("p1")).isEqualTo("p1:v1");
    assertThat(cache.lookup("p1").status()).isEqualTo(CacheStatus.FRESH);
    assertThat(origin.calls("p1")).isEqualTo(1);
    assertThat(stats.count("get.L1.HIT")).isEqualTo(2);
    assertThat(stats.count("load.SUCCESS")).isEqualTo(1);
  }

  @Test
  void aCallersLoaderLoadsWhatTheCallStartsAndTheEntryIsThenCachedForEveryone() {
    LayeredCache<String, String> cache = cache();
    TestOrigin callerOrigin = new TestOrigin();
    callerOrigin.version = "caller";

    assertThat(cache.get("p1", callerOrigin)).isEqualTo("p1:caller");
    assertThat(cache.get("p1")).isEqualTo("p1:caller");
    assertThat(cache.get("p1", key -> Loaded.of("never called"))).isEqualTo("p1:caller");
    assertThat(origin.totalCalls()).isZero();

    // A stale read with a caller's loader serves the stale value and refreshes with that loader.
    clock.advance(FRESH.plusSeconds(1));
    callerOrigin.version = "refreshed";
    assertThat(cache.get("p1", callerOrigin)).isEqualTo("p1:caller");
    await().until(() -> cache.lookup("p1").value().orElseThrow().equals("p1:refreshed"));
    assertThat(callerOrigin.calls("p1")).isEqualTo(2);
    assertThat(origin.totalCalls()).isZero();
    assertThatThrownBy(() -> cache.get("missing-1", callerOrigin))
        .isInstanceOf(EntryNotFoundException.class);
  }

  @Test
  void concurrentCallsWithTheirOwnLoadersShareOneLoad() throws Exception {
    LayeredCache<String, String> cache = cache();
    TestOrigin callerOrigin = new TestOrigin().hold();
    List<Future<String>> reads = new ArrayList<>();
    CountDownLatch started = new CountDownLatch(32);
    for (int i = 0; i < 32; i++) {
      reads.add(
          executor.submit(
              () -> {
                started.countDown();
                return cache.get("cold", callerOrigin);
              }));
    }
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    callerOrigin.awaitEntered();
    await().until(() -> ((LayeredCacheImpl<?, ?>) cache).flightsInProgress() == 1);
    callerOrigin.open();

    for (Future<String> read : reads) {
      assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo("cold:v1");
    }
    assertThat(callerOrigin.calls("cold")).isEqualTo(1);
    assertThat(origin.totalCalls()).isZero();
  }

  @Test
  void theFirstReadLoadsAndSaysSo() {
    LayeredCache<String, String> cache = cache();

    CacheResult<String> result = cache.lookup("p1");

    assertThat(result.status()).isEqualTo(CacheStatus.MISS_LOADED);
    assertThat(result.value()).contains("p1:v1");
    assertThat(result.error()).isEmpty();
  }

  @Test
  void aHundredConcurrentReadersOfAnExpiredKeyCallTheOriginExactlyOnce() throws Exception {
    LayeredCache<String, String> cache = cache();
    cache.get("hot");
    clock.advance(FRESH.plus(SWR).plus(SIE)); // expired: nothing may be served
    origin.version = "v2";
    origin.hold();

    CountDownLatch ready = new CountDownLatch(100);
    List<Future<String>> reads = new ArrayList<>();
    ExecutorService readers = Executors.newFixedThreadPool(100);
    try {
      for (int i = 0; i < 100; i++) {
        reads.add(
            readers.submit(
                () -> {
                  ready.countDown();
                  return cache.get("hot");
                }));
      }
      ready.await(30, TimeUnit.SECONDS);
      origin.awaitEntered();
      origin.open();
      for (Future<String> read : reads) {
        assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo("hot:v2");
      }
    } finally {
      readers.shutdownNow();
    }

    assertThat(origin.calls("hot")).isEqualTo(2); // the first load, then exactly one more
  }

  @Test
  void readersDuringStaleWhileRevalidateGetTheStaleValueAtOnceWhileOneRefreshRuns()
      throws Exception {
    LayeredCache<String, String> cache = cache();
    cache.get("p1");
    clock.advance(FRESH.plusSeconds(1));
    origin.version = "v2";
    origin.hold(); // the refresh cannot finish until the readers are done

    for (int i = 0; i < 50; i++) {
      CacheResult<String> result = cache.lookupAsync("p1").get(5, TimeUnit.SECONDS);
      assertThat(result.status()).isEqualTo(CacheStatus.STALE);
      assertThat(result.value()).contains("p1:v1");
      assertThat(cache.get("p1")).isEqualTo("p1:v1");
    }
    origin.awaitEntered();
    assertThat(origin.calls("p1")).isEqualTo(2);

    origin.open();
    await().atMost(Duration.ofSeconds(10)).until(() -> cache.get("p1").equals("p1:v2"));
    assertThat(cache.lookup("p1").status()).isEqualTo(CacheStatus.FRESH);
    assertThat(origin.calls("p1")).isEqualTo(2);
  }

  @Test
  void staleIfErrorServesTheStaleValueUntilItsWindowEndsThenThrowsATypedError() {
    LayeredCache<String, String> cache = cache();
    cache.get("p1");
    origin.failure = new IllegalStateException("database down");

    clock.advance(FRESH.plus(SWR).plus(SIE).minusMillis(1));
    CacheResult<String> result = cache.lookup("p1");
    assertThat(result.status()).isEqualTo(CacheStatus.STALE_IF_ERROR);
    assertThat(result.value()).contains("p1:v1");
    assertThat(result.error()).get().isInstanceOf(IllegalStateException.class);
    assertThat(cache.get("p1")).isEqualTo("p1:v1");
    assertThat(stats.count("staleIfError.L1")).isEqualTo(2);

    clock.advanceMillis(1);
    assertThatThrownBy(() -> cache.get("p1"))
        .isInstanceOf(CacheLoadException.class)
        .hasMessageContaining("products")
        .hasRootCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> cache.lookup("p1")).isInstanceOf(CacheLoadException.class);
  }

  @Test
  void aFailedBackgroundRefreshKeepsServingTheStaleValueAndTriesAgainLater() {
    LayeredCache<String, String> cache = cache();
    cache.get("p1");
    origin.failure = new IllegalStateException("database down");
    clock.advance(FRESH.plusSeconds(1));

    assertThat(cache.lookup("p1").status()).isEqualTo(CacheStatus.STALE);
    await().until(() -> stats.count("load.FAILURE") == 1);
    origin.failure = null;
    origin.version = "v2";
    assertThat(cache.lookup("p1").value()).contains("p1:v1");
    await().until(() -> cache.get("p1").equals("p1:v2"));
  }

  @Test
  void anOriginThatMissesItsDeadlineCountsAsAnErrorAndFreesTheKey() {
    LayeredCache<String, String> cache =
        builder(policy().originTimeout(Duration.ofMillis(50)).build()).build();
    cache.get("p1");
    clock.advance(FRESH.plus(SWR).plusSeconds(1));
    origin.hold(); // never opened during the read

    CacheResult<String> result = cache.lookup("p1");

    assertThat(result.status()).isEqualTo(CacheStatus.STALE_IF_ERROR);
    assertThat(result.error()).get().isInstanceOf(java.util.concurrent.TimeoutException.class);
    assertThat(stats.count("load.TIMEOUT")).isEqualTo(1);
    assertThat(((LayeredCacheImpl<?, ?>) cache).flightsInProgress()).isZero();
  }

  @Test
  void aMissWhoseOriginMissesItsDeadlineThrowsATimeout() {
    LayeredCache<String, String> cache =
        builder(policy().originTimeout(Duration.ofMillis(50)).build()).build();
    origin.hold();

    assertThatThrownBy(() -> cache.get("p1"))
        .isInstanceOfSatisfying(CacheLoadException.class, e -> assertThat(e.isTimeout()).isTrue());
  }

  @Test
  void notFoundIsCachedForItsOwnShorterTtl() {
    LayeredCache<String, String> cache =
        builder(policy().negativeTtl(Duration.ofSeconds(5)).build()).build();

    assertThat(cache.find("missing-1")).isEmpty();
    assertThatThrownBy(() -> cache.get("missing-1")).isInstanceOf(EntryNotFoundException.class);
    assertThat(cache.lookup("missing-1").isFound()).isFalse();
    assertThat(origin.calls("missing-1")).isEqualTo(1);
    assertThat(stats.count("load.NOT_FOUND")).isEqualTo(1);

    clock.advance(Duration.ofSeconds(5));
    assertThat(cache.find("missing-1")).isEmpty();
    assertThat(origin.calls("missing-1")).isEqualTo(2);
  }

  @Test
  void negativeCachingCanBeTurnedOff() {
    LayeredCache<String, String> cache =
        builder(policy().negativeTtl(Duration.ZERO).build()).build();

    assertThat(cache.find("missing-1")).isEmpty();
    assertThat(cache.find("missing-1")).isEmpty();

    assertThat(origin.calls("missing-1")).isEqualTo(2);
  }

  @Test
  void withNegativeCachingOffANotFoundStillEndsTheValueItAnswersForInL1AndL2() {
    CachePolicy policy = policy().negativeTtl(Duration.ZERO).build();
    CacheStore store = CacheStore.inMemory(clock);
    LayeredCache<String, String> cache = builder(policy).sharedStore(store, Codec.utf8()).build();
    cache.get("p1");
    clock.advance(FRESH.plusSeconds(1));
    origin.delete("p1");

    assertThat(cache.lookup("p1").status()).isEqualTo(CacheStatus.STALE); // its refresh: deleted
    await().until(() -> stats.count("load.NOT_FOUND") == 1);

    assertThat(cache.find("p1")).isEmpty();
    LayeredCache<String, String> cold = builder(policy).sharedStore(store, Codec.utf8()).build();
    assertThat(cold.find("p1")).isEmpty();
  }

  @Test
  void aNotFoundThatAPutOvertookLeavesThePutValueInL1AndL2() throws Exception {
    CachePolicy policy = policy().negativeTtl(Duration.ZERO).build();
    CacheStore store = CacheStore.inMemory(clock);
    LayeredCache<String, String> cache = builder(policy).sharedStore(store, Codec.utf8()).build();
    cache.get("p1");
    clock.advance(FRESH.plusSeconds(1));
    origin.hold();
    assertThat(cache.lookup("p1").status()).isEqualTo(CacheStatus.STALE); // its refresh waits
    origin.awaitEntered();

    origin.delete("p1"); // the origin will answer "not found"...
    cache.put("p1", "p1:put"); // ...but a put comes while it is being asked
    origin.open();
    await().until(() -> stats.count("load.NOT_FOUND") == 1);

    assertThat(cache.find("p1")).contains("p1:put");
    LayeredCache<String, String> cold = builder(policy).sharedStore(store, Codec.utf8()).build();
    assertThat(cold.find("p1")).contains("p1:put");
  }

  @Test
  void jitterShortensTheFreshTimeOfEachEntry() {
    LayeredCache<String, String> cache =
        builder(policy().jitter(0.5).build()).random(() -> 0.999).build();
    cache.get("p1");

    clock.advance(Duration.ofSeconds(31)); // fresh time is about 30 s, not 60 s

    assertThat(cache.lookup("p1").status()).isEqualTo(CacheStatus.STALE);
  }

  @Test
  void earlyRefreshReloadsAHotKeyBeforeItGoesStale() {
    java.util.concurrent.atomic.AtomicInteger loads =
        new java.util.concurrent.atomic.AtomicInteger();
    CacheLoader<String, String> slowOrigin =
        key -> {
          clock.advance(Duration.ofSeconds(1)); // each load takes 1 s of cache time
          return Loaded.of(key + ":" + loads.incrementAndGet());
        };
    LayeredCache<String, String> never =
        builder(policy().earlyRefresh(1000).build()).loader(slowOrigin).random(() -> 0.0).build();
    never.get("p1");
    // u = 1, so the XFetch lead is 0: no early refresh while fresh.
    assertThat(never.get("p1")).isEqualTo("p1:1");
    assertThat(loads.get()).isEqualTo(1);

    LayeredCache<String, String> eager =
        builder(policy().earlyRefresh(1000).build()).loader(slowOrigin).random(() -> 0.5).build();
    eager.get("p2");
    // lead = 1 s * 1000 * ln 2 > 60 s: a read of the fresh entry starts a refresh.
    assertThat(eager.get("p2")).isEqualTo("p2:2");
    await().until(() -> eager.get("p2").equals("p2:3"));
  }

  @Test
  void invalidatingAKeyMakesTheNextReadLoadAgain() {
    LayeredCache<String, String> cache = cache();
    cache.get("p1");
    origin.version = "v2";

    cache.invalidate("p1");

    assertThat(cache.get("p1")).isEqualTo("p1:v2");
    assertThat(origin.calls("p1")).isEqualTo(2);
    assertThat(stats.count("sent.KEY")).isZero(); // no bus
  }

  @Test
  void invalidatingATagDropsEveryEntryWithThatTagAndNoOther() {
    origin.tag("p1", "category:shoes", "product:1").tag("p2", "category:shoes").tag("p3", "x");
    LayeredCache<String, String> cache = cache();
    cache.get("p1");
    cache.get("p2");
    cache.get("p3");
    origin.version = "v2";

    cache.invalidateTag("category:shoes");

    assertThat(cache.get("p1")).isEqualTo("p1:v2");
    assertThat(cache.get("p2")).isEqualTo("p2:v2");
    assertThat(cache.get("p3")).isEqualTo("p3:v1");
    assertThat(cache.lookup("p1").tags()).containsExactlyInAnyOrder("category:shoes", "product:1");
  }

  @Test
  void aNegativeEntryEndsWhenItsTagIsInvalidated() {
    origin.tag("missing-42", "product:42");
    LayeredCache<String, String> cache = cache();
    assertThat(cache.find("missing-42")).isEmpty();

    cache.invalidateTag("product:42");
    assertThat(cache.find("missing-42")).isEmpty();

    assertThat(origin.calls("missing-42")).isEqualTo(2);
  }

  @Test
  void anInvalidationOfTheKeyWhileItsLoadIsInFlightKeepsTheLoadedValueOutOfTheCache()
      throws Exception {
    LayeredCache<String, String> cache = cache();
    origin.hold();
    CompletableFuture<String> read = cache.getAsync("p1");
    origin.awaitEntered();

    cache.invalidate("p1"); // the value being loaded may predate the change
    origin.open();

    assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo("p1:v1"); // the reader still gets it
    assertThat(stats.count("load.DISCARDED")).isEqualTo(1);
    origin.version = "v2";
    assertThat(cache.get("p1")).isEqualTo("p1:v2");
    assertThat(origin.calls("p1")).isEqualTo(2);
  }

  @Test
  void anInvalidationOfATagWhileALoadIsInFlightKeepsTheLoadedValueOutOfTheCache() throws Exception {
    origin.tag("p1", "category:shoes");
    LayeredCache<String, String> cache = cache();
    origin.hold();
    CompletableFuture<String> read = cache.getAsync("p1");
    origin.awaitEntered();

    cache.invalidateTag("category:shoes");
    origin.open();
    read.get(10, TimeUnit.SECONDS);

    origin.version = "v2";
    assertThat(cache.get("p1")).isEqualTo("p1:v2");
  }

  @Test
  void invalidationsReachEveryNodeOnTheBus() {
    InvalidationBus bus = InvalidationBus.inProcess();
    origin.tag("p1", "category:shoes");
    LayeredCache<String, String> a = builder(policy().build()).invalidationBus(bus).build();
    LayeredCache<String, String> b = builder(policy().build()).invalidationBus(bus).build();
    a.get("p1");
    b.get("p1");
    a.get("p2");
    b.get("p2");
    origin.version = "v2";

    a.invalidateTag("category:shoes");
    b.invalidate("p2");

    assertThat(a.get("p1")).isEqualTo("p1:v2");
    assertThat(b.get("p1")).isEqualTo("p1:v2");
    assertThat(a.get("p2")).isEqualTo("p2:v2");
    assertThat(b.get("p2")).isEqualTo("p2:v2");
    assertThat(stats.count("sent.TAG")).isEqualTo(1);
    assertThat(stats.count("received.TAG")).isEqualTo(1);
    assertThat(stats.count("received.KEY")).isEqualTo(1);
  }

  @Test
  void invalidateAllDropsEveryEntryOnEveryNodeAndInL2() {
    InvalidationBus bus = InvalidationBus.inProcess();
    CacheStore store = CacheStore.inMemory(clock);
    LayeredCache<String, String> a =
        builder(policy().build()).invalidationBus(bus).sharedStore(store, Codec.utf8()).build();
    LayeredCache<String, String> b =
        builder(policy().build()).invalidationBus(bus).sharedStore(store, Codec.utf8()).build();
    origin.tag("p1", "category:shoes");
    for (String key : List.of("p1", "p2")) {
      a.get(key);
      await().until(() -> b.lookup(key).status() == CacheStatus.FRESH);
    }
    origin.version = "v2";

    a.invalidateAll();

    assertThat(a.estimatedSize()).isZero();
    // The node that hears of it frees the entries on its executor; it serves none meanwhile.
    await().until(() -> b.estimatedSize() == 0);
    for (String key : List.of("p1", "p2")) {
      assertThat(b.lookup(key).status()).as("not from L2").isEqualTo(CacheStatus.MISS_LOADED);
      assertThat(b.get(key)).isEqualTo(key + ":v2");
      assertThat(a.get(key)).isEqualTo(key + ":v2");
    }
    assertThat(stats.count("sent.ALL")).isEqualTo(1);
    assertThat(stats.count("received.ALL")).isEqualTo(1);
  }

  @Test
  void aLoadThatReadL2BeforeAnInvalidationReachedL2IsNotKeptOnTheInvalidatingNode()
      throws Exception {
    ControlledStore store = new ControlledStore(CacheStore.inMemory(clock));
    LayeredCache<String, String> cache =
        builder(policy().build()).sharedStore(store, Codec.utf8()).build();
    for (Runnable invalidation :
        List.<Runnable>of(
            () -> cache.invalidate("p1"),
            () -> cache.invalidateTag("product:1"),
            cache::invalidateAll)) {
      origin.tag("p1", "product:1");
      cache.put("p1", "old", Set.of("product:1"));
      await().until(() -> !store.read("products", "p1").join().entry().isEmpty());
      store.hold();
      CompletableFuture<Void> invalidating = CompletableFuture.runAsync(invalidation, executor);
      store.awaitHeld();

      // This node's L1 was cleared at once; a reader now loads from L2, which still has the entry.
      assertThat(cache.get("p1")).isEqualTo("old");
      store.release();
      invalidating.get(10, TimeUnit.SECONDS);

      assertThat(cache.get("p1")).as("after the invalidation returned").isEqualTo("p1:v1");
    }
  }

  @Test
  void aPutIsServedLocallyAndDropsTheOtherNodesCopy() {
    InvalidationBus bus = InvalidationBus.inProcess();
    LayeredCache<String, String> a = builder(policy().build()).invalidationBus(bus).build();
    LayeredCache<String, String> b = builder(policy().build()).invalidationBus(bus).build();
    b.get("p1");
    origin.version = "v2";

    a.put("p1", "written", Set.of("product:1"));

    assertThat(a.get("p1")).isEqualTo("written");
    assertThat(a.lookup("p1").tags()).containsExactly("product:1");
    assertThat(b.get("p1")).isEqualTo("p1:v2");
  }

  @Test
  void aBusReconnectDropsEveryL1EntryAndEveryLoadInFlight() throws Exception {
    LocalInvalidationBus bus = new LocalInvalidationBus();
    LayeredCache<String, String> cache = builder(policy().build()).invalidationBus(bus).build();
    cache.get("p1");
    cache.get("p2");
    origin.hold();
    CompletableFuture<String> inFlight = cache.getAsync("p3");
    origin.awaitEntered();

    bus.simulateReconnect();
    origin.open();
    inFlight.get(10, TimeUnit.SECONDS);

    await().until(() -> cache.estimatedSize() == 0);
    assertThat(stats.count("busReconnect")).isEqualTo(1);
    cache.get("p1");
    cache.get("p3");
    assertThat(origin.calls("p1")).isEqualTo(2);
    assertThat(origin.calls("p3")).isEqualTo(2);
  }

  @Test
  void noEntryIsServedAfterABusReconnectWhileTheDroppedEntriesAreStillBeingFreed() {
    Deque<Runnable> queued = new ConcurrentLinkedDeque<>();
    LocalInvalidationBus bus = new LocalInvalidationBus();
    LayeredCache<String, String> cache =
        builder(policy().build()).invalidationBus(bus).executor(queued::add).build();
    cache.put("p1", "old");
    cache.put("p2", "old");

    bus.simulateReconnect();

    // The drop's removal waits in the executor, and the entries with it; neither is served.
    assertThat(cache.estimatedSize()).isEqualTo(2);
    CompletableFuture<CacheResult<String>> first = cache.lookupAsync("p1");
    assertThat(first).as("not answered from L1").isNotDone();
    // The synchronous fast path too: it waits for a load (queued after the removal and p1's).
    CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> cache.get("p2"));
    await().until(() -> queued.size() == 3);
    // Last in, first out: the two loads install before the removal runs, which must keep them.
    for (Runnable task = queued.pollLast(); task != null; task = queued.pollLast()) {
      task.run();
    }
    assertThat(first.join().status()).isEqualTo(CacheStatus.MISS_LOADED);
    assertThat(first.join().value()).contains("p1:v1");
    assertThat(second.join()).isEqualTo("p2:v1");
    assertThat(cache.estimatedSize()).isEqualTo(2);
    assertThat(cache.lookup("p1").status()).isEqualTo(CacheStatus.FRESH);
  }

  /**
   * A read that found its entry before a bus reconnect, and waits for the origin in the entry's
   * stale-if-error window, is not handed that entry when the origin fails after the reconnect: it
   * may have been invalidated while the bus was away.
   */
  @Test
  void aReadWaitingAcrossABusReconnectIsNotServedTheDroppedEntryAsStaleIfError() throws Exception {
    LocalInvalidationBus bus = new LocalInvalidationBus();
    LayeredCache<String, String> cache = builder(policy().build()).invalidationBus(bus).build();
    cache.get("p1");
    clock.advance(FRESH.plus(SWR).plus(Duration.ofMillis(1))); // in the stale-if-error window
    origin.failure = new IllegalStateException("database down");
    origin.hold();
    CompletableFuture<CacheResult<String>> read = cache.lookupAsync("p1");
    origin.awaitEntered();

    bus.simulateReconnect();
    origin.open();

    assertThatThrownBy(() -> read.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(CacheLoadException.class);
  }

  @Test
  void theL1IsBoundedBySize() {
    LayeredCache<String, String> cache = builder(policy().maximumSize(10).build()).build();
    for (int i = 0; i < 100; i++) {
      cache.get("p" + i);
    }
    ((LayeredCacheImpl<?, ?>) cache).flightsInProgress();
    await().until(() -> cache.estimatedSize() <= 10);
    assertThat(stats.count("eviction.SIZE")).isGreaterThanOrEqualTo(90);
  }

  @Test
  void anEntryEvictedBySizeIsLoadedAgain() {
    LayeredCache<String, String> cache = builder(policy().maximumSize(10).build()).build();
    for (int i = 0; i < 100; i++) {
      cache.get("p" + i);
    }
    await().until(() -> cache.estimatedSize() <= 10);
    origin.version = "v2";

    // Every read of an evicted key goes to the origin, the fresh-hit path included: at most the
    // 10 entries L1 kept answer from before.
    long servedFromBeforeTheEvictions =
        IntStream.range(0, 100).filter(i -> cache.get("p" + i).endsWith(":v1")).count();
    assertThat(servedFromBeforeTheEvictions).isLessThanOrEqualTo(10);
  }

  @Test
  void theL1CanBeBoundedByWeight() {
    LayeredCache<String, String> cache =
        builder(policy().maximumWeight(50).build()).weigher((k, v) -> v.length()).build();
    for (int i = 0; i < 100; i++) {
      cache.get("p" + i);
    }
    await().until(() -> cache.estimatedSize() <= 10);
  }

  @Test
  void aReaderWhoComesAfterTheStaleWindowOfAnL2CopyAlreadyServedWaitsForTheRefresh()
      throws Exception {
    CacheStore store = CacheStore.inMemory(clock);
    builder(policy().build()).sharedStore(store, Codec.utf8()).build().get("p1");
    LayeredCache<String, String> cold =
        builder(policy().build()).sharedStore(store, Codec.utf8()).build();
    clock.advance(FRESH.plus(SWR).minusSeconds(1));
    origin.version = "v2";
    origin.hold();

    CacheResult<String> early = cold.lookup("p1");
    assertThat(early.status()).isEqualTo(CacheStatus.STALE);
    assertThat(early.value()).contains("p1:v1");
    origin.awaitEntered();

    // The refresh is still at the origin when the copy leaves its stale-while-revalidate window.
    clock.advance(Duration.ofSeconds(2));
    CompletableFuture<CacheResult<String>> late = cold.lookupAsync("p1");
    assertThat(late).as("served the stale copy after its window").isNotDone();

    origin.open();
    CacheResult<String> result = late.get(10, TimeUnit.SECONDS);
    assertThat(result.status()).isEqualTo(CacheStatus.MISS_LOADED);
    assertThat(result.value()).contains("p1:v2");
    assertThat(origin.calls("p1")).isEqualTo(2);
  }

  @Test
  void aReaderWhoComesAfterAnL2CopyServedStaleHasExpiredNeverGetsIt() throws Exception {
    CachePolicy policy = policy().staleIfError(Duration.ZERO).build();
    CacheStore store = CacheStore.inMemory(clock);
    builder(policy).sharedStore(store, Codec.utf8()).build().get("p1");
    LayeredCache<String, String> cold = builder(policy).sharedStore(store, Codec.utf8()).build();
    clock.advance(FRESH.plus(SWR).minusSeconds(1));
    origin.hold();

    assertThat(cold.lookup("p1").status()).isEqualTo(CacheStatus.STALE);
    origin.awaitEntered();

    clock.advance(Duration.ofSeconds(2)); // past the copy's last moment (no stale-if-error)
    CompletableFuture<CacheResult<String>> late = cold.lookupAsync("p1");
    assertThat(late).as("served an expired copy").isNotDone();

    origin.failure = new IllegalStateException("database down");
    origin.open();
    assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS))
        .hasRootCauseInstanceOf(IllegalStateException.class)
        .cause()
        .isInstanceOf(CacheLoadException.class);
  }

  @Test
  void anL2EntryOfALoadThatOutlivedATagInvalidationStaysHiddenForItsWholeLife() throws Exception {
    CachePolicy policy = policy().staleIfError(Duration.ZERO).build();
    CacheStore store = CacheStore.inMemory(clock);
    origin.tag("p1", "shoes");
    // No bus: the loading node never hears of the invalidation, only L2's tag epoch hides its load.
    LayeredCache<String, String> loading = builder(policy).sharedStore(store, Codec.utf8()).build();
    LayeredCache<String, String> invalidating =
        builder(policy).sharedStore(store, Codec.utf8()).build();
    origin.hold();
    CompletableFuture<CacheResult<String>> load = loading.lookupAsync("p1");
    origin.awaitEntered();
    invalidating.invalidateTag("shoes");
    clock.advance(Duration.ofSeconds(20)); // the origin answers 20 s after the invalidation
    origin.open();
    assertThat(load.get(10, TimeUnit.SECONDS).value()).contains("p1:v1");

    // The entry's life counts from its write; the epoch must last until the end of it.
    clock.advance(FRESH.plus(SWR).minusSeconds(19));
    origin.version = "v2";
    LayeredCache<String, String> cold = builder(policy).sharedStore(store, Codec.utf8()).build();
    assertThat(cold.get("p1")).isEqualTo("p1:v2");
  }

  @Test
  void notFoundEntriesWeighWhatFoundOnesDoSoMissingKeysCannotOutgrowTheWeightBound() {
    // A budget of about 20 values at 100 units per character, as a weigher in bytes would give.
    LayeredCache<String, String> cache =
        builder(policy().maximumWeight(10_000).build()).weigher((k, v) -> v.length() * 100).build();
    cache.get("p1");

    for (int i = 0; i < 1_000; i++) {
      assertThat(cache.find("missing-" + i)).isEmpty();
    }

    await().until(() -> cache.estimatedSize() <= 25);
  }

  @Test
  void sharedL2ServesOneNodesLoadToAnother() {
    CacheStore store = CacheStore.inMemory(clock);
    LayeredCache<String, String> a =
        builder(policy().build()).sharedStore(store, Codec.utf8()).build();
    LayeredCache<String, String> b =
        builder(policy().build()).sharedStore(store, Codec.utf8()).build();

    assertThat(a.get("p1")).isEqualTo("p1:v1");
    await().until(() -> b.lookup("p1").status() == CacheStatus.FRESH);

    assertThat(origin.calls("p1")).isEqualTo(1);
    assertThat(stats.count("get.L2.HIT")).isEqualTo(1);
  }

  @Test
  void theDistributedLeaseLetsOneNodeLoadAColdKeyForAll() throws Exception {
    CacheStore store = CacheStore.inMemory(clock);
    List<LayeredCache<String, String>> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(
          builder(policy().build())
              .sharedStore(store, Codec.utf8())
              .distributedLease(Duration.ofSeconds(30))
              .build());
    }
    origin.hold();
    List<CompletableFuture<String>> reads = new ArrayList<>();
    for (LayeredCache<String, String> node : nodes) {
      for (int i = 0; i < 10; i++) {
        reads.add(node.getAsync("cold"));
      }
    }
    await().until(() -> stats.count("lease.denied") == 2);
    origin.open();

    for (CompletableFuture<String> read : reads) {
      assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo("cold:v1");
    }
    assertThat(origin.calls("cold")).isEqualTo(1);
    assertThat(stats.count("lease.acquired")).isEqualTo(1);
  }

  @Test
  void aLoadThatReplacesThisNodesLeasedLoadAfterAnInvalidationTakesTheLeaseOverAtOnce()
      throws Exception {
    CacheStore store = CacheStore.inMemory(clock);
    LayeredCache<String, String> node = leasedOn(store).build();
    origin.hold();
    CompletableFuture<String> first = node.getAsync("p1");
    origin.awaitEntered();

    node.invalidate("p1"); // overtakes the leased load: the next read starts another
    origin.version = "v2";
    CompletableFuture<String> second = node.getAsync("p1");

    // Not after the hour of lease a peer's lease would cost: this node's own lease is taken over.
    await().atMost(Duration.ofSeconds(10)).until(() -> origin.calls("p1") == 2);
    origin.open();
    assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("p1:v2");
    assertThat(first.get(10, TimeUnit.SECONDS)).startsWith("p1:"); // answered at the gate's opening
    assertThat(stats.count("lease.acquired")).isEqualTo(2);
  }

  /**
   * One Cluster shard frozen, the others fine: a read that was already on its way to a healthy
   * shard when one to the frozen shard failed must not bring L2 back, or every read of a key on the
   * frozen shard waits out its command timeout again.
   */
  @Test
  void aSuccessOfAnL2CallSentBeforeAFailureDoesNotBringL2Back() throws Exception {
    ControlledStore store = new ControlledStore(CacheStore.inMemory(clock));
    LayeredCache<String, String> cache =
        builder(policy().build()).sharedStore(store, Codec.utf8()).build();
    store.holdNextRead();
    CompletableFuture<String> early = cache.getAsync("p1");
    store.awaitReadHeld();
    store.failNextRead();

    assertThat(cache.get("p2")).isEqualTo("p2:v1");
    assertThat(((LayeredCacheImpl<?, ?>) cache).isL2Down()).isTrue();
    store.releaseRead();

    assertThat(early.get(10, TimeUnit.SECONDS)).isEqualTo("p1:v1");
    assertThat(((LayeredCacheImpl<?, ?>) cache).isL2Down()).isTrue();
  }

  @Test
  void anUnreachableL2NeverFailsARead() {
    CacheStore broken = new FailingStore();
    LayeredCache<String, String> cache =
        builder(policy().build()).sharedStore(broken, Codec.utf8()).build();

    assertThat(cache.get("p1")).isEqualTo("p1:v1");
    assertThat(cache.get("p2")).isEqualTo("p2:v1");

    assertThat(stats.count("get.L2.ERROR")).isEqualTo(2);
    assertThat(((LayeredCacheImpl<?, ?>) cache).isL2Down()).isTrue();
    assertThatThrownBy(() -> cache.invalidate("p1"))
        .isInstanceOf(CacheInvalidationException.class)
        .hasMessageContaining("L2");
    assertThat(cache.get("p1")).isEqualTo("p1:v1"); // reloaded: the local drop happened
    assertThat(origin.calls("p1")).isEqualTo(2);
  }

  @Test
  void aValueThatCannotBeDecodedFromL2IsLoadedFromTheOrigin() {
    CacheStore store = CacheStore.inMemory(clock);
    Codec<String> broken =
        new Codec<>() {
          @Override
          public byte[] encode(String value) {
            return new byte[] {1};
          }

          @Override
          public String decode(byte[] bytes) {
            throw new CodecException("bad bytes", null);
          }
        };
    LayeredCache<String, String> a = builder(policy().build()).sharedStore(store, broken).build();
    LayeredCache<String, String> b = builder(policy().build()).sharedStore(store, broken).build();
    a.get("p1");
    await().until(() -> b.get("p1").equals("p1:v1"));
    assertThat(stats.count("get.L2.ERROR")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aNodeWaitingForAPeersLeaseTakesItOverAtOnceWhenThePeersLoadFails() throws Exception {
    CacheStore store = CacheStore.inMemory(clock);
    CountDownLatch peerEntered = new CountDownLatch(1);
    CountDownLatch peerGate = new CountDownLatch(1);
    LayeredCache<String, String> peer =
        builder(policy().build())
            .loader(
                key -> {
                  peerEntered.countDown();
                  if (!peerGate.await(30, TimeUnit.SECONDS)) {
                    throw new AssertionError("the test never opened the gate");
                  }
                  throw new IllegalStateException("database down on this node");
                })
            .sharedStore(store, Codec.utf8())
            .distributedLease(Duration.ofHours(1))
            .build();
    LayeredCache<String, String> node = leasedOn(store).build();
    CompletableFuture<String> peerRead = peer.getAsync("cold");
    assertThat(peerEntered.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<String> read = node.getAsync("cold");
    await().until(() -> stats.count("lease.denied") == 1);

    peerGate.countDown();

    // The peer released its lease when its load failed: the waiting node takes it on its next
    // look, not after the hour of lease (the fake clock never moves here).
    assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo("cold:v1");
    assertThat(peerRead).failsWithin(Duration.ofSeconds(10));
    assertThat(origin.calls("cold")).isEqualTo(1);
    // The peer's grant, the node's denial (once, however often it asked again) and its takeover.
    assertThat(stats.count("lease.acquired")).isEqualTo(2);
    assertThat(stats.count("lease.denied")).isEqualTo(1);
  }

  @Test
  void aFlightOvertakenWhileWaitingForAPeersLeaseLeavesTheLeaseToItsSuccessor() throws Exception {
    CacheStore store = CacheStore.inMemory(clock);
    assertThat(store.tryLease("products", "p1", "a-peer", Duration.ofHours(1)).get()).isTrue();
    LayeredCache<String, String> node = leasedOn(store).build();
    CompletableFuture<String> first = node.getAsync("p1");
    await().until(() -> stats.count("lease.denied") == 1);
    node.invalidate("p1"); // the waiting flight is overtaken; the next read starts another
    CompletableFuture<String> second = node.getAsync("p1");
    await().until(() -> stats.count("lease.denied") == 2);
    origin.hold();

    store.releaseLease("products", "p1", "a-peer").get();

    origin.awaitEntered();
    // Both flights look every 10 ms; the overtaken one must not take the lease (the owner is the
    // node, so it would get it) and load a second time.
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> origin.calls("p1") == 1);
    origin.open();
    assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("p1:v1");
    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("p1:v1");
    assertThat(origin.calls("p1")).isEqualTo(1);
  }

  @Test
  void aLeaseWaitOnAFullExecutorStillEnds() throws Exception {
    CacheStore store = CacheStore.inMemory(clock);
    assertThat(store.tryLease("products", "p1", "a-peer", Duration.ofHours(1)).get()).isTrue();
    ThreadPoolExecutor full =
        new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new SynchronousQueue<>());
    CountDownLatch busy = new CountDownLatch(1);
    try {
      LayeredCache<String, String> node = leasedOn(store).executor(full).build();
      CompletableFuture<String> read = node.getAsync("p1");
      await().until(() -> stats.count("lease.denied") == 1);
      // Its one thread, once the cache's own 10 ms looks leave it free: then the pool refuses.
      await()
          .ignoreException(RejectedExecutionException.class)
          .until(
              () -> {
                full.execute(() -> awaitQuietly(busy));
                return true;
              });

      store.releaseLease("products", "p1", "a-peer").get();

      // The next look is refused by the pool; run where it fired instead, it takes the lease and
      // asks the origin, which the full pool also refuses: the read ends, and says why.
      await().atMost(Duration.ofSeconds(10)).until(read::isDone);
      assertThat(read).isCompletedExceptionally();
    } finally {
      busy.countDown();
      full.shutdownNow();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("the test never released the pool");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aLoadThatFailsAfterTakingTheLeaseReleasesIt() throws Exception {
    CacheStore store = CacheStore.inMemory(clock);
    LayeredCache<String, String> node =
        builder(policy().maximumWeight(1_000).build())
            .weigher(
                (String key, String value) -> {
                  throw new IllegalStateException("a weigher that cannot weigh " + key);
                })
            .sharedStore(store, Codec.utf8())
            .distributedLease(Duration.ofHours(1))
            .build();

    assertThatThrownBy(() -> node.get("p1"))
        .isInstanceOf(CacheLoadException.class)
        .hasCauseInstanceOf(IllegalStateException.class);

    // Free for the other nodes at once, not in an hour.
    assertThat(store.tryLease("products", "p1", "a-peer", Duration.ofHours(1)).get()).isTrue();
  }

  @Test
  void synchronousReadersHearOfAnOriginDeadlineEvenWhenTheExecutorIsBusy() {
    ExecutorService two = Executors.newFixedThreadPool(2);
    try {
      LayeredCache<String, String> cache =
          builder(policy().originTimeout(Duration.ofMillis(100)).build()).executor(two).build();
      origin.hold();
      CompletableFuture<String> a = cache.getAsync("a");
      CompletableFuture<String> b = cache.getAsync("b"); // both threads now wait on the origin

      // The third load never gets a thread; its deadline must still end the read.
      assertTimeoutPreemptively(
          Duration.ofSeconds(5),
          () ->
              assertThatThrownBy(() -> cache.get("c"))
                  .isInstanceOfSatisfying(
                      CacheLoadException.class, e -> assertThat(e.isTimeout()).isTrue()));
      // And asynchronous callers too: not handed over through the executor the loads fill.
      for (CompletableFuture<String> stuck : List.of(a, b)) {
        assertThatThrownBy(() -> stuck.get(5, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause()
            .isInstanceOfSatisfying(
                CacheLoadException.class, e -> assertThat(e.isTimeout()).isTrue());
      }
    } finally {
      origin.open();
      two.shutdownNow();
    }
  }

  @Test
  void asynchronousReadersHearOfAnOriginDeadlineOffTheJdksTimerThread() {
    LayeredCache<String, String> cache =
        builder(policy().originTimeout(Duration.ofMillis(50)).build()).build();
    origin.hold();

    CompletableFuture<String> thread =
        cache.getAsync("slow").handle((value, error) -> Thread.currentThread().getName());

    // Where a callback that blocks harms no one else: not the timer thread every deadline uses.
    assertThat(thread)
        .succeedsWithin(Duration.ofSeconds(10))
        .asString()
        .doesNotContain("CompletableFutureDelayScheduler")
        .doesNotStartWith("securecart-deadline-");
    assertThat(stats.count("load.TIMEOUT")).isEqualTo(1);
  }

  @Test
  void aPutThatReachesNeitherL2NorTheOtherNodesIsCounted() {
    InvalidationBus downBus =
        new InvalidationBus() {
          @Override
          public CompletableFuture<Void> publish(Invalidation invalidation) {
            return CompletableFuture.failedFuture(new IllegalStateException("connection refused"));
          }

          @Override
          public Subscription subscribe(InvalidationListener listener) {
            return () -> {};
          }

          @Override
          public void close() {}
        };
    LayeredCache<String, String> l2Down =
        builder(policy().build()).sharedStore(new FailingStore(), Codec.utf8()).build();
    LayeredCache<String, String> busDown =
        builder(policy().build()).invalidationBus(downBus).build();

    l2Down.put("p1", "new price");
    busDown.put("p2", "new price");

    // Neither throws (a put must not fail a request while Redis is down), and both are counted.
    await().until(() -> stats.count("failed.KEY") == 2);
    assertThat(l2Down.get("p1")).isEqualTo("new price");
    assertThat(busDown.get("p2")).isEqualTo("new price");
    assertThat(stats.count("sent.KEY")).isZero();
  }

  @Test
  void keysAndTagsThatCannotCrossRedisUnchangedAreRefused() {
    LayeredCache<String, String> cache = cache();
    String unpaired = "sku-\uD83D";
    assertThatThrownBy(() -> cache.get(unpaired))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate");
    assertThatThrownBy(() -> cache.invalidateTag(unpaired))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate");
    assertThatThrownBy(() -> cache.put("p1", "v", Set.of("category:\uDC00shoes")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate");
    // A pair is a character like any other.
    assertThat(cache.get("sku-\uD83D\uDE00")).isEqualTo("sku-\uD83D\uDE00:v1");
    cache.invalidateTag("category:\uD83D\uDE00");
  }

  @Test
  void argumentsAreChecked() {
    LayeredCache<String, String> cache = cache();
    assertThatThrownBy(() -> cache.get(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key cannot be null");
    assertThatThrownBy(() -> cache.invalidateTag("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> cache.get("p1", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("loader cannot be null");
    assertThatThrownBy(
            () ->
                LayeredCache.<String, String>builder("x", CachePolicy.ofDefaults())
                    .loader((CacheLoader<String, String>) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("loader cannot be null");
    assertThatThrownBy(() -> LayeredCache.builder("bad name", CachePolicy.ofDefaults()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad name");
    assertThatThrownBy(() -> LayeredCache.builder("x", CachePolicy.ofDefaults()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("loader");
    assertThatThrownBy(
            () ->
                LayeredCache.<String, String>builder("x", CachePolicy.ofDefaults())
                    .loader(origin)
                    .distributedLease(Duration.ofSeconds(1))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("sharedStore");
    assertThatThrownBy(
            () ->
                LayeredCache.<String, String>builder(
                        "x", CachePolicy.builder().maximumWeight(10).build())
                    .loader(origin)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("weigher");
  }

  /** A store whose every call fails, as Redis does when it is down. */
  private static final class FailingStore implements CacheStore {
    private static <T> CompletableFuture<T> down() {
      return CompletableFuture.failedFuture(new IllegalStateException("connection refused"));
    }

    @Override
    public CompletableFuture<ReadResult> read(String cache, String key) {
      return down();
    }

    @Override
    public CompletableFuture<Boolean> write(String cache, String key, StoredEntry entry) {
      return down();
    }

    @Override
    public CompletableFuture<Long> invalidateKey(String cache, String key, Duration retain) {
      return down();
    }

    @Override
    public CompletableFuture<Long> invalidateTag(String cache, String tag, Duration retain) {
      return down();
    }

    @Override
    public CompletableFuture<Long> invalidateAll(String cache, Duration retain) {
      return down();
    }

    @Override
    public CompletableFuture<Boolean> tryLease(
        String cache, String key, String owner, Duration duration) {
      return down();
    }

    @Override
    public CompletableFuture<Void> releaseLease(String cache, String key, String owner) {
      return down();
    }

    @Override
    public void close() {}
  }
}
