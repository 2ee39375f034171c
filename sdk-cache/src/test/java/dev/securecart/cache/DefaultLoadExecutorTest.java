package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.cache.internal.LoadExecutor;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Where a cache built without an executor runs its loads. */
final class DefaultLoadExecutorTest {

  /**
   * Blocking loads of different keys overlap, and on the cache's own threads: in the common pool
   * (one worker per core but one) they would queue behind one another on 3 or 4 cores, and on 2,
   * where {@code CompletableFuture} swaps that one-worker pool for a new thread per task, a spike
   * of cold keys would start a thread each. Each load waits until all of them are inside the loader
   * at once.
   */
  @Test
  void blockingLoadsOfDifferentKeysRunAtTheSameTimeOnTheDefaultExecutor() {
    int loads = ForkJoinPool.getCommonPoolParallelism() + 4;
    CountDownLatch allInside = new CountDownLatch(loads);
    Set<String> threads = ConcurrentHashMap.newKeySet();
    try (LayeredCache<Integer, String> cache =
        withoutExecutor(
            "default-executor",
            key -> {
              threads.add(Thread.currentThread().getName());
              allInside.countDown();
              boolean together = allInside.await(10, TimeUnit.SECONDS);
              return Loaded.of(together ? "together" : "alone");
            })) {
      List<CompletableFuture<String>> reads = new ArrayList<>();
      for (int key = 0; key < loads; key++) {
        reads.add(cache.getAsync(key));
      }

      assertThat(reads)
          .allSatisfy(
              read ->
                  assertThat(read).succeedsWithin(Duration.ofSeconds(20)).isEqualTo("together"));
      assertThat(threads)
          .hasSize(loads)
          .allMatch(name -> name.startsWith("securecart-cache-load-"));
    }
  }

  /**
   * More cold keys at once than the executor has threads: {@link LoadExecutor#MAXIMUM_THREADS}
   * loads run together, and one more waits in line until one of them returns.
   */
  @Test
  void aSpikeOfColdKeysRunsAtMostTheBoundAtOnceAndTheRestInLine() {
    int bound = LoadExecutor.MAXIMUM_THREADS;
    CountDownLatch boundInside = new CountDownLatch(bound);
    CountDownLatch release = new CountDownLatch(1);
    try (LayeredCache<Integer, String> cache =
        withoutExecutor(
            "default-executor-bound",
            key -> {
              if (key == bound) {
                return Loaded.of("the one in line");
              }
              boundInside.countDown();
              return Loaded.of(release.await(20, TimeUnit.SECONDS) ? "held" : "never released");
            })) {
      List<CompletableFuture<String>> held = new ArrayList<>();
      for (int key = 0; key < bound; key++) {
        held.add(cache.getAsync(key));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> boundInside.getCount() == 0);

      CompletableFuture<String> inLine = cache.getAsync(bound);
      // Its loader returns at once wherever it runs, so finishing now would mean a thread past
      // the bound; waiting a while for that not to happen cannot fail while the bound holds.
      assertThat(inLine).failsWithin(Duration.ofMillis(300));
      release.countDown();

      assertThat(inLine).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("the one in line");
      assertThat(held)
          .allSatisfy(
              read -> assertThat(read).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("held"));
    }
  }

  /**
   * A load thread is created by whichever thread submits while the pool is short, here the test's:
   * it must not carry that thread's inheritable thread locals (a request's logging context would
   * label other loads) or its context class loader.
   */
  @Test
  void aLoadThreadInheritsNothingFromTheThreadThatStartedIt() throws Exception {
    InheritableThreadLocal<String> requestId = new InheritableThreadLocal<>();
    ClassLoader own = Thread.currentThread().getContextClassLoader();
    try (URLClassLoader requestLoader = new URLClassLoader(new URL[0], own);
        LayeredCache<Integer, String> cache =
            withoutExecutor(
                "default-executor-inherit",
                key ->
                    Loaded.of(
                        requestId.get()
                            + " "
                            + (Thread.currentThread().getContextClassLoader()
                                == LoadExecutor.class.getClassLoader())))) {
      requestId.set("request-1");
      Thread.currentThread().setContextClassLoader(requestLoader);
      CompletableFuture<String> read = cache.getAsync(1);

      assertThat(read).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("null true");
    } finally {
      requestId.remove();
      Thread.currentThread().setContextClassLoader(own);
    }
  }

  /** A cache built without an executor, so that its loads run on the default one. */
  private static LayeredCache<Integer, String> withoutExecutor(
      String name, CacheLoader<Integer, String> loader) {
    return LayeredCache.<Integer, String>builder(
            name,
            CachePolicy.builder()
                .freshFor(Duration.ofMinutes(1))
                .originTimeout(Duration.ofSeconds(30))
                .build())
        .loader(loader)
        .build();
  }
}
