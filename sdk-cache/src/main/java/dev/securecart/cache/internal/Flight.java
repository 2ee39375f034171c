package dev.securecart.cache.internal;

import dev.securecart.cache.AsyncCacheLoader;
import dev.securecart.cache.CacheStatus;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The one load of a key in flight on this node. Readers wait on {@link #readers}; the flight stays
 * registered (so no second load starts) until the origin answered or missed its deadline.
 */
final class Flight<K, V> {

  /** {@link #start} before the flight read the invalidation sequence. */
  static final long UNSET = Long.MIN_VALUE;

  final K key;
  final String mapped;
  final CompletableFuture<Outcome<V>> readers = new CompletableFuture<>();

  /**
   * The flight's final outcome. The same as {@link #readers} unless those were answered early with
   * a stale copy from L2 while the flight refreshes it; a reader who comes after that copy's
   * stale-while-revalidate window waits for this instead.
   */
  final CompletableFuture<Outcome<V>> settled = new CompletableFuture<>();

  /** The loader of the call that started the flight, or null for the cache's own. */
  final @Nullable AsyncCacheLoader<? super K, V> loader;

  /** The local invalidation sequence when the flight started; see LayeredCacheImpl. */
  volatile long start = UNSET;

  /**
   * The sequence when the origin was asked, or {@link #UNSET} before that: at least {@link #start},
   * unless the flight waits for a call an earlier flight made (then that call's).
   */
  volatile long originStart = UNSET;

  /** The L2 stamp read at the start, or -1 when L2 was not read (then nothing is written). */
  volatile long l2Stamp = -1;

  /** A stale copy from L2 to serve if the origin fails. */
  volatile @Nullable Entry<V> fallback;

  /** Whether L1 or L2 held a value for the key when the flight looked (a "not found" ends it). */
  volatile boolean replacesValue;

  /** Whether this node holds the distributed lease for the key. */
  volatile boolean leased;

  Flight(K key, String mapped, @Nullable AsyncCacheLoader<? super K, V> loader) {
    this.key = key;
    this.mapped = mapped;
    this.loader = loader;
  }

  /**
   * What readers get: an entry and its status, or the origin's failure and the best stale entry;
   * {@code overtaken} when that entry's key or one of its tags was invalidated after the entry was
   * asked for (the flight began, or for the origin's answer the origin was asked), so that readers
   * who joined late do not take it.
   */
  record Outcome<V>(
      @Nullable Entry<V> entry, CacheStatus status, @Nullable Throwable error, boolean overtaken) {}
}
