package dev.securecart.cache;

/**
 * What a {@link LayeredCache} reports as it works: reads per layer and result, origin loads and
 * their latency, evictions, invalidations sent and received, bus reconnects. Plug in {@link
 * CacheMetrics} for Micrometer meters, or your own; {@link #disabled()} is the default.
 *
 * <p>Methods are called on the read path and on Redis I/O threads, concurrently: they must be fast,
 * thread-safe, must not block and must not call the cache. An exception thrown by a method is
 * logged once and otherwise ignored; it never fails a read.
 */
public interface CacheStatsCounter {

  /** The layer a read consulted. */
  enum Layer {
    /** The in-process Caffeine cache. */
    L1,
    /** The shared store (Redis). */
    L2
  }

  /** What a read found in one layer. */
  enum GetResult {
    /** A fresh entry. */
    HIT,
    /** A stale entry (stale-while-revalidate or stale-if-error window). */
    STALE,
    /** No usable entry. */
    MISS,
    /** The layer could not be asked (L2 unreachable or too slow). */
    ERROR
  }

  /** How an origin load ended. */
  enum LoadResult {
    /** A value, now cached. */
    SUCCESS,
    /** "Not found", now negatively cached (or not cached, when negative caching is off). */
    NOT_FOUND,
    /** The origin threw. */
    FAILURE,
    /** The origin missed its deadline. */
    TIMEOUT,
    /** The answer arrived after an invalidation of its key or a tag, so it was not cached. */
    DISCARDED
  }

  /** What an invalidation named. */
  enum InvalidationKind {
    /** One key. */
    KEY,
    /** Every entry with a tag. */
    TAG,
    /** Every entry of the cache. */
    ALL
  }

  /** What a {@link Codec} failed to do. */
  enum CodecOperation {
    /** Encode a value for L2: it was not written there, and the other nodes load it themselves. */
    ENCODE,
    /** Decode a value read from L2: this node took it for a miss and asked the origin. */
    DECODE
  }

  /** Why an L1 entry was evicted. */
  enum EvictionCause {
    /** The L1 was full. */
    SIZE,
    /** The entry's stale-if-error window ended. */
    EXPIRED
  }

  /**
   * A read consulted a layer.
   *
   * @param layer the layer
   * @param result what it found
   */
  void recordGet(Layer layer, GetResult result);

  /**
   * A stale value was served because the origin failed or timed out.
   *
   * @param layer the layer the stale value came from
   */
  void recordStaleIfError(Layer layer);

  /**
   * An origin load ended.
   *
   * @param result how it ended
   * @param durationNanos how long it took
   */
  void recordLoad(LoadResult result, long durationNanos);

  /**
   * An L1 entry was evicted.
   *
   * @param cause why
   */
  void recordEviction(EvictionCause cause);

  /**
   * This node published an invalidation.
   *
   * @param kind what it named
   */
  void recordInvalidationSent(InvalidationKind kind);

  /**
   * This node applied an invalidation published by another node.
   *
   * @param kind what it named
   */
  void recordInvalidationReceived(InvalidationKind kind);

  /**
   * This node could not tell L2 or the other nodes of an invalidation, or of a {@code put}: their
   * copies may be served until they expire. A no-op by default, so counters written before it
   * existed still work.
   *
   * @param kind what it named
   */
  default void recordInvalidationFailed(InvalidationKind kind) {}

  /**
   * The {@link Codec} threw: a value could not be encoded for L2 (not written there; the other
   * nodes load it from the origin themselves) or one read from L2 could not be decoded (taken for a
   * miss). A no-op by default, so counters written before it existed still work.
   *
   * @param operation what failed
   */
  default void recordCodecFailure(CodecOperation operation) {}

  /** The invalidation bus reconnected; messages may have been lost, so L1 was dropped. */
  void recordBusReconnect();

  /**
   * This node asked for the distributed load lease of a key: every grant (a flight that waited and
   * then took over from a holder that gave up counts one), and each waiting flight's first denial.
   *
   * @param acquired whether it got it (otherwise another node was loading the key)
   */
  void recordLease(boolean acquired);

  /**
   * The counter that records nothing.
   *
   * @return the no-op counter
   */
  static CacheStatsCounter disabled() {
    return DisabledStatsCounter.INSTANCE;
  }

  /** Makes the counter for one cache, given its name. */
  @FunctionalInterface
  interface Factory {
    /**
     * Returns the counter for a cache.
     *
     * @param cacheName the cache's name
     * @return its counter
     */
    CacheStatsCounter create(String cacheName);
  }

  /** Records nothing. */
  enum DisabledStatsCounter implements CacheStatsCounter {
    INSTANCE;

    @Override
    public void recordGet(Layer layer, GetResult result) {}

    @Override
    public void recordStaleIfError(Layer layer) {}

    @Override
    public void recordLoad(LoadResult result, long durationNanos) {}

    @Override
    public void recordEviction(EvictionCause cause) {}

    @Override
    public void recordInvalidationSent(InvalidationKind kind) {}

    @Override
    public void recordInvalidationReceived(InvalidationKind kind) {}

    @Override
    public void recordBusReconnect() {}

    @Override
    public void recordLease(boolean acquired) {}
  }
}
