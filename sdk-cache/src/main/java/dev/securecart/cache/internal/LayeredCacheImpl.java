package dev.securecart.cache.internal;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.securecart.cache.AsyncCacheLoader;
import dev.securecart.cache.CacheInvalidationException;
import dev.securecart.cache.CacheLoadException;
import dev.securecart.cache.CacheLoader;
import dev.securecart.cache.CachePolicy;
import dev.securecart.cache.CacheResult;
import dev.securecart.cache.CacheStatsCounter;
import dev.securecart.cache.CacheStatsCounter.CodecOperation;
import dev.securecart.cache.CacheStatsCounter.GetResult;
import dev.securecart.cache.CacheStatsCounter.InvalidationKind;
import dev.securecart.cache.CacheStatsCounter.Layer;
import dev.securecart.cache.CacheStatsCounter.LoadResult;
import dev.securecart.cache.CacheStatus;
import dev.securecart.cache.CacheStore;
import dev.securecart.cache.Codec;
import dev.securecart.cache.CodecException;
import dev.securecart.cache.EntryNotFoundException;
import dev.securecart.cache.Invalidation;
import dev.securecart.cache.InvalidationBus;
import dev.securecart.cache.InvalidationListener;
import dev.securecart.cache.LayeredCache;
import dev.securecart.cache.Loaded;
import dev.securecart.cache.StoredEntry;
import dev.securecart.cache.Weigher;
import dev.securecart.core.Ticker;
import dev.securecart.core.internal.DeadlineTimer;
import dev.securecart.core.internal.LogThrottle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LayeredCache}: Caffeine L1, optional {@link CacheStore} L2, the origin behind them.
 * Build it with {@link LayeredCache#builder}.
 */
// Every async step ends in a whenComplete that handles its own failure (fail(flight, e)); the
// futures those return carry nothing more.
@SuppressWarnings("FutureReturnValueIgnored")
public final class LayeredCacheImpl<K, V> implements LayeredCache<K, V> {

  /*
   * How is the layered cache designed, and why?
   *
   * STATES. Every entry carries three deadlines on the cache's ticker: freshUntil, staleUntil and
   * expiresAt (written = origin load time; freshFor is shortened by jitter; the stale windows
   * follow it). A read classifies the L1 entry:
   *
   *   fresh ──freshUntil──▶ stale-while-revalidate ──staleUntil──▶ stale-if-error ──expiresAt──▶ expired
   *   serve as is           serve at once, start one      wait for the (one)          never served;
   *   (XFetch may start an  background refresh            load; if it fails or         removed when
   *   early refresh)                                      times out, serve stale       seen
   *
   * The fast path (get on a fresh L1 hit) is one Caffeine lookup, one read of a coarse (1 ms)
   * ticker, two compares and a stats call: no allocation and no nanoTime call (CoarseTicker: on
   * many VMs nanoTime costs as much as the lookup). Caffeine has no expiry of its own here (it
   * would read the ticker again on every lookup); entries past expiresAt are removed when a read
   * sees them, or evicted by size. Negative ("not found") entries have only a fresh window (negativeTtl).
   *
   * COALESCING. Each node has at most one Flight per key (flights map, putIfAbsent). Everything that
   * needs the origin joins it: misses, stale-if-error reads, background refreshes. A flight reads
   * L2 first (a fresh L2 copy ends it), then, with the distributed lease on, takes a short lease in
   * the store so that only one node loads the key; the others poll L2 for its result. The flight
   * stays registered until the origin answered or its deadline passed, and readers that missed L1
   * just before a flight finished re-check L1 after winning the putIfAbsent, so a key is never
   * loaded twice at once on one node.
   *
   * VERSION STAMPS (why an invalidation is never undone by a racing load). A node keeps a sequence
   * that every invalidation it applies (local or received) advances; it records the new value
   * against the key or tag (keyRecords, tagRecords; the maximum wins). A flight reads the sequence
   * when it starts. Installing its result happens inside Caffeine's compute for the key, and that
   * compute first registers the key in the tag and key indexes and then checks the records: if the
   * key or any of the result's tags was invalidated after the flight started, the result is
   * returned to the readers but not cached. An invalidation records first and then looks the key
   * up in the indexes and removes it (again through compute). Either the invalidation sees the
   * key in the index (and removes the entry after the install), or the install sees the record
   * (and does not cache). Records are pruned once no flight older than them remains, and no origin
   * call still waited for (at most ABANDONED_AFTER_DEADLINES deadlines old), so the maps stay as
   * small as the invalidations of that span.
   *
   * The same holds across nodes in L2 (see CacheStore): the store has its own stamp sequence; a
   * flight reads it together with the entry; invalidating a key bumps the key's epoch and deletes
   * the entry atomically in the key's slot, and a write stamped before the epoch is refused;
   * invalidating a tag bumps the tag's epoch and readers hide entries stamped before it. Tags are
   * stored inside the entry, so no tag→keys set has to be kept consistent across Cluster slots.
   *
   * BUS RECONNECTS: DROP, NOT REVALIDATE. Redis pub/sub loses what is published while a
   * subscriber is disconnected. When the bus is subscribed again it says so, and this cache then
   * advances its sequence past every flight in progress and raises its drop floor there, so that no
   * flight begun before is cached and no L1 entry made before is served, from that moment on any
   * thread; the entries are freed afterwards (on the executor, one pass at a time). Revalidating
   * each L1 entry against L2 instead would cost one L2 round trip per entry (hundreds of
   * thousands) before the node could serve, would fail when L2 is the thing that was down, and
   * does nothing for a cache without L2; dropping takes effect with one compare-and-set, and L2
   * refills L1 one key at a time, only for the keys that are read again. While the bus is
   * disconnected, L1 keeps serving (bounded by the fresh and stale windows): a Redis outage must
   * not take reads down.
   *
   * REDIS DOWN. L2 failures never fail a read: the flight goes on to the origin. After a failure L2
   * is skipped (reads and writes) except one probe per retry interval; the first success brings it
   * back (L2Health, logged once each way). Lettuce rejects commands while disconnected, so nothing
   * queues up.
   */

  private static final Logger logger = LoggerFactory.getLogger(LayeredCache.class);

  /** How often a node without the lease looks for the leaseholder's result in L2. */
  private static final long LEASE_POLL_MILLIS = 10;

  /** Records are pruned when there are more than this many (and then at twice what remained). */
  private static final int MIN_PRUNE_THRESHOLD = 1024;

  /**
   * At most one WARN per this interval about puts and invalidations that did not propagate, one
   * about values that could not be encoded for L2, one about values read from L2 that could not be
   * decoded, and one about messages the bus may have lost (each a {@link LogThrottle} on the
   * cache's ticker).
   */
  private static final Duration WARN_INTERVAL = Duration.ofSeconds(10);

  /**
   * After how many origin deadlines a call that still runs is presumed hung, and the next flight of
   * its key asks the origin again instead of waiting for it.
   */
  static final int ABANDONED_AFTER_DEADLINES = 10;

  /** How long a synchronous invalidate waits for L2 and the bus. */
  private static final long INVALIDATION_WAIT_SECONDS = 10;

  /** Raises {@link #allFloor} by compare-and-set. */
  private static final VarHandle ALL_FLOOR;

  static {
    try {
      ALL_FLOOR =
          MethodHandles.lookup().findVarHandle(LayeredCacheImpl.class, "allFloor", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final String name;
  private final CachePolicy policy;
  private final AsyncCacheLoader<? super K, V> loader;
  private final Function<? super K, String> keyMapper;
  private final @Nullable CacheStore store;
  private final @Nullable Codec<V> codec;
  private final @Nullable InvalidationBus bus;
  private final Ticker ticker;

  /**
   * The ticker for the fresh-hit check: the shared {@link CoarseTicker} when the cache runs on the
   * system ticker (a volatile read instead of a nanoTime call), else the cache's own ticker. It is
   * never ahead of {@link #ticker}, so anything it calls stale is stale.
   */
  private final Ticker hitTicker;

  private final Clock clock;
  private final Executor executor;
  private final DoubleSupplier random;
  private final CacheStatsCounter stats;
  private final String nodeId = UUID.randomUUID().toString();

  private final long freshNanos;
  private final long swrNanos;
  private final long sieNanos;
  private final long negativeNanos;
  private final long originTimeoutNanos;
  private final long abandonNanos;
  private final double jitter;
  private final double earlyRefreshBeta;
  private final Duration leaseDuration;
  private final Duration retain;

  private final Cache<K, Entry<V>> l1;
  private final ConcurrentMap<K, Entry<V>> l1Map;
  private final ConcurrentHashMap<K, Flight<K, V>> flights = new ConcurrentHashMap<>();

  /**
   * Every flight not yet finished, including those replaced in {@link #flights} after an
   * invalidation overtook them: they still install (or not) by the records, so pruning must see
   * them.
   */
  private final Set<Flight<K, V>> liveFlights = ConcurrentHashMap.newKeySet();

  /**
   * Origin calls still running, by key; a flight that ended at its deadline leaves its call here
   * for the next flight of the key to wait for (see {@link #callStillRunning}). Pruning keeps the
   * records their answers are checked against.
   */
  private final ConcurrentHashMap<K, OriginCall<V>> originCalls = new ConcurrentHashMap<>();

  private final ConcurrentHashMap<String, K> keysByMapped = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<K>> keysByTag = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();
  private final ConcurrentHashMap<String, Long> keyRecords = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> tagRecords = new ConcurrentHashMap<>();
  private final AtomicLong pruneThreshold = new AtomicLong(MIN_PRUNE_THRESHOLD);

  /**
   * Raised, never lowered, by every drop of the whole L1; an entry made below it is not served. A
   * plain volatile field rather than an AtomicLong: every fresh hit reads it.
   */
  private volatile long allFloor;

  /** Whether a removal of dropped entries is scheduled and has not started. */
  private final AtomicBoolean removalPending = new AtomicBoolean();

  private final L2Health l2;
  private final InvalidationBus.@Nullable Subscription subscription;
  private final LogThrottle decodeWarnings = new LogThrottle(WARN_INTERVAL);
  private final LogThrottle propagationWarnings = new LogThrottle(WARN_INTERVAL);
  private final LogThrottle lostMessageWarnings = new LogThrottle(WARN_INTERVAL);
  private final LogThrottle encodeWarnings = new LogThrottle(WARN_INTERVAL);

  /**
   * Creates the cache; use {@link LayeredCache#builder} instead.
   *
   * @param settings what the builder collected
   */
  public LayeredCacheImpl(CacheSettings<K, V> settings) {
    this.name = settings.name();
    this.policy = settings.policy();
    this.loader = settings.loader();
    this.keyMapper = settings.keyMapper();
    this.store = settings.store();
    this.codec = settings.codec();
    this.bus = settings.bus();
    this.ticker = settings.ticker();
    this.hitTicker = ticker == Ticker.systemTicker() ? CoarseTicker.instance() : ticker;
    this.clock = settings.clock();
    this.executor = settings.executor();
    this.random = settings.random();
    this.stats = new SafeStatsCounter(settings.stats(), name);
    this.freshNanos = policy.freshFor().toNanos();
    this.swrNanos = policy.staleWhileRevalidate().toNanos();
    this.sieNanos = policy.staleIfError().toNanos();
    this.negativeNanos = policy.negativeTtl().toNanos();
    this.originTimeoutNanos = policy.originTimeout().toNanos();
    this.abandonNanos =
        originTimeoutNanos > Long.MAX_VALUE / ABANDONED_AFTER_DEADLINES
            ? Long.MAX_VALUE
            : originTimeoutNanos * ABANDONED_AFTER_DEADLINES;
    this.jitter = policy.jitter();
    this.earlyRefreshBeta = policy.earlyRefreshBeta();
    this.leaseDuration = settings.leaseDuration();
    // Invalidation epochs in L2 must outlive every entry they hide, "not found" ones included
    // (negativeTtl may exceed the positive lifetime), or a hidden entry would reappear. That
    // includes the entry of a load that began before a tag invalidation on another node and is
    // written after it (its lifetime counts from its end: up to a lease wait and an origin call
    // later, and a call may be waited for until ABANDONED_AFTER_DEADLINES deadlines and one more
    // have passed), plus a minute for the L2 calls around it.
    Duration lifetime = longer(policy.maximumLifetime(), policy.negativeTtl());
    this.retain =
        lifetime
            .plus(policy.originTimeout().multipliedBy(ABANDONED_AFTER_DEADLINES + 1L))
            .plus(leaseDuration)
            .plus(Duration.ofMinutes(1));
    this.l2 = new L2Health(name, ticker, settings.l2RetryInterval());

    // Caffeine's maintenance (read-buffer drains, evictions) runs on the common pool, Caffeine's
    // default, not on the cache's executor. Caffeine reschedules a maintenance run that writes
    // arriving meanwhile left incomplete only on the common pool; on any other executor the size
    // bound then waits for the next cache activity (a test saw 15 entries in a 10-entry cache for
    // 10 s, 1 run in 200). Maintenance is short and never blocks, so the common pool suits it; the
    // cache's executor stays for loads, which may block.
    Caffeine<Object, Object> builder = Caffeine.newBuilder();
    Weigher<? super K, ? super V> weigher = settings.weigher();
    if (weigher != null) {
      MeanWeight found = new MeanWeight();
      builder
          .maximumWeight(policy.maximumWeight().orElseThrow())
          .weigher(
              (Object k, Object e) -> {
                @SuppressWarnings("unchecked")
                Entry<V> entry = (Entry<V>) e;
                V value = entry.value;
                @SuppressWarnings("unchecked")
                K key = (K) k;
                return value == null ? found.mean() : found.record(weigher.weigh(key, value));
              });
    } else {
      builder.maximumSize(policy.maximumSize().orElse(CachePolicy.DEFAULT_MAXIMUM_SIZE));
    }
    this.l1 =
        builder
            .<K, Entry<V>>evictionListener(
                (key, entry, cause) -> {
                  // Runs inside the atomic removal, so the indexes change under the key's lock.
                  if (key != null && entry != null) {
                    indexRemove(key, entry);
                  }
                  if (cause == RemovalCause.SIZE) {
                    stats.recordEviction(CacheStatsCounter.EvictionCause.SIZE);
                  }
                })
            .build();
    this.l1Map = l1.asMap();
    this.subscription = bus == null ? null : bus.subscribe(new BusListener());
  }

  private static Duration longer(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  @Override
  public V get(K key) {
    requireNonNull(key, "key");
    V value = freshHit(key, null);
    return value != null ? value : load(key, null);
  }

  @Override
  public V get(K key, CacheLoader<? super K, V> loader) {
    requireNonNull(key, "key");
    requireNonNull(loader, "loader");
    V value = freshHit(key, loader);
    return value != null ? value : load(key, loader);
  }

  /**
   * The fast path: the value of a fresh L1 entry, or null. Kept apart from {@link #load} so that
   * what the JIT inlines into callers is only this.
   */
  private @Nullable V freshHit(K key, @Nullable CacheLoader<? super K, V> callLoader) {
    Entry<V> e = l1.getIfPresent(key);
    if (e != null) {
      V value = e.value;
      if (value != null && e.floor >= allFloor) {
        long now = hitTicker.read();
        if (now - e.freshUntil < 0) {
          if (earlyRefreshBeta > 0) {
            maybeRefreshEarly(key, e, now, callLoader);
          }
          stats.recordGet(Layer.L1, GetResult.HIT);
          return value;
        }
      }
    }
    return null;
  }

  /** Everything but a fresh L1 hit, with the call's loader (null: the cache's own). */
  private V load(K key, @Nullable CacheLoader<? super K, V> callLoader) {
    CacheResult<V> result = join(lookupInternal(key, callLoader));
    Optional<V> value = result.value();
    if (value.isEmpty()) {
      throw new EntryNotFoundException(name);
    }
    return value.get();
  }

  @Override
  public Optional<V> find(K key) {
    return lookup(key).value();
  }

  @Override
  public CacheResult<V> lookup(K key) {
    requireNonNull(key, "key");
    return join(lookupInternal(key, null));
  }

  @Override
  public CompletableFuture<V> getAsync(K key) {
    requireNonNull(key, "key");
    return handOver(lookupInternal(key, null))
        .thenApply(
            result -> {
              Optional<V> value = result.value();
              if (value.isEmpty()) {
                throw new EntryNotFoundException(name);
              }
              return value.get();
            });
  }

  @Override
  public CompletableFuture<CacheResult<V>> lookupAsync(K key) {
    requireNonNull(key, "key");
    return handOver(lookupInternal(key, null));
  }

  /**
   * What an asynchronous caller gets: the flight's future if it is done, else a copy completed
   * where {@code CompletableFuture}'s async methods run: the common pool, or a new thread per task
   * where that pool has a single worker (up to 2 cores on JDK 17), which one blocked callback would
   * hold up for every other caller. The flight itself ends on whichever thread finished its last
   * step, often a Redis client's I/O thread or the SDK's deadline pool (the origin deadline); a
   * caller's callback must run on neither, since it may block, and a blocking cache call on an I/O
   * thread waits for a reply only that thread can read. Not the cache's executor: blocked loads may
   * fill it, and the deadline that ended a flight would then reach its callers only when a load
   * returns. Synchronous callers wait on the flight directly.
   */
  private static <T> CompletableFuture<T> handOver(CompletableFuture<T> flightResult) {
    return flightResult.isDone()
        ? flightResult
        : flightResult.whenCompleteAsync((value, error) -> {});
  }

  private CompletableFuture<CacheResult<V>> lookupInternal(
      K key, @Nullable CacheLoader<? super K, V> callLoader) {
    Entry<V> e = l1.getIfPresent(key);
    if (e != null && live(e) == null) {
      removeIfSame(key, e); // dropped: freed now rather than evicting live entries meanwhile
      e = null;
    }
    if (e != null) {
      long seen = hitTicker.read();
      if (seen - e.freshUntil < 0) {
        if (earlyRefreshBeta > 0 && e.value != null) {
          maybeRefreshEarly(key, e, seen, callLoader);
        }
        stats.recordGet(Layer.L1, GetResult.HIT);
        return CompletableFuture.completedFuture(result(e, CacheStatus.FRESH, seen, null));
      }
    }
    long now = ticker.read();
    if (e != null) {
      if (now - e.staleUntil < 0) {
        stats.recordGet(Layer.L1, GetResult.STALE);
        flight(key, e, callLoader);
        return CompletableFuture.completedFuture(result(e, CacheStatus.STALE, now, null));
      }
      if (now - e.expiresAt >= 0) {
        removeIfSame(key, e);
        stats.recordEviction(CacheStatsCounter.EvictionCause.EXPIRED);
        e = null;
      }
    }
    // An entry still here is in its stale-if-error window (a negative entry has none): STALE, as
    // CacheStatsCounter defines it and as L2 counts such a copy, although the read waits for the
    // origin like a miss.
    stats.recordGet(Layer.L1, e != null ? GetResult.STALE : GetResult.MISS);
    Entry<V> mine = e;
    // Read before joining: every invalidation that returned before this read began is at most
    // this, and the reader who starts a flight reads it before the flight's start, so it is never
    // turned away from its own load (read after joining, an invalidation arriving meanwhile made
    // the starter retry, and hand back the new value to a read that began before it).
    long joined = sequence.get();
    Flight<K, V> flight = flight(key, e, callLoader);
    return flight.readers.thenCompose(
        outcome -> answer(flight, outcome, joined, key, callLoader, mine));
  }

  /** What a reader who joined {@code flight} when the sequence was {@code joined} gets. */
  private CompletableFuture<CacheResult<V>> answer(
      Flight<K, V> flight,
      Flight.Outcome<V> outcome,
      long joined,
      K key,
      @Nullable CacheLoader<? super K, V> callLoader,
      @Nullable Entry<V> mine) {
    if (outcome.overtaken() && joined > answerStart(flight)) {
      return retryAfterOvertaken(key, callLoader, mine);
    }
    Entry<V> early = outcome.status() == CacheStatus.STALE ? outcome.entry() : null;
    if (early != null && ticker.read() - early.staleUntil >= 0) {
      // The flight answered its readers with a stale copy while that copy was within its
      // stale-while-revalidate window; a reader who comes after the window waits for the origin
      // like any other, and gets the copy only as stale-if-error, within its lifetime.
      return flight.settled.thenCompose(
          settled -> answer(flight, settled, joined, key, callLoader, mine));
    }
    return CompletableFuture.completedFuture(resolve(outcome, mine));
  }

  /**
   * The sequence from which a flight's answer can be out of date: its start, or, when it waited for
   * an origin call that began before it ({@link #callStillRunning}), that call's start. Even the
   * reader who started such a flight joined after that.
   */
  private static long answerStart(Flight<?, ?> flight) {
    long start = flight.start;
    long originStart = flight.originStart;
    return originStart != Flight.UNSET && originStart < start ? originStart : start;
  }

  /**
   * A reader who joined a flight after the flight began, whose result an invalidation that came
   * meanwhile kept out of L1 (a tag invalidation: a load's tags are known only when it ends, so
   * {@link #overtaken} could not turn the reader away). The invalidation may have come before the
   * reader did, so it is not handed that result but the next load's, once: a reader retrying after
   * every invalidation of a hot tag could wait forever.
   */
  private CompletableFuture<CacheResult<V>> retryAfterOvertaken(
      K key, @Nullable CacheLoader<? super K, V> callLoader, @Nullable Entry<V> mine) {
    // The overtaken flight is unregistered before its readers are completed: this starts or joins
    // a later one, or finds what a later one installed.
    Flight<K, V> next = flight(key, null, callLoader);
    // Joined "before" the next flight began (Long.MIN_VALUE), so it is not retried again.
    return next.readers.thenCompose(
        outcome -> answer(next, outcome, Long.MIN_VALUE, key, callLoader, mine));
  }

  private CacheResult<V> resolve(Flight.Outcome<V> outcome, @Nullable Entry<V> mine) {
    long now = ticker.read();
    Throwable error = outcome.error();
    Entry<V> entry = outcome.entry();
    if (error == null && entry != null) {
      return result(entry, outcome.status(), now, null);
    }
    Entry<V> fallback = newer(usable(mine, now), usable(entry, now));
    if (fallback != null && error != null) {
      stats.recordStaleIfError(fallback == mine ? Layer.L1 : Layer.L2);
      return result(fallback, CacheStatus.STALE_IF_ERROR, now, error);
    }
    throw new CompletionException(new CacheLoadException(name, error));
  }

  private @Nullable Entry<V> usable(@Nullable Entry<V> e, long now) {
    return e != null && e.value != null && now - e.expiresAt < 0 ? live(e) : null;
  }

  /** {@code e}, or null when a drop of the whole L1 came after it was made. */
  private @Nullable Entry<V> live(@Nullable Entry<V> e) {
    return e != null && e.floor >= allFloor ? e : null;
  }

  private static <V> @Nullable Entry<V> newer(@Nullable Entry<V> a, @Nullable Entry<V> b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return b.wallWrittenAt > a.wallWrittenAt ? b : a;
  }

  private CacheResult<V> result(
      Entry<V> e, CacheStatus status, long now, @Nullable Throwable error) {
    return CacheResult.of(
        Optional.ofNullable(e.value),
        status,
        e.tags,
        Duration.ofNanos(Math.max(0, now - e.writtenAt)),
        Optional.ofNullable(error));
  }

  private CacheResult<V> join(CompletableFuture<CacheResult<V>> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new CacheLoadException(name, cause);
    }
  }

  /** XFetch: refresh early with a probability that rises as expiry nears. */
  private void maybeRefreshEarly(
      K key, Entry<V> e, long now, @Nullable CacheLoader<? super K, V> callLoader) {
    long delta = e.loadNanos;
    if (delta <= 0) {
      return;
    }
    double u = 1.0 - random.getAsDouble(); // (0, 1]
    double lead = -delta * earlyRefreshBeta * Math.log(u);
    if (now + (long) lead - e.freshUntil >= 0 && !flights.containsKey(key)) {
      flight(key, e, callLoader);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Flights: one load per key at a time

  private Flight<K, V> flight(
      K key, @Nullable Entry<V> current, @Nullable CacheLoader<? super K, V> callLoader) {
    Flight<K, V> flight = null;
    while (true) {
      Flight<K, V> existing = flights.get(key);
      if (existing != null && !overtaken(existing)) {
        return existing;
      }
      if (flight == null) {
        flight =
            new Flight<>(
                key,
                mapKey(key),
                callLoader == null ? null : AsyncCacheLoader.<K, V>from(callLoader));
      }
      // An overtaken flight is replaced; it still answers the readers who came before.
      if (existing == null
          ? flights.putIfAbsent(key, flight) == null
          : flights.replace(key, existing, flight)) {
        break;
      }
    }
    // Live first, then the sequence is read, so pruning never drops a record it needs.
    liveFlights.add(flight);
    flight.start = sequence.get();
    try {
      Entry<V> latest = live(l1.getIfPresent(key));
      if (latest != null && latest != current && ticker.read() - latest.freshUntil < 0) {
        // Another flight finished between our L1 read and our putIfAbsent.
        finish(flight, latest, CacheStatus.FRESH, flight.start);
        return flight;
      }
      start(flight, current);
    } catch (RuntimeException | Error e) {
      fail(flight, e);
    }
    return flight;
  }

  /**
   * Whether the key (or the whole cache) was invalidated after {@code flight} began (after it asked
   * the origin, once it has): a reader who comes now must not be handed what the flight loads,
   * which its install will refuse anyway. Tag invalidations are not seen here (a load's tags are
   * known only when it ends); readers who joined after the flight began take the next load's result
   * instead when one overtook it (see {@link #retryAfterOvertaken}).
   */
  private boolean overtaken(Flight<K, V> flight) {
    long start = flight.start;
    if (start == Flight.UNSET) {
      return false;
    }
    Flight.Outcome<V> answered = flight.readers.getNow(null);
    if (answered != null) {
      // Its readers had a stale copy while it refreshes: a reader who joins now gets that copy,
      // so it must not have been invalidated since, by key or by one of its tags.
      Entry<V> entry = answered.entry();
      return entry == null || isInvalidatedSince(start, flight.mapped, entry.tags);
    }
    long originStart = flight.originStart;
    return isInvalidatedSince(
        originStart != Flight.UNSET ? originStart : start, flight.mapped, Set.of());
  }

  private void start(Flight<K, V> flight, @Nullable Entry<V> current) {
    flight.replacesValue = current != null && current.value != null;
    CacheStore l2Store = store;
    if (l2Store == null) {
      loadFromOrigin(flight);
      return;
    }
    if (!l2.allowRequest()) {
      stats.recordGet(Layer.L2, GetResult.ERROR);
      loadFromOrigin(flight);
      return;
    }
    storeCall(() -> l2Store.read(name, flight.mapped))
        .whenComplete(
            (read, error) -> {
              try {
                afterL2Read(flight, current, read, error);
              } catch (RuntimeException | Error e) {
                fail(flight, e);
              }
            });
  }

  private void afterL2Read(
      Flight<K, V> flight,
      @Nullable Entry<V> current,
      CacheStore.@Nullable ReadResult read,
      @Nullable Throwable error) {
    if (error != null || read == null) {
      l2Failed(error);
      stats.recordGet(Layer.L2, GetResult.ERROR);
      loadFromOrigin(flight);
      return;
    }
    flight.l2Stamp = read.stamp();
    Optional<StoredEntry> stored = read.entry();
    if (stored.isEmpty()) {
      stats.recordGet(Layer.L2, GetResult.MISS);
      originOrLease(flight);
      return;
    }
    if (stored.get().isFound()) {
      flight.replacesValue = true;
    }
    Entry<V> copy = fromStored(flight.mapped, stored.get(), flight.start);
    Entry<V> mine = live(current); // dropped since the read: no longer what this node has
    if (copy == null || (mine != null && copy.wallWrittenAt <= mine.wallWrittenAt)) {
      // Undecodable, or nothing newer than what this node already has.
      stats.recordGet(Layer.L2, copy == null ? GetResult.ERROR : GetResult.MISS);
      originOrLease(flight);
      return;
    }
    long now = ticker.read();
    if (now - copy.freshUntil < 0) {
      stats.recordGet(Layer.L2, GetResult.HIT);
      install(flight, copy, flight.start);
      finish(flight, copy, CacheStatus.FRESH, flight.start);
      return;
    }
    if (now - copy.staleUntil < 0) {
      stats.recordGet(Layer.L2, GetResult.STALE);
      if (!install(flight, copy, flight.start)) {
        // Invalidated (or overwritten) since the flight began: neither served nor a fallback.
        originOrLease(flight);
        return;
      }
      flight.fallback = copy;
      // Readers get the stale copy now; the flight goes on as a background refresh.
      flight.readers.complete(new Flight.Outcome<>(copy, CacheStatus.STALE, null, false));
      originOrLease(flight);
      return;
    }
    if (now - copy.expiresAt < 0) {
      stats.recordGet(Layer.L2, GetResult.STALE);
      if (!isInvalidatedSince(flight.start, flight.mapped, copy.tags)) {
        flight.fallback = copy;
      }
    } else {
      stats.recordGet(Layer.L2, GetResult.MISS);
    }
    originOrLease(flight);
  }

  private void originOrLease(Flight<K, V> flight) {
    if (leaseDuration.isZero() || store == null || flight.l2Stamp < 0 || !l2.allowRequest()) {
      loadFromOrigin(flight);
      return;
    }
    tryLease(flight, ticker.read() + leaseDuration.toNanos(), true);
  }

  /**
   * Asks for the key's lease: taken, this flight loads (after one more look in L2); denied, it
   * waits for the holder's result in L2 until {@code deadline}, asking again after each look, so
   * that a holder that gave up (its load failed, or it died and its lease expired) is replaced by
   * one waiting node instead of by all of them at the deadline. A denial is counted once a flight.
   */
  private void tryLease(Flight<K, V> flight, long deadline, boolean first) {
    CacheStore l2Store = store;
    if (l2Store == null) {
      loadFromOrigin(flight);
      return;
    }
    storeCall(() -> l2Store.tryLease(name, flight.mapped, nodeId, leaseDuration))
        .whenComplete(
            (acquired, error) -> {
              try {
                if (error != null || acquired == null) {
                  l2Failed(error);
                  loadFromOrigin(flight);
                } else if (acquired) {
                  stats.recordLease(true);
                  flight.leased = true;
                  // A peer may have written the key between our read and our lease.
                  pollPeer(flight, deadline, true);
                } else {
                  if (first) {
                    stats.recordLease(false);
                  }
                  awaitPeer(flight, deadline);
                }
              } catch (RuntimeException | Error e) {
                fail(flight, e);
              }
            });
  }

  /** Looks in L2 again after a pause, or loads from the origin once {@code deadline} has passed. */
  private void awaitPeer(Flight<K, V> flight, long deadline) {
    if (ticker.read() - deadline >= 0) {
      loadFromOrigin(flight);
      return;
    }
    // On the SDK's timer, not the JDK's one delay thread that code elsewhere may block, and handed
    // to its pool: the executor is the user's (it may run the step inline), and so may be what the
    // step calls. Through runOn: a refusal would be lost, and the flight with it.
    Future<?> unused =
        DeadlineTimer.shared()
            .schedule(
                () -> runOn(executor, () -> pollPeer(flight, deadline, false)),
                TimeUnit.MILLISECONDS.toNanos(LEASE_POLL_MILLIS));
  }

  /** Looks in L2 for a fresh result of a peer; otherwise loads when leased, or asks again. */
  private void pollPeer(Flight<K, V> flight, long deadline, boolean leased) {
    CacheStore l2Store = store;
    if (l2Store == null) {
      loadFromOrigin(flight);
      return;
    }
    storeCall(() -> l2Store.read(name, flight.mapped))
        .whenComplete(
            (read, error) -> {
              try {
                if (error != null || read == null) {
                  l2Failed(error);
                  loadFromOrigin(flight);
                  return;
                }
                Optional<StoredEntry> stored = read.entry();
                Entry<V> copy =
                    stored.isPresent()
                        ? fromStored(flight.mapped, stored.get(), flight.start)
                        : null;
                if (copy != null
                    && copy.wallWrittenAt >= wallAtStart(flight)
                    && ticker.read() - copy.freshUntil < 0) {
                  install(flight, copy, flight.start);
                  releaseLease(flight);
                  finish(flight, copy, CacheStatus.FRESH, flight.start);
                } else if (leased) {
                  loadFromOrigin(flight);
                } else if (ticker.read() - deadline >= 0) {
                  loadFromOrigin(flight);
                } else if (flights.get(flight.key) != flight) {
                  awaitSuccessor(flight, deadline);
                } else {
                  tryLease(flight, deadline, false);
                }
              } catch (RuntimeException | Error e) {
                fail(flight, e);
              }
            });
  }

  /**
   * A flight that an invalidation overtook while it waited for a peer's lease: asking for the lease
   * itself, it would get it (the lease's owner is the node) while the flight that replaced it holds
   * it, and load the key a second time. So it takes the fresh entry its successor installs, goes on
   * asking only once no successor is left, and keeps its own deadline.
   */
  private void awaitSuccessor(Flight<K, V> flight, long deadline) {
    // Installed after the invalidation that overtook this flight (which removed what was there).
    Entry<V> current = live(l1.getIfPresent(flight.key));
    if (current != null && ticker.read() - current.freshUntil < 0) {
      finish(flight, current, CacheStatus.FRESH, flight.start);
    } else if (flights.get(flight.key) == null) {
      tryLease(flight, deadline, false);
    } else {
      awaitPeer(flight, deadline);
    }
  }

  /** A peer's entry counts only if it is at least as new as the stale one this flight replaces. */
  private long wallAtStart(Flight<K, V> flight) {
    Entry<V> fallback = flight.fallback;
    Entry<V> current = live(l1.getIfPresent(flight.key));
    long floor = Long.MIN_VALUE;
    if (fallback != null) {
      floor = fallback.wallWrittenAt + 1;
    }
    if (current != null && current.wallWrittenAt + 1 > floor) {
      floor = current.wallWrittenAt + 1;
    }
    return floor;
  }

  private void loadFromOrigin(Flight<K, V> flight) {
    long started = ticker.read();
    OriginCall<V> waitedFor = callStillRunning(flight, started);
    OriginCall<V> call = waitedFor != null ? waitedFor : callOrigin(flight, started);
    CompletableFuture<Loaded<V>> origin = call.result;
    // A copy, so that the deadline never completes the loader's own future.
    CompletableFuture<Loaded<V>> guarded = new CompletableFuture<>();
    // Not orTimeout: the JDK's one delay thread, which code elsewhere in the JVM may block. On the
    // SDK timer's pool, not its thread: what follows runs the user's stats, codec, key mapper and
    // loads.
    DeadlineTimer.shared().expireAfter(guarded, originTimeoutNanos);
    origin.whenComplete(
        (loaded, error) -> {
          if (error != null) {
            guarded.completeExceptionally(error);
          } else {
            guarded.complete(loaded);
          }
        });
    guarded.whenComplete(
        (loaded, error) -> {
          if (error instanceof TimeoutException && flights.get(flight.key) == flight) {
            // Before the readers learn of it: their next load may wait for it.
            call.orphaned.set(true);
          }
          try {
            // From when the origin was asked, not when this flight began to wait for the call:
            // the load-time metric and early refresh (which weighs a load by its duration, here
            // and on the nodes that read the copy in L2) are about the origin.
            afterLoad(flight, loaded, error, ticker.read() - call.startedAt);
          } catch (RuntimeException | Error e) {
            fail(flight, e);
          }
        });
  }

  /**
   * The answer of the key's origin call that outlived an earlier flight's deadline and still runs,
   * or null if there is none, if the key was invalidated since it began, or if it has run for
   * {@link #ABANDONED_AFTER_DEADLINES} deadlines (a loader without a timeout of its own on a hung
   * origin: asking again is the only way out). Waiting for it keeps a slow origin from being asked
   * again for the same key by every flight that gives up on it. The flight takes the call's {@code
   * originStart}: its answer predates whatever invalidations came since the call began.
   */
  private @Nullable OriginCall<V> callStillRunning(Flight<K, V> flight, long now) {
    OriginCall<V> running = originCalls.get(flight.key);
    if (running == null || running.result.isDone() || !running.orphaned.get()) {
      return null; // a call a live flight still waits for is that flight's (it was overtaken)
    }
    long originStart = running.originStart;
    if (originStart == Flight.UNSET || now - running.startedAt >= abandonNanos) {
      return null; // registering, or presumed hung: the call this flight makes replaces it
    }
    if (isInvalidatedSince(originStart, flight.mapped, Set.of())) {
      return null; // its answer is known to be out of date (a tag's is known only at the end)
    }
    if (wallAtStart(flight) > running.wallStartedAt) {
      return null; // this flight saw a copy written after the call began: the answer may be older
    }
    if (running.l2Stamp < 0 && flight.l2Stamp >= 0) {
      return null; // the call's answer would not be written to L2, which this flight could read
    }
    flight.originStart = originStart;
    // Set before this second look, and maybePrune looks at the calls before the flights, with a
    // full fence in both (a store then a load of another variable): a prune that no longer finds
    // the call in the map (it ended, or was given up on) finds its originStart on this flight,
    // or this look no longer finds the call either.
    VarHandle.fullFence();
    if (originCalls.get(flight.key) != running || !running.orphaned.compareAndSet(true, false)) {
      return null;
    }
    // Written to L2 as of the L2 read that came before the call, so that L2 refuses it if the key
    // or a tag was invalidated there since (-1 when that flight did not read L2: not written).
    flight.l2Stamp = running.l2Stamp;
    return running;
  }

  /** Asks the origin, registering the call until it answers. */
  private OriginCall<V> callOrigin(Flight<K, V> flight, long now) {
    OriginCall<V> call = new OriginCall<>(now, clock.millis(), flight.l2Stamp);
    originCalls.put(flight.key, call);
    // What the origin answers reflects every invalidation applied before it was asked; one that
    // came while L2 was being read must not keep this result out of L1. Read after registering
    // (see OriginCall#originStart).
    long originStart = sequence.get();
    call.originStart = originStart;
    flight.originStart = originStart;
    CompletableFuture<Loaded<V>> origin;
    try {
      @SuppressWarnings("unchecked")
      AsyncCacheLoader<K, V> typed =
          (AsyncCacheLoader<K, V>) (flight.loader != null ? flight.loader : loader);
      origin = typed.loadAsync(flight.key, executor);
      if (origin == null) {
        origin = CompletableFuture.failedFuture(new NullPointerException("loader returned null"));
      }
    } catch (Exception e) { // a checked one too, thrown sneakily
      origin = CompletableFuture.failedFuture(e);
    } catch (Error e) {
      // Registered already: never to be waited for, as it will never answer.
      originCalls.remove(flight.key, call);
      call.result.completeExceptionally(e);
      throw e;
    }
    origin.whenComplete(
        (loaded, error) -> {
          originCalls.remove(flight.key, call);
          if (error != null) {
            call.result.completeExceptionally(error);
          } else {
            call.result.complete(loaded);
          }
        });
    return call;
  }

  private void afterLoad(
      Flight<K, V> flight,
      @Nullable Loaded<V> loaded,
      @Nullable Throwable error,
      long durationNanos) {
    if (error != null || loaded == null) {
      Throwable cause =
          error == null ? new NullPointerException("loader returned a null Loaded") : unwrap(error);
      stats.recordLoad(
          cause instanceof TimeoutException ? LoadResult.TIMEOUT : LoadResult.FAILURE,
          durationNanos);
      logger.debug("Cache '{}': origin load failed", name, cause);
      releaseLease(flight);
      fail(flight, cause);
      return;
    }
    Entry<V> entry = newEntry(flight.mapped, loaded, durationNanos, flight.originStart);
    boolean cacheable = loaded.isFound() || negativeNanos > 0;
    boolean installed = cacheable && install(flight, entry, flight.originStart);
    if (!cacheable) {
      dropDeleted(flight, entry);
    }
    stats.recordLoad(
        cacheable && !installed
            ? LoadResult.DISCARDED
            : loaded.isFound() ? LoadResult.SUCCESS : LoadResult.NOT_FOUND,
        durationNanos);
    CacheStore l2Store = store;
    if (installed && l2Store != null && flight.l2Stamp >= 0 && l2.allowRequest()) {
      StoredEntry stored = toStored(entry, flight.l2Stamp);
      if (stored != null) {
        storeCall(() -> l2Store.write(name, flight.mapped, stored))
            .whenComplete(
                (written, writeError) -> {
                  l2Answered(writeError);
                  releaseLease(flight);
                });
      } else {
        releaseLease(flight);
      }
    } else {
      releaseLease(flight);
    }
    finish(flight, entry, CacheStatus.MISS_LOADED, flight.originStart);
  }

  /**
   * With negative caching off, a "not found" is not cached, but it still ends the value it answers
   * for: otherwise the deleted value would be served stale, here and from L2 on every node, and
   * each of those reads would ask the origin again.
   */
  private void dropDeleted(Flight<K, V> flight, Entry<V> notFound) {
    if (isInvalidatedSince(flight.originStart, flight.mapped, notFound.tags)) {
      return; // a put or an invalidation since the origin was asked: what is there is newer
    }
    l1Map.computeIfPresent(
        flight.key,
        (k, old) -> {
          if (old.wallWrittenAt > notFound.wallWrittenAt && live(old) != null) {
            return old; // written after the origin answered
          }
          indexRemove(k, old);
          return null;
        });
    CacheStore l2Store = store;
    if (flight.replacesValue && l2Store != null && flight.l2Stamp >= 0 && l2.allowRequest()) {
      storeCall(() -> l2Store.invalidateKey(name, flight.mapped, retain))
          .whenComplete((stamp, error) -> l2Answered(error));
    }
  }

  private void releaseLease(Flight<K, V> flight) {
    CacheStore l2Store = store;
    if (flight.leased && l2Store != null) {
      flight.leased = false;
      Flight<K, V> successor = flights.get(flight.key);
      if (successor != null && successor != flight && successor.leased) {
        return; // the load that replaced this one took the lease over and releases it
      }
      storeCall(() -> l2Store.releaseLease(name, flight.mapped, nodeId))
          .whenComplete(
              (ignored, error) -> {
                if (error != null) {
                  l2Failed(error);
                }
              });
    }
  }

  /**
   * Ends the flight with {@code entry}, which is as new as the invalidation sequence {@code since}.
   */
  private void finish(Flight<K, V> flight, Entry<V> entry, CacheStatus status, long since) {
    // Checked while the flight is live, so pruning has not dropped the records it needs.
    boolean overtaken = isInvalidatedSince(since, flight.mapped, entry.tags);
    settle(flight, new Flight.Outcome<>(entry, status, null, overtaken));
  }

  private void fail(Flight<K, V> flight, Throwable cause) {
    releaseLease(flight); // the waiting nodes take it over at their next look
    Entry<V> fallback = flight.fallback;
    boolean overtaken =
        fallback != null && isInvalidatedSince(flight.start, flight.mapped, fallback.tags);
    settle(flight, new Flight.Outcome<>(fallback, CacheStatus.STALE_IF_ERROR, cause, overtaken));
  }

  /**
   * Unregisters the flight, then completes its readers (unless they were answered early) and its
   * final outcome: a reader who retries must not find it.
   */
  private void settle(Flight<K, V> flight, Flight.Outcome<V> outcome) {
    flights.remove(flight.key, flight);
    liveFlights.remove(flight);
    flight.readers.complete(outcome);
    flight.settled.complete(outcome);
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  // ---------------------------------------------------------------------------------------------
  // L1 installs and the indexes

  /**
   * Installs a flight's result unless its key or a tag was invalidated since {@code since}: the
   * sequence when the flight began for a copy from L2, when the origin load began for its result.
   */
  private boolean install(Flight<K, V> flight, Entry<V> entry, long since) {
    boolean[] installed = {false};
    l1Map.compute(
        flight.key,
        (k, old) -> {
          if (old != null && old.wallWrittenAt > entry.wallWrittenAt && live(old) != null) {
            return old;
          }
          // Index first, check second: see VERSION STAMPS above.
          indexAdd(k, entry);
          if (isInvalidatedSince(since, flight.mapped, entry.tags)) {
            indexRemoveExtra(k, entry, old);
            return old;
          }
          indexRemoveExtra(k, old, entry);
          installed[0] = true;
          return entry;
        });
    return installed[0];
  }

  private boolean isInvalidatedSince(long start, String mapped, Set<String> tags) {
    if (start < allFloor) {
      return true;
    }
    Long record = keyRecords.get(mapped);
    if (record != null && record > start) {
      return true;
    }
    for (String tag : tags) {
      record = tagRecords.get(tag);
      if (record != null && record > start) {
        return true;
      }
    }
    return false;
  }

  private void indexAdd(K key, Entry<V> entry) {
    keysByMapped.put(entry.mapped, key);
    for (String tag : entry.tags) {
      keysByTag.compute(
          tag,
          (t, keys) -> {
            Set<K> set = keys == null ? ConcurrentHashMap.newKeySet() : keys;
            set.add(key);
            return set;
          });
    }
  }

  /** Removes from the indexes what {@code from} needs and {@code keep} does not. */
  private void indexRemoveExtra(K key, @Nullable Entry<V> from, @Nullable Entry<V> keep) {
    if (from == null || from == keep) {
      return;
    }
    if (keep == null) {
      indexRemove(key, from);
      return;
    }
    for (String tag : from.tags) {
      if (!keep.tags.contains(tag)) {
        removeFromTag(tag, key);
      }
    }
  }

  private void indexRemove(K key, Entry<V> entry) {
    keysByMapped.remove(entry.mapped, key);
    for (String tag : entry.tags) {
      removeFromTag(tag, key);
    }
  }

  private void removeFromTag(String tag, K key) {
    keysByTag.computeIfPresent(
        tag,
        (t, keys) -> {
          keys.remove(key);
          return keys.isEmpty() ? null : keys;
        });
  }

  private void removeIfSame(K key, Entry<V> expected) {
    l1Map.computeIfPresent(
        key,
        (k, old) -> {
          if (old != expected) {
            return old;
          }
          indexRemove(k, old);
          return null;
        });
  }

  private void remove(K key) {
    // compute, not computeIfPresent: Caffeine's computeIfPresent returns at once when the key is
    // absent, which it is while an install of the key is still inside its compute; compute waits
    // for that install and removes what it put.
    l1Map.compute(
        key,
        (k, old) -> {
          if (old != null) {
            indexRemove(k, old);
          }
          return null;
        });
  }

  // ---------------------------------------------------------------------------------------------
  // Writes and invalidation

  @Override
  public void put(K key, V value, Set<String> tags) {
    requireNonNull(key, "key");
    requireNonNull(value, "value");
    Loaded<V> loaded = Loaded.of(value, tags);
    String mapped = mapKey(key);
    applyKeyInvalidation(mapped);
    Entry<V> entry = newEntry(mapped, loaded, 0, sequence.get());
    l1Map.compute(
        key,
        (k, old) -> {
          if (live(entry) == null) {
            // A drop of the whole L1 came after this put began: it goes with the rest.
            if (old != null) {
              indexRemove(k, old);
            }
            return null;
          }
          indexAdd(k, entry);
          indexRemoveExtra(k, old, entry);
          return entry;
        });
    CompletableFuture<?> l2Write = CompletableFuture.completedFuture(null);
    CacheStore l2Store = store;
    // Attempted even while reads skip L2 after a failure (as an invalidation is): the old value
    // must leave L2 before the bus tells the other nodes to drop theirs, or they reload it.
    if (l2Store != null) {
      l2Write =
          storeCall(() -> l2Store.invalidateKey(name, mapped, retain))
              .thenCompose(
                  stamp -> {
                    StoredEntry stored = toStored(entry, stamp);
                    return stored == null
                        ? CompletableFuture.completedFuture(false)
                        : l2Store.write(name, mapped, stored);
                  })
              .whenComplete((ignored, error) -> l2Answered(error));
    }
    l2Write.whenComplete(
        (ignored, l2Error) ->
            publish(InvalidationKind.KEY, mapped)
                .whenComplete(
                    (alsoIgnored, busError) ->
                        notPropagated(InvalidationKind.KEY, "put", l2Error, busError)));
  }

  @Override
  public void invalidate(K key) {
    requireNonNull(key, "key");
    String mapped = mapKey(key);
    applyLocally(InvalidationKind.KEY, mapped);
    propagate(InvalidationKind.KEY, mapped);
  }

  @Override
  public void invalidateTag(String tag) {
    requireNonNull(tag, "tag");
    requireArgument(!tag.isEmpty(), "tag must not be empty");
    requireArgument(Utf16.isWellFormed(tag), "tag must not contain an unpaired surrogate");
    applyLocally(InvalidationKind.TAG, tag);
    propagate(InvalidationKind.TAG, tag);
  }

  @Override
  public void invalidateAll() {
    applyLocally(InvalidationKind.ALL, Invalidation.ALL_TARGET);
    propagate(InvalidationKind.ALL, Invalidation.ALL_TARGET);
  }

  private void applyLocally(InvalidationKind kind, String target) {
    switch (kind) {
      case KEY -> applyKeyInvalidation(target);
      case TAG -> applyTagInvalidation(target);
      case ALL -> dropAll(true);
    }
  }

  private void propagate(InvalidationKind kind, String target) {
    CacheStore l2Store = store;
    Throwable l2Error = null;
    if (l2Store != null) {
      CompletableFuture<Long> done =
          storeCall(
              () ->
                  switch (kind) {
                    case KEY -> l2Store.invalidateKey(name, target, retain);
                    case TAG -> l2Store.invalidateTag(name, target, retain);
                    case ALL -> l2Store.invalidateAll(name, retain);
                  });
      l2Error = await(done);
      l2Answered(l2Error);
      // Again: a load that started on this node after the first pass may have read L2 before L2
      // was invalidated; this pass keeps its result out of L1 (or removes it).
      applyLocally(kind, target);
    }
    // Published even when L2 failed: the other nodes' L1s matter as much.
    Throwable busError = await(publish(kind, target));
    notPropagated(kind, "invalidation", l2Error, busError);
    if (l2Error != null) {
      throw new CacheInvalidationException(name, "L2", l2Error);
    }
    if (busError != null) {
      throw new CacheInvalidationException(name, "invalidation bus", busError);
    }
  }

  /**
   * Counts and reports a put or an invalidation that L2 or the bus did not take: the other nodes
   * may serve their copies until those expire. A put does not throw (it must not fail a request
   * while Redis is down), so this is the only trace it leaves; WARN at most once per {@link
   * #WARN_INTERVAL}, so an outage does not flood the log.
   */
  private void notPropagated(
      InvalidationKind kind,
      String what,
      @Nullable Throwable l2Error,
      @Nullable Throwable busError) {
    if (l2Error == null && busError == null) {
      return;
    }
    stats.recordInvalidationFailed(kind);
    long failures = propagationWarnings.record(ticker.read());
    Throwable cause = unwrap(l2Error != null ? l2Error : requireNonNull(busError, "busError"));
    String failedParts = l2Error == null ? "the bus" : busError == null ? "L2" : "L2 and the bus";
    if (failures > 0) {
      logger.warn(
          "Cache '{}': a {} did not reach {} ({}); other nodes may serve their copies until they"
              + " expire ({} such failure(s) since the last warning; counted as"
              + " securecart.cache.invalidations, direction=failed)",
          name,
          what,
          failedParts,
          cause.toString(),
          failures);
    } else {
      logger.debug("Cache '{}': a {} did not reach {}", name, what, failedParts, cause);
    }
  }

  private CompletableFuture<Void> publish(InvalidationKind kind, String target) {
    InvalidationBus invalidationBus = bus;
    if (invalidationBus == null) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> published;
    try {
      published = invalidationBus.publish(new Invalidation(name, nodeId, kind, target));
    } catch (RuntimeException e) {
      published = CompletableFuture.failedFuture(e);
    }
    return published.whenComplete(
        (ignored, error) -> {
          if (error == null) {
            stats.recordInvalidationSent(kind);
          }
        });
  }

  private static @Nullable Throwable await(CompletableFuture<?> future) {
    try {
      future.get(INVALIDATION_WAIT_SECONDS, TimeUnit.SECONDS);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e;
    } catch (ExecutionException e) {
      return unwrap(e);
    } catch (TimeoutException | CancellationException e) {
      return e;
    }
  }

  private void applyKeyInvalidation(String mapped) {
    long record = sequence.incrementAndGet();
    keyRecords.merge(mapped, record, Math::max);
    K key = keysByMapped.get(mapped);
    if (key != null) {
      remove(key);
    }
    maybePrune();
  }

  private void applyTagInvalidation(String tag) {
    long record = sequence.incrementAndGet();
    tagRecords.merge(tag, record, Math::max);
    Set<K> keys = keysByTag.get(tag);
    if (keys != null) {
      for (K key : new ArrayList<>(keys)) {
        remove(key);
      }
    }
    maybePrune();
  }

  /**
   * Forgets every L1 entry and every flight in progress (messages lost, or invalidateAll), at once:
   * raising the floor is enough for no entry made before it to be served, nor any flight begun
   * before it to install. Removing the entries only frees their memory; it costs about 1 µs an
   * entry, so a drop the bus asks for has it done on the cache's executor rather than hold up the
   * Redis client's I/O thread that delivered the message (seconds for a million entries).
   *
   * @return about how many entries were dropped
   */
  private long dropAll(boolean removeHere) {
    long floor = sequence.incrementAndGet();
    raiseFloor(floor);
    long dropped = l1.estimatedSize();
    if (removeHere) {
      removeBelowFloor();
    } else if (removalPending.compareAndSet(false, true)) {
      // One pass at a time is enough: it judges each entry by the floor when it gets to it. During
      // a rolling deploy that changes the format, every message may be a drop.
      runOn(executor, this::removeBelowFloor);
    }
    return dropped;
  }

  /** Raised, never lowered: two concurrent drops (a reconnect and an invalidateAll) may race. */
  private void raiseFloor(long floor) {
    long current;
    do {
      current = allFloor;
      if (current >= floor) {
        return;
      }
    } while (!ALL_FLOOR.compareAndSet(this, current, floor));
  }

  private void removeBelowFloor() {
    // Cleared before the snapshot: a drop after this point schedules a pass that sees its entries.
    removalPending.set(false);
    // An install registers its key in keysByMapped before it reads allFloor; one that read the old
    // floor is found here (and removed once its compute ends), though not yet in l1Map.
    Set<K> keys = new HashSet<>(l1Map.keySet());
    keys.addAll(keysByMapped.values());
    for (K key : keys) {
      // compute, not computeIfPresent: see remove().
      l1Map.compute(
          key,
          (k, old) -> {
            if (old == null || live(old) != null) {
              return old; // gone, or made after the drop
            }
            indexRemove(k, old);
            return null;
          });
    }
  }

  private void maybePrune() {
    long threshold = pruneThreshold.get();
    if (keyRecords.size() + tagRecords.size() <= threshold) {
      return;
    }
    // A flight the loop below does not see registered after it began, so its start is at least
    // the sequence read here: records above it must stay even if no flight is seen.
    long oldest = sequence.get();
    // The calls before the flights: see callStillRunning. A call given up on holds nothing back
    // (a hung one would keep every record forever); a flight that waits for it has its start.
    long now = ticker.read();
    for (Map.Entry<K, OriginCall<V>> running : originCalls.entrySet()) {
      OriginCall<V> call = running.getValue();
      long originStart = call.originStart;
      if (originStart == Flight.UNSET) {
        return; // a call is registering; try again on the next invalidation
      }
      if (now - call.startedAt >= abandonNanos) {
        originCalls.remove(running.getKey(), call);
      } else {
        oldest = Math.min(oldest, originStart);
      }
    }
    VarHandle.fullFence();
    for (Flight<K, V> flight : liveFlights) {
      long start = flight.start;
      if (start == Flight.UNSET) {
        return; // a flight is registering; try again on the next invalidation
      }
      oldest = Math.min(oldest, start);
      long originStart = flight.originStart; // older than start when it waits for an earlier call
      if (originStart != Flight.UNSET) {
        oldest = Math.min(oldest, originStart);
      }
    }
    // No flight started before a record <= oldest can be affected by it any more.
    long below = oldest;
    keyRecords.values().removeIf(record -> record <= below);
    tagRecords.values().removeIf(record -> record <= below);
    pruneThreshold.set(Math.max(MIN_PRUNE_THRESHOLD, 2L * (keyRecords.size() + tagRecords.size())));
  }

  private final class BusListener implements InvalidationListener {
    @Override
    public void onInvalidation(Invalidation invalidation) {
      if (!invalidation.cache().equals(name) || invalidation.origin().equals(nodeId)) {
        return;
      }
      stats.recordInvalidationReceived(invalidation.kind());
      if (invalidation.kind() == InvalidationKind.ALL) {
        dropAll(false); // on the bus's thread: the entries are removed elsewhere
      } else {
        applyLocally(invalidation.kind(), invalidation.target());
      }
    }

    @Override
    public void onMessagesPossiblyLost() {
      long dropped = dropAll(false);
      stats.recordBusReconnect();
      // Rate-limited: a bus also calls this for every message it cannot read, which during a
      // rolling deploy that changes the format may be every invalidation.
      long drops = lostMessageWarnings.record(ticker.read());
      if (drops > 0) {
        logger.warn(
            "Cache '{}': the invalidation bus may have lost messages (it reconnected, or got one it"
                + " could not read); dropped {} L1 entries ({} drop(s) since the last warning,"
                + " reported at most once every 10 s)",
            name,
            dropped,
            drops);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Entries

  private String mapKey(K key) {
    String mapped = keyMapper.apply(key);
    requireArgument(mapped != null && !mapped.isEmpty(), "the key mapper returned an empty key");
    requireArgument(
        Utf16.isWellFormed(mapped), "the key mapper returned a key with an unpaired surrogate");
    return mapped;
  }

  /**
   * A new entry whose content is valid as of sequence {@code since}: a drop of the whole L1 that
   * raises the floor above it hides the entry, exactly when an install check would refuse it.
   */
  private Entry<V> newEntry(String mapped, Loaded<V> loaded, long loadNanos, long since) {
    long now = ticker.read();
    long wall = clock.millis();
    V value = loaded.value().orElse(null);
    if (value == null) {
      long until = now + negativeNanos;
      return new Entry<>(
          null, loaded.tags(), mapped, now, until, until, until, wall, loadNanos, since);
    }
    long fresh =
        jitter > 0 ? (long) (freshNanos * (1.0 - jitter * random.getAsDouble())) : freshNanos;
    long freshUntil = now + Math.max(1, fresh);
    long staleUntil = freshUntil + swrNanos;
    long expiresAt = staleUntil + sieNanos;
    return new Entry<>(
        value,
        loaded.tags(),
        mapped,
        now,
        freshUntil,
        staleUntil,
        expiresAt,
        wall,
        loadNanos,
        since);
  }

  /** An L2 copy as an entry valid as of sequence {@code since} (see {@link #newEntry}). */
  private @Nullable Entry<V> fromStored(String mapped, StoredEntry stored, long since) {
    V value = null;
    if (stored.isFound()) {
      Codec<V> valueCodec = requireNonNull(codec, "codec");
      try {
        value = valueCodec.decode(stored.value());
      } catch (RuntimeException e) {
        codecFailed(
            CodecOperation.DECODE,
            "decode a value read from L2",
            "loading from the origin instead",
            decodeWarnings,
            e);
        return null;
      }
      if (value == null) {
        return null;
      }
    }
    long now = ticker.read();
    long wall = clock.millis();
    return new Entry<>(
        value,
        stored.tags(),
        mapped,
        now - millisToNanos(wall - stored.writtenAtMillis()),
        now + millisToNanos(stored.freshUntilMillis() - wall),
        now + millisToNanos(stored.staleUntilMillis() - wall),
        now + millisToNanos(stored.expiresAtMillis() - wall),
        stored.writtenAtMillis(),
        stored.loadNanos(),
        since);
  }

  private @Nullable StoredEntry toStored(Entry<V> entry, long stamp) {
    long wall = entry.wallWrittenAt;
    V value = entry.value;
    if (value == null) {
      return StoredEntry.notFound(
          entry.tags, wall, wall + nanosToMillis(entry.expiresAt - entry.writtenAt), stamp);
    }
    byte[] bytes;
    try {
      bytes = requireNonNull(codec, "codec").encode(value);
    } catch (RuntimeException e) {
      codecFailed(
          CodecOperation.ENCODE,
          "encode a value for L2",
          "the other nodes load it from the origin themselves",
          encodeWarnings,
          e);
      return null;
    }
    return StoredEntry.found(
        bytes,
        entry.tags,
        wall,
        wall + nanosToMillis(entry.freshUntil - entry.writtenAt),
        wall + nanosToMillis(entry.staleUntil - entry.writtenAt),
        wall + nanosToMillis(entry.expiresAt - entry.writtenAt),
        stamp,
        entry.loadNanos);
  }

  /**
   * Counts a codec failure each time and warns about it at most once per {@link #WARN_INTERVAL} per
   * operation: every value of a type the codec cannot handle fails alike, on every load or read of
   * it. Never with the cause's stack: the codec's own exception may quote the value or the bytes.
   */
  private void codecFailed(
      CodecOperation operation,
      String what,
      String consequence,
      LogThrottle warnings,
      RuntimeException e) {
    stats.recordCodecFailure(operation);
    String failure = codecFailure(what, e).toString();
    long failures = warnings.record(ticker.read());
    if (failures > 0) {
      logger.warn(
          "{}; {} ({} such failure(s) since the last warning; counted as"
              + " securecart.cache.codec.failures, operation={})",
          failure,
          consequence,
          failures,
          operation.name().toLowerCase(Locale.ROOT));
    } else {
      logger.debug("{}", failure);
    }
  }

  /**
   * What the codec threw, as this cache's {@link CodecException}: a codec does not know the cache
   * it serves, so its own names none. The message keeps the codec's (which never holds the value,
   * by {@link CodecException}'s contract) but only the type of anything else a codec throws.
   */
  private CodecException codecFailure(String what, RuntimeException e) {
    String why = e instanceof CodecException ? e.getMessage() : e.getClass().getName();
    return new CodecException(name, "cache '" + name + "' cannot " + what + " (" + why + ")", e);
  }

  private static long millisToNanos(long millis) {
    return Math.max(-Long.MAX_VALUE / 4, Math.min(Long.MAX_VALUE / 4, millis * 1_000_000L));
  }

  private static long nanosToMillis(long nanos) {
    return Math.max(1, nanos / 1_000_000L);
  }

  // ---------------------------------------------------------------------------------------------
  // L2 plumbing

  /** Runs {@code step} on {@code target}, or here if it refuses: a refused step loses a flight. */
  private static void runOn(Executor target, Runnable step) {
    try {
      target.execute(step);
    } catch (RuntimeException e) { // RejectedExecutionException, or whatever an executor throws
      // A refused step would leave its flight, and the readers waiting on it, unfinished.
      step.run();
    }
  }

  /**
   * Calls L2. A success counts for the L2 health (before any stage the caller adds) only if no L2
   * call failed since this one was sent; failures are the caller's to report.
   */
  private <T> CompletableFuture<T> storeCall(
      java.util.function.Supplier<CompletableFuture<T>> call) {
    long ticket = l2.ticket();
    CompletableFuture<T> future;
    try {
      future = call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (future == null) {
      return CompletableFuture.failedFuture(new NullPointerException("store returned null"));
    }
    return future.whenComplete(
        (result, error) -> {
          if (error == null) {
            l2.succeeded(ticket);
          }
        });
  }

  private void l2Failed(@Nullable Throwable error) {
    l2.failed(error == null ? new IllegalStateException("no answer") : unwrap(error));
  }

  /** Tells the L2 health how a call that needs no answer failed, if it did (see storeCall). */
  private void l2Answered(@Nullable Throwable error) {
    if (error != null) {
      l2Failed(error);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The rest of the API

  @Override
  public String name() {
    return name;
  }

  @Override
  public CachePolicy policy() {
    return policy;
  }

  @Override
  public long estimatedSize() {
    return l1.estimatedSize();
  }

  /** Whether L2 is currently considered unreachable (for tests and health checks). */
  public boolean isL2Down() {
    return l2.isDown();
  }

  /** The number of key and tag invalidation records kept (for tests: what pruning leaves). */
  public int invalidationRecords() {
    return keyRecords.size() + tagRecords.size();
  }

  /** The number of loads in flight on this node (for tests). */
  public int flightsInProgress() {
    return liveFlights.size();
  }

  @Override
  public void close() {
    InvalidationBus.Subscription s = subscription;
    if (s != null) {
      s.close();
    }
  }

  @Override
  public String toString() {
    return "LayeredCache[" + name + ", " + policy + "]";
  }
}
