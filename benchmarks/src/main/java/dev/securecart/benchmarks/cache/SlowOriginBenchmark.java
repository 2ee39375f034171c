package dev.securecart.benchmarks.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.securecart.cache.CachePolicy;
import dev.securecart.cache.LayeredCache;
import dev.securecart.cache.Loaded;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Read latency while the origin is slow: every key goes stale every {@code freshMillis} and the
 * origin takes {@code originMillis} to answer. LayeredCache with stale-while-revalidate and
 * Caffeine's {@code refreshAfterWrite} answer from the stale value while one refresh runs; a plain
 * {@code get(key, loader)} on an {@code expireAfterWrite} cache makes the unlucky reader wait for
 * the origin. Sample mode: read the p50/p99/p99.9 columns.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar SlowOriginBenchmark -f 1 -wi 3 -i 5 -w 2 -r 5 -t 2
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class SlowOriginBenchmark {

  static final int ITEMS = 256;

  /** The peers. */
  public enum CacheType {
    LayeredCacheStaleWhileRevalidate,
    CaffeineRefreshAfterWrite,
    CaffeineGetWithLoaderAfterExpiry
  }

  @Param({
    "LayeredCacheStaleWhileRevalidate",
    "CaffeineRefreshAfterWrite",
    "CaffeineGetWithLoaderAfterExpiry"
  })
  CacheType cacheType;

  @Param("200")
  long freshMillis;

  @Param("20")
  long originMillis;

  ExecutorService executor;
  SlowOriginBenchmarkReader reader;
  Long[] keys;

  /** The adapter: one read. */
  @FunctionalInterface
  interface SlowOriginBenchmarkReader {
    Object read(Long key);
  }

  Long origin(Long key) {
    try {
      Thread.sleep(originMillis); // a slow database
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return key;
  }

  @Setup(Level.Trial)
  public void setUp() {
    executor = Executors.newCachedThreadPool();
    Duration fresh = Duration.ofMillis(freshMillis);
    switch (cacheType) {
      case LayeredCacheStaleWhileRevalidate -> {
        LayeredCache<Long, Long> cache =
            LayeredCache.<Long, Long>builder(
                    "bench",
                    CachePolicy.builder()
                        .freshFor(fresh)
                        .staleWhileRevalidate(Duration.ofHours(1))
                        .build())
                .loader(key -> Loaded.of(origin(key)))
                .executor(executor)
                .build();
        reader = cache::get;
      }
      case CaffeineRefreshAfterWrite -> {
        LoadingCache<Long, Long> cache =
            Caffeine.newBuilder().refreshAfterWrite(fresh).executor(executor).build(this::origin);
        reader = cache::get;
      }
      case CaffeineGetWithLoaderAfterExpiry -> {
        Cache<Long, Long> cache =
            Caffeine.newBuilder().expireAfterWrite(fresh).executor(executor).build();
        reader = key -> cache.get(key, this::origin);
      }
    }
    keys = ZipfKeys.generate(ITEMS, 7);
    for (long i = 0; i < ITEMS; i++) {
      reader.read(i);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    executor.shutdownNow();
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
