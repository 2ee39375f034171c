package dev.securecart.cache;

/**
 * Loads one entry from the origin, synchronously: the cache calls it on its executor, never on the
 * reader's thread during stale-while-revalidate. Return {@link Loaded#of(Object, java.util.Set)} or
 * {@link Loaded#notFound()}; throw to report a failure (the cache then serves a stale-if-error
 * value or throws {@link CacheLoadException}). For a non-blocking origin use {@link
 * AsyncCacheLoader}.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface CacheLoader<K, V> {

  /**
   * Loads the entry for {@code key}.
   *
   * @param key the key
   * @return the origin's answer
   * @throws Exception if the origin failed
   */
  Loaded<V> load(K key) throws Exception;
}
