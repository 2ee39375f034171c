package dev.securecart.benchmarks.cache;

import com.github.benmanes.caffeine.cache.Cache;
import dev.securecart.cache.CachePolicy;
import dev.securecart.cache.LayeredCache;
import dev.securecart.cache.Loaded;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.cache.caffeine.CaffeineCache;

/**
 * The L1 hit path: {@code LayeredCache.get} against raw Caffeine {@code getIfPresent} and Spring's
 * {@code CaffeineCache.get}, every key present and fresh, keys Zipf-distributed. Goal: LayeredCache
 * within 1.3x of raw Caffeine.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar CacheHitBenchmark -f 2 -wi 5 -i 5 -w 1 -r 2 -t 1
 * java -jar benchmarks/target/benchmarks.jar CacheHitBenchmark -f 2 -wi 5 -i 5 -w 1 -r 2 -t 2
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CacheHitBenchmark {

  /** The peers behind one adapter. */
  public enum CacheType {
    LayeredCache {
      @Override
      Reader create(int items) {
        LayeredCache<Long, Long> cache =
            dev.securecart.cache.LayeredCache.<Long, Long>builder(
                    "bench",
                    CachePolicy.builder()
                        .freshFor(Duration.ofHours(1))
                        .maximumSize(2L * items)
                        .build())
                .loader(Loaded::of)
                .build();
        for (long i = 0; i < items; i++) {
          cache.put(i, i);
        }
        return cache::get;
      }
    },
    Caffeine {
      @Override
      Reader create(int items) {
        Cache<Long, Long> cache =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
                .maximumSize(2L * items)
                .build();
        for (long i = 0; i < items; i++) {
          cache.put(i, i);
        }
        return cache::getIfPresent;
      }
    },
    SpringCaffeineCache {
      @Override
      Reader create(int items) {
        CaffeineCache cache =
            new CaffeineCache(
                "bench",
                com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
                    .maximumSize(2L * items)
                    .build());
        for (long i = 0; i < items; i++) {
          cache.put(i, i);
        }
        return cache::get;
      }
    };

    abstract Reader create(int items);
  }

  /** The adapter: one read. */
  @FunctionalInterface
  interface Reader {
    Object read(Long key);
  }

  @Param({"LayeredCache", "Caffeine", "SpringCaffeineCache"})
  CacheType cacheType;

  /**
   * Entries in the cache. At the default, raw Caffeine's 16,384 nodes fit in one 4 MB G1 region and
   * a LayeredCache's (whose entries carry more: an {@code Entry}, the key as a string, its index
   * node) do not; Caffeine's reordering on reads then writes references across regions only for the
   * latter, and G1's concurrent refinement takes CPU from the readers (see RESULTS.md). A
   * production-sized cache spans many regions either way.
   */
  @Param({"16384"})
  int items;

  /**
   * Whether {@code ConcurrentHashMap.get} has seen keys of several types before the cache is built,
   * as it has in any real service. Its {@code equals} call is then compiled as a virtual call for
   * every cache; in a fresh JVM, raw Caffeine's arm sees only {@code Long} keys and gets {@code
   * Long.equals} inlined, while a LayeredCache's own setup (its String-keyed indexes) already
   * spoils that profile. See RESULTS.md.
   */
  @Param({"false"})
  boolean polluteProfiles;

  /**
   * Whether setup ends by allocating ~1.3 GB of garbage, so that a few young collections move the
   * cache's objects as they would have been moved in a service that has run for a while: G1 copies
   * them in the order it traces them, not the order the fill loop allocated them. Without it, no
   * collection runs between setup and measurement (reads allocate nothing), and each arm is read in
   * its fill loop's layout, where raw Caffeine's node, key and value sit side by side. See
   * RESULTS.md.
   */
  @Param({"false"})
  boolean churn;

  Reader reader;
  Long[] keys;

  /** Where the churn's garbage goes, so that the JIT cannot drop the allocations. */
  static volatile Object garbage;

  @Setup
  public void setUp() {
    if (polluteProfiles) {
      polluteMapProfiles();
    }
    reader = cacheType.create(items);
    keys = ZipfKeys.generate(items, 42);
    if (churn) {
      for (int i = 0; i < 20_000_000; i++) {
        garbage = new byte[64];
      }
    }
    for (Long key : keys) {
      if (reader.read(key) == null) {
        throw new IllegalStateException("key " + key + " is missing");
      }
    }
  }

  /** Looks up equal-but-not-identical keys of four types, so that {@code equals} is called. */
  private static void polluteMapProfiles() {
    ConcurrentHashMap<Object, Object> map = new ConcurrentHashMap<>();
    for (int i = 0; i < 1_000; i++) {
      map.put("key-" + i, i);
      map.put(1_000_000 + i, i);
      map.put(new java.util.UUID(i, i), i);
      map.put(List.of(i), i);
    }
    long found = 0;
    for (int round = 0; round < 100; round++) {
      for (int i = 0; i < 1_000; i++) {
        found += map.get(new String("key-" + i)) != null ? 1 : 0;
        found += map.get(Integer.valueOf(1_000_000 + i)) != null ? 1 : 0;
        found += map.get(new java.util.UUID(i, i)) != null ? 1 : 0;
        found += map.get(List.of(i)) != null ? 1 : 0;
      }
    }
    if (found != 400_000) {
      throw new IllegalStateException("found " + found);
    }
  }

  /** Each thread walks the key sequence from its own offset. */
  @State(Scope.Thread)
  public static class ThreadState {
    int index = (int) (Thread.currentThread().getId() * 0x9E3779B9L) & ZipfKeys.MASK;
  }

  @Benchmark
  public Object read(ThreadState state) {
    return reader.read(keys[state.index++ & ZipfKeys.MASK]);
  }
}
