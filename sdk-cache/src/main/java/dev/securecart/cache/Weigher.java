package dev.securecart.cache;

/**
 * The weight of one L1 entry, for caches bounded by {@link CachePolicy#maximumWeight()}. Called
 * when an entry is written; must be fast and must not call the cache.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface Weigher<K, V> {

  /**
   * Returns the weight of an entry. A "not found" entry, which has no value to weigh, weighs the
   * mean of the found entries' weights so far (at least 1), so that many missing keys cannot hold
   * more memory than the bound allows for as many found ones.
   *
   * @param key the key
   * @param value the value
   * @return zero or more
   */
  int weigh(K key, V value);
}
