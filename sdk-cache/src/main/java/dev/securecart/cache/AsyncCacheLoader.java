package dev.securecart.cache;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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

  /**
   * A blocking loader run on the cache's executor.
   *
   * @param loader the blocking loader
   * @return the loader as an asynchronous one
   */
  static <K, V> AsyncCacheLoader<K, V> from(CacheLoader<? super K, V> loader) {
    requireNonNull(loader, "loader");
    return (key, executor) ->
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return loader.load(key);
              } catch (RuntimeException e) {
                throw e;
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
              } catch (Exception e) {
                throw new CompletionException(e);
              }
            },
            executor);
  }
}
