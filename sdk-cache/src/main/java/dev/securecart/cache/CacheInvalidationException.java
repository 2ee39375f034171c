package dev.securecart.cache;

import org.jspecify.annotations.Nullable;

/**
 * An invalidation was applied to this node's L1 but could not be applied to the shared L2 or
 * published on the invalidation bus (Redis unreachable or too slow), so other nodes may keep
 * serving the old value until their entries expire or their bus reconnects. Retry, or accept the
 * staleness.
 */
public class CacheInvalidationException extends CacheException {

  private static final long serialVersionUID = 1L;

  /**
   * @param cacheName the cache
   * @param what which part failed ("L2" or "bus")
   * @param cause the failure
   */
  public CacheInvalidationException(String cacheName, String what, @Nullable Throwable cause) {
    super(
        cacheName,
        String.format(
            "cache '%s': the invalidation was applied locally but not to the %s (%s); other nodes"
                + " may serve the old value until it expires",
            cacheName, what, cause == null ? "unknown" : cause.getClass().getSimpleName()),
        cause);
  }
}
