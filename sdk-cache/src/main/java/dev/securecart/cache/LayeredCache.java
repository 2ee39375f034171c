package dev.securecart.cache;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;
import static dev.securecart.core.internal.Preconditions.requirePositive;
import static dev.securecart.core.internal.Preconditions.requireState;

import dev.securecart.cache.internal.CacheSettings;
import dev.securecart.cache.internal.LayeredCacheImpl;
import dev.securecart.cache.internal.LoadExecutor;
import dev.securecart.core.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A cache for reads that must stay fast while the origin (a database, a service) is slow, and keep
 * answering while it is down: an L1 Caffeine cache in the process, an optional L2 {@link
 * CacheStore} shared by every node (Redis), and the origin {@link CacheLoader} behind them.
 *
 * <ul>
 *   <li>Entries go fresh → stale-while-revalidate → stale-if-error → expired, as the {@link
 *       CachePolicy} says.
 *   <li>Each node loads a key from the origin at most once at a time (request coalescing); with
 *       {@link Builder#distributedLease(Duration)} one node at a time across all nodes.
 *   <li>{@link #invalidate}, {@link #invalidateTag} and {@link #invalidateAll} reach every node's
 *       L1 (through the {@link InvalidationBus}) and the shared L2, and a load that was in flight
 *       when the invalidation arrived is not cached.
 *   <li>L2 or bus failures never fail a read: the cache falls back to L1 and the origin, and
 *       recovers by itself.
 * </ul>
 *
 * <pre>{@code
 * LayeredCache<Long, Product> products =
 *     LayeredCache.<Long, Product>builder("products", CachePolicy.builder()
 *             .freshFor(Duration.ofSeconds(60)).staleWhileRevalidate(Duration.ofMinutes(10)).build())
 *         .loader(id -> repository.find(id)
 *             .map(p -> Loaded.of(p, Set.of("product:" + id, "category:" + p.category())))
 *             .orElseGet(Loaded::notFound))
 *         .build();
 * Product p = products.get(42L);
 * products.invalidateTag("category:shoes");
 * }</pre>
 *
 * <p>Implementations are thread-safe.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface LayeredCache<K, V> extends AutoCloseable {

  /**
   * A builder for a cache.
   *
   * @param name the cache's name: in metrics, logs and L2 keys; letters, digits, {@code . _ -}
   * @param policy how long entries are served, and how
   * @return a new builder
   * @throws IllegalArgumentException if the name is empty or has other characters
   */
  static <K, V> Builder<K, V> builder(String name, CachePolicy policy) {
    return new Builder<>(name, policy);
  }

  /**
   * Returns the value for {@code key}: from L1 when fresh (the fast path: no allocation), else as
   * {@link #lookup} does.
   *
   * @param key the key
   * @return the value
   * @throws EntryNotFoundException if the origin has no entry for the key
   * @throws CacheLoadException if the origin failed and no stale value may be served
   */
  V get(K key);

  /**
   * Returns the value for {@code key} as {@link #get(Object)} does, except that a load this call
   * starts (on a miss, or a background refresh) runs {@code loader} instead of the cache's loader:
   * for callers that only know at the call site how to load, as with Spring's {@code Cache.get(key,
   * Callable)}. Concurrent reads of the key still share one load, whichever loader started it.
   *
   * @param key the key
   * @param loader how to load the key if this call has to
   * @return the value
   * @throws EntryNotFoundException if the loader has no entry for the key
   * @throws CacheLoadException if the load failed and no stale value may be served
   */
  V get(K key, CacheLoader<? super K, V> loader);

  /**
   * Returns the value for {@code key}, or empty when the origin has none.
   *
   * @param key the key
   * @return the value, if any
   * @throws CacheLoadException if the origin failed and no stale value may be served
   */
  Optional<V> find(K key);

  /**
   * Returns the value for {@code key} with where it came from: {@link CacheStatus#FRESH} from L1 or
   * L2, {@link CacheStatus#STALE} at once while one background refresh runs, {@link
   * CacheStatus#MISS_LOADED} after waiting for the (single, coalesced) origin load, or {@link
   * CacheStatus#STALE_IF_ERROR} when that load failed.
   *
   * @param key the key
   * @return the result
   * @throws CacheLoadException if the origin failed and no stale value may be served
   */
  CacheResult<V> lookup(K key);

  /**
   * {@link #get} without blocking.
   *
   * @param key the key
   * @return the value, or a future failed with {@link EntryNotFoundException} or {@link
   *     CacheLoadException}
   */
  CompletableFuture<V> getAsync(K key);

  /**
   * {@link #lookup} without blocking.
   *
   * @param key the key
   * @return the result, or a future failed with {@link CacheLoadException}
   */
  CompletableFuture<CacheResult<V>> lookupAsync(K key);

  /**
   * Writes a value through L1 and L2, and tells the other nodes to drop their copy. Loads of the
   * key in flight on this node are not cached. The L2 write and the message are sent in the
   * background and never fail the call; if Redis is unreachable they are skipped, never queued,
   * counted as {@code securecart.cache.invalidations{direction=failed}} and logged at WARN (at most
   * once per 10 s). Where the caller must know that every node was told, call {@link #invalidate}
   * instead (the next read loads the new value): it throws when they could not be.
   *
   * @param key the key
   * @param value the value
   * @param tags its tags
   */
  void put(K key, V value, Set<String> tags);

  /**
   * {@link #put(Object, Object, Set)} without tags.
   *
   * @param key the key
   * @param value the value
   */
  default void put(K key, V value) {
    put(key, value, Set.of());
  }

  /**
   * Drops the entry for {@code key} from this node's L1 at once, then from L2, then from every
   * other node's L1. A load of the key in flight anywhere is not cached.
   *
   * @param key the key
   * @throws CacheInvalidationException if L2 or the bus could not be told (this node's L1 was)
   */
  void invalidate(K key);

  /**
   * Drops every entry tagged {@code tag}, on every node and in L2, as {@link #invalidate} does.
   *
   * @param tag the tag
   * @throws CacheInvalidationException if L2 or the bus could not be told (this node's L1 was)
   */
  void invalidateTag(String tag);

  /**
   * Drops every entry of this cache, on every node and in L2, as {@link #invalidate} does: this
   * node's L1 at once, then L2 (entries written before are hidden), then every other node's L1.
   * Loads in flight anywhere are not cached. For a change that touches too many entries to name (a
   * new price list, a deploy that changes the value format).
   *
   * @throws CacheInvalidationException if L2 or the bus could not be told (this node's L1 was)
   */
  void invalidateAll();

  /** The cache's name. */
  String name();

  /** The cache's policy. */
  CachePolicy policy();

  /** The number of entries in this node's L1 (approximate). */
  long estimatedSize();

  /** Unsubscribes from the bus. Does not close the store, bus or executor it was given. */
  @Override
  void close();

  /**
   * Builds a {@link LayeredCache}. Not thread-safe.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  final class Builder<K, V> {
    private final String name;
    private final CachePolicy policy;
    private @Nullable AsyncCacheLoader<? super K, V> loader;
    private Function<? super K, String> keyMapper = String::valueOf;
    private @Nullable CacheStore store;
    private @Nullable Codec<V> codec;
    private @Nullable InvalidationBus bus;
    private Duration leaseDuration = Duration.ZERO;
    private Duration l2RetryInterval = DEFAULT_L2_RETRY_INTERVAL;
    private Ticker ticker = Ticker.systemTicker();
    private Clock clock = Clock.systemUTC();
    private Executor executor = LoadExecutor.shared();
    private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
    private CacheStatsCounter.Factory stats = name -> CacheStatsCounter.disabled();
    private @Nullable Weigher<? super K, ? super V> weigher;

    /** How long L2 is left alone after it failed, before one request probes it: 1 s. */
    public static final Duration DEFAULT_L2_RETRY_INTERVAL = Duration.ofSeconds(1);

    private Builder(String name, CachePolicy policy) {
      requireNonNull(name, "name");
      requireArgument(
          !name.isEmpty() && name.length() <= 100 && name.matches("[A-Za-z0-9._-]+"),
          "name must be 1 to 100 letters, digits, '.', '_' or '-', but was '%s'",
          name);
      this.name = name;
      this.policy = requireNonNull(policy, "policy");
    }

    /**
     * The origin, called on the executor.
     *
     * @param loader the loader
     * @return this builder
     */
    public Builder<K, V> loader(CacheLoader<? super K, V> loader) {
      this.loader = AsyncCacheLoader.<K, V>from(loader);
      return this;
    }

    /**
     * An origin with a non-blocking client.
     *
     * @param loader the loader
     * @return this builder
     */
    public Builder<K, V> asyncLoader(AsyncCacheLoader<? super K, V> loader) {
      this.loader = requireNonNull(loader, "loader");
      return this;
    }

    /**
     * How a key becomes a string for L2 keys and invalidation messages; must be one-to-one. Default
     * {@code String.valueOf}.
     *
     * @param keyMapper the mapper
     * @return this builder
     */
    public Builder<K, V> keyMapper(Function<? super K, String> keyMapper) {
      this.keyMapper = requireNonNull(keyMapper, "keyMapper");
      return this;
    }

    /**
     * The shared L2, and the codec its values cross it with.
     *
     * @param store the store (shared by every node)
     * @param codec the codec
     * @return this builder
     */
    public Builder<K, V> sharedStore(CacheStore store, Codec<V> codec) {
      this.store = requireNonNull(store, "store");
      this.codec = requireNonNull(codec, "codec");
      return this;
    }

    /**
     * The bus that carries invalidations between nodes.
     *
     * @param bus the bus
     * @return this builder
     */
    public Builder<K, V> invalidationBus(InvalidationBus bus) {
      this.bus = requireNonNull(bus, "bus");
      return this;
    }

    /**
     * Lets only one node at a time load a key from the origin, through a lease in the shared store
     * that lasts at most {@code duration}; the other nodes wait for its result in L2 (and load
     * themselves if it does not come within the lease). Needs a shared store.
     *
     * @param duration longer than a load usually takes
     * @return this builder
     */
    public Builder<K, V> distributedLease(Duration duration) {
      this.leaseDuration = requirePositive(duration, "distributedLease");
      return this;
    }

    /**
     * How long L2 is left alone after a failure before one request probes it again.
     *
     * @param interval a positive duration
     * @return this builder
     */
    public Builder<K, V> l2RetryInterval(Duration interval) {
      this.l2RetryInterval = requirePositive(interval, "l2RetryInterval");
      return this;
    }

    /**
     * The monotonic time source for L1 freshness (default the system ticker).
     *
     * @param ticker the ticker
     * @return this builder
     */
    public Builder<K, V> ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * The wall clock for L2 deadlines, which nodes share (default UTC system clock).
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder<K, V> clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Where origin loads and background refreshes run. The default is a pool shared by every cache
     * built without one, a daemon thread ({@code securecart-cache-load-N}) per load running at the
     * moment, idle ones reused and ended after a minute. Not the common pool, which has a worker
     * per core but one (and on 2 cores, JDK 17 replaces with a thread per task); not bounded, so a
     * loader that reads another cache never waits in line behind loads waiting for it. Give a cache
     * its own executor to bound or isolate its loads.
     *
     * @param executor the executor
     * @return this builder
     */
    public Builder<K, V> executor(Executor executor) {
      this.executor = requireNonNull(executor, "executor");
      return this;
    }

    /**
     * The random source for jitter and early refresh: uniform doubles in {@code [0, 1)}.
     *
     * @param random the source; must be thread-safe
     * @return this builder
     */
    public Builder<K, V> random(DoubleSupplier random) {
      this.random = requireNonNull(random, "random");
      return this;
    }

    /**
     * Where the cache reports what it does, such as {@link CacheMetrics#factory}.
     *
     * @param factory makes the counter, given the cache's name
     * @return this builder
     */
    public Builder<K, V> statsCounter(CacheStatsCounter.Factory factory) {
      this.stats = requireNonNull(factory, "factory");
      return this;
    }

    /**
     * The weigher for a policy with a maximum weight.
     *
     * @param weigher the weigher
     * @return this builder
     */
    public Builder<K, V> weigher(Weigher<? super K, ? super V> weigher) {
      this.weigher = requireNonNull(weigher, "weigher");
      return this;
    }

    /**
     * Builds the cache and subscribes it to the bus.
     *
     * @return the cache
     * @throws IllegalStateException if no loader was set, a lease was asked for without a store, or
     *     the policy has a maximum weight and no weigher was set
     */
    public LayeredCache<K, V> build() {
      AsyncCacheLoader<? super K, V> origin = loader;
      requireState(origin != null, "cache '%s' needs a loader", name);
      requireState(
          leaseDuration.isZero() || store != null,
          "cache '%s': distributedLease needs a sharedStore",
          name);
      requireState(
          policy.maximumWeight().isEmpty() || weigher != null,
          "cache '%s': a policy with maximumWeight needs a weigher",
          name);
      requireState(
          weigher == null || policy.maximumWeight().isPresent(),
          "cache '%s': a weigher needs a policy with maximumWeight",
          name);
      return new LayeredCacheImpl<>(
          new CacheSettings<>(
              name,
              policy,
              requireNonNull(origin, "loader"),
              keyMapper,
              store,
              codec,
              bus,
              leaseDuration,
              l2RetryInterval,
              ticker,
              clock,
              executor,
              random,
              requireNonNull(stats.create(name), "statsCounter"),
              weigher));
    }
  }
}
