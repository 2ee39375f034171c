package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;

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
      assertEveryKeyReads(cache, loads, "together");
      assertThat(threads)
          .hasSize(loads)
          .allMatch(name -> name.startsWith("securecart-cache-load-"));
    }
  }

  /**
   * A loader that reads another cache waits for a load of its own. With more such loads at once
   * than a bounded pool would have threads, the inner loads must still run (each waits until all of
   * them are inside its loader), not wait in line behind the outer loads that wait for them.
   */
  @Test
  void loadsThatReadAnotherCacheAllRunTogetherWithTheLoadsTheyWaitFor() {
    int outerLoads = 100;
    CountDownLatch innerInside = new CountDownLatch(outerLoads);
    try (LayeredCache<Integer, String> inner =
            withoutExecutor(
                "default-executor-inner",
                key -> {
                  innerInside.countDown();
                  boolean together = innerInside.await(10, TimeUnit.SECONDS);
                  return Loaded.of(together ? "inner" : "inner alone");
                });
        LayeredCache<Integer, String> outer =
            withoutExecutor(
                "default-executor-outer", key -> Loaded.of(inner.get(key) + "+outer"))) {
      assertEveryKeyReads(outer, outerLoads, "inner+outer");
    }
  }

  /** Reads keys 0 to {@code count - 1} at once and expects each read to give {@code expected}. */
  private static void assertEveryKeyReads(
      LayeredCache<Integer, String> cache, int count, String expected) {
    List<CompletableFuture<String>> reads = new ArrayList<>();
    for (int key = 0; key < count; key++) {
      reads.add(cache.getAsync(key));
    }
    assertThat(reads)
        .allSatisfy(
            read -> assertThat(read).succeedsWithin(Duration.ofSeconds(20)).isEqualTo(expected));
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
