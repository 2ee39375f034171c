package dev.securecart.cache;

/**
 * Thrown by {@link LayeredCache#get} when the origin said the entry does not exist (a negative
 * result, possibly served from the negative cache). Use {@link LayeredCache#find} or {@link
 * LayeredCache#lookup} where "not found" is an expected answer. Cheap: it has no stack trace.
 */
public final class EntryNotFoundException extends CacheException {

  private static final long serialVersionUID = 1L;

  /**
   * @param cacheName the cache whose origin had no entry
   */
  public EntryNotFoundException(String cacheName) {
    super(cacheName, "cache '" + cacheName + "': the origin has no such entry", null, false);
  }
}
