package dev.securecart.cache;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A {@link CacheStatsCounter} that records into Micrometer meters, all registered once when the
 * cache is built (see {@link CacheMetricNames}); the read path only increments them.
 *
 * <pre>{@code
 * LayeredCache.<Long, Product>builder("products", policy)
 *     .statsCounter(CacheMetrics.factory(meterRegistry))
 *     ...
 * }</pre>
 *
 * <p>This class is thread-safe.
 */
public final class CacheMetrics implements CacheStatsCounter {

  private final EnumMap<Layer, EnumMap<GetResult, Counter>> gets = new EnumMap<>(Layer.class);
  private final EnumMap<Layer, Counter> staleIfError = new EnumMap<>(Layer.class);
  private final EnumMap<LoadResult, Timer> loads = new EnumMap<>(LoadResult.class);
  private final EnumMap<EvictionCause, Counter> evictions = new EnumMap<>(EvictionCause.class);
  private final EnumMap<InvalidationKind, Counter> sent = new EnumMap<>(InvalidationKind.class);
  private final EnumMap<InvalidationKind, Counter> received = new EnumMap<>(InvalidationKind.class);
  private final EnumMap<InvalidationKind, Counter> failed = new EnumMap<>(InvalidationKind.class);
  private final EnumMap<CodecOperation, Counter> codecFailures =
      new EnumMap<>(CodecOperation.class);
  private final Counter busReconnects;
  private final Counter leasesAcquired;
  private final Counter leasesDenied;

  private CacheMetrics(MeterRegistry registry, String cacheName) {
    Tags tags = Tags.of("cache", cacheName);
    for (Layer layer : Layer.values()) {
      EnumMap<GetResult, Counter> byResult = new EnumMap<>(GetResult.class);
      gets.put(layer, byResult);
      for (GetResult result : GetResult.values()) {
        byResult.put(
            result,
            Counter.builder(CacheMetricNames.DEFAULT_GETS)
                .description("Cache reads per layer and result")
                .tags(tags)
                .tag("layer", lower(layer))
                .tag("result", lower(result))
                .register(registry));
      }
      staleIfError.put(
          layer,
          Counter.builder(CacheMetricNames.DEFAULT_STALE_IF_ERROR)
              .description("Stale values served because the origin failed or timed out")
              .tags(tags)
              .tag("layer", lower(layer))
              .register(registry));
    }
    for (LoadResult result : LoadResult.values()) {
      loads.put(
          result,
          Timer.builder(CacheMetricNames.DEFAULT_LOADS)
              .description("Origin loads and their latency")
              .tags(tags)
              .tag("result", lower(result))
              .register(registry));
    }
    countEach(
        evictions,
        EvictionCause.class,
        CacheMetricNames.DEFAULT_EVICTIONS,
        "cause",
        "L1 evictions",
        tags,
        registry);
    for (InvalidationKind kind : InvalidationKind.values()) {
      sent.put(kind, invalidations(registry, tags, "sent", kind));
      received.put(kind, invalidations(registry, tags, "received", kind));
      failed.put(kind, invalidations(registry, tags, "failed", kind));
    }
    countEach(
        codecFailures,
        CodecOperation.class,
        CacheMetricNames.DEFAULT_CODEC_FAILURES,
        "operation",
        "Values the codec could not encode for L2 or decode from it",
        tags,
        registry);
    busReconnects =
        Counter.builder(CacheMetricNames.DEFAULT_BUS_RECONNECTS)
            .description("Invalidation bus reconnects; each drops L1")
            .tags(tags)
            .register(registry);
    leasesAcquired = lease(registry, tags, "acquired");
    leasesDenied = lease(registry, tags, "denied");
  }

  /**
   * The factory to give {@link LayeredCache.Builder#statsCounter}: registers one cache's meters.
   *
   * @param registry the registry
   * @return the factory
   */
  public static CacheStatsCounter.Factory factory(MeterRegistry registry) {
    requireNonNull(registry, "registry");
    return cacheName -> new CacheMetrics(registry, cacheName);
  }

  /**
   * Registers the meters of one cache.
   *
   * @param registry the registry
   * @param cacheName the cache's name (the {@code cache} tag)
   * @return the counter
   */
  public static CacheMetrics of(MeterRegistry registry, String cacheName) {
    return new CacheMetrics(
        requireNonNull(registry, "registry"), requireNonNull(cacheName, "name"));
  }

  private static Counter invalidations(
      MeterRegistry registry, Tags tags, String direction, InvalidationKind kind) {
    return Counter.builder(CacheMetricNames.DEFAULT_INVALIDATIONS)
        .description("Invalidations sent to, received from and not delivered to other nodes")
        .tags(tags)
        .tag("direction", direction)
        .tag("kind", lower(kind))
        .register(registry);
  }

  private static Counter lease(MeterRegistry registry, Tags tags, String result) {
    return Counter.builder(CacheMetricNames.DEFAULT_LEASES)
        .description("Distributed load leases asked for")
        .tags(tags)
        .tag("result", result)
        .register(registry);
  }

  private static <E extends Enum<E>, T> T get(EnumMap<E, T> map, E key) {
    T value = map.get(key);
    if (value == null) {
      throw new IllegalStateException("no meter for " + key);
    }
    return value;
  }

  /** Registers one counter per value of {@code type}, tagged with the value under {@code tag}. */
  private static <E extends Enum<E>> void countEach(
      EnumMap<E, Counter> into,
      Class<E> type,
      String name,
      String tag,
      String description,
      Tags tags,
      MeterRegistry registry) {
    for (E value : type.getEnumConstants()) {
      into.put(
          value,
          Counter.builder(name)
              .description(description)
              .tags(tags)
              .tag(tag, lower(value))
              .register(registry));
    }
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  @Override
  public void recordGet(Layer layer, GetResult result) {
    get(get(gets, layer), result).increment();
  }

  @Override
  public void recordStaleIfError(Layer layer) {
    get(staleIfError, layer).increment();
  }

  @Override
  public void recordLoad(LoadResult result, long durationNanos) {
    get(loads, result).record(durationNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void recordEviction(EvictionCause cause) {
    get(evictions, cause).increment();
  }

  @Override
  public void recordInvalidationSent(InvalidationKind kind) {
    get(sent, kind).increment();
  }

  @Override
  public void recordInvalidationReceived(InvalidationKind kind) {
    get(received, kind).increment();
  }

  @Override
  public void recordInvalidationFailed(InvalidationKind kind) {
    get(failed, kind).increment();
  }

  @Override
  public void recordCodecFailure(CodecOperation operation) {
    get(codecFailures, operation).increment();
  }

  @Override
  public void recordBusReconnect() {
    busReconnects.increment();
  }

  @Override
  public void recordLease(boolean acquired) {
    (acquired ? leasesAcquired : leasesDenied).increment();
  }
}
