package dev.securecart.cache;

/**
 * The names of the meters {@link CacheMetrics} registers. Every meter is tagged {@code cache} with
 * the cache's name; none is ever tagged with a key.
 */
public final class CacheMetricNames {

  /** Reads per layer: tags {@code layer} (l1, l2) and {@code result} (hit, stale, miss, error). */
  public static final String DEFAULT_GETS = "securecart.cache.gets";

  /** Stale values served because the origin failed or timed out: tag {@code layer}. */
  public static final String DEFAULT_STALE_IF_ERROR = "securecart.cache.stale.if.error";

  /**
   * Origin loads, a timer (count and latency): tag {@code result} (success, not_found, failure,
   * timeout, discarded).
   */
  public static final String DEFAULT_LOADS = "securecart.cache.loads";

  /** L1 evictions: tag {@code cause} (size, expired). */
  public static final String DEFAULT_EVICTIONS = "securecart.cache.evictions";

  /**
   * Invalidations: tags {@code direction} (sent, received, failed: L2 or the bus could not be told)
   * and {@code kind} (key, tag, all).
   */
  public static final String DEFAULT_INVALIDATIONS = "securecart.cache.invalidations";

  /**
   * Codec failures: tag {@code operation} (encode: not written to L2; decode: read from L2 and
   * taken for a miss).
   */
  public static final String DEFAULT_CODEC_FAILURES = "securecart.cache.codec.failures";

  /** Invalidation bus reconnects (each drops L1). */
  public static final String DEFAULT_BUS_RECONNECTS = "securecart.cache.bus.reconnects";

  /** Distributed load leases asked for: tag {@code result} (acquired, denied). */
  public static final String DEFAULT_LEASES = "securecart.cache.leases";

  private CacheMetricNames() {}
}
