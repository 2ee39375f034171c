package dev.securecart.cache.internal;

import dev.securecart.cache.AsyncCacheLoader;
import dev.securecart.cache.CachePolicy;
import dev.securecart.cache.CacheStatsCounter;
import dev.securecart.cache.CacheStore;
import dev.securecart.cache.Codec;
import dev.securecart.cache.InvalidationBus;
import dev.securecart.cache.Weigher;
import dev.securecart.core.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Everything a {@link dev.securecart.cache.LayeredCache.Builder} collected, validated.
 *
 * @param name the cache name
 * @param policy the policy
 * @param loader the origin
 * @param keyMapper key to string
 * @param store the shared L2, if any
 * @param codec the L2 codec (set when the store is)
 * @param bus the invalidation bus, if any
 * @param leaseDuration the distributed lease, zero when off
 * @param l2RetryInterval how long L2 is left alone after failing
 * @param ticker monotonic time
 * @param clock wall time
 * @param executor where loads run
 * @param random uniform doubles in [0, 1)
 * @param stats the stats counter
 * @param weigher the weigher, if the policy bounds weight
 */
public record CacheSettings<K, V>(
    String name,
    CachePolicy policy,
    AsyncCacheLoader<? super K, V> loader,
    Function<? super K, String> keyMapper,
    @Nullable CacheStore store,
    @Nullable Codec<V> codec,
    @Nullable InvalidationBus bus,
    Duration leaseDuration,
    Duration l2RetryInterval,
    Ticker ticker,
    Clock clock,
    Executor executor,
    DoubleSupplier random,
    CacheStatsCounter stats,
    @Nullable Weigher<? super K, ? super V> weigher) {}
