package dev.securecart.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Loads one entry from the origin asynchronously, for origins with a non-blocking client. The
 * returned future must complete (the cache stops waiting after the policy's origin timeout, but
 * cannot stop the origin).
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface AsyncCacheLoader<K, V> {

  /**
   * Starts loading the entry for {@code key}.
   *
   * @param key the key
   * @param executor the cache's executor, for any blocking work
   * @return the origin's answer, or a future failed with the origin's exception
   */
  CompletableFuture<Loaded<V>> loadAsync(K key, Executor executor);
}
