package dev.securecart.cache;

import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The origin failed (or missed its deadline) and the cache held no value it was allowed to serve
 * instead: nothing cached, or only an entry older than the stale-if-error window. The cause is the
 * origin's exception, or a {@link TimeoutException} when the origin deadline passed.
 */
public class CacheLoadException extends CacheException {

  private static final long serialVersionUID = 1L;

  /**
   * @param cacheName the cache
   * @param cause the origin's failure
   */
  public CacheLoadException(String cacheName, @Nullable Throwable cause) {
    super(
        cacheName,
        String.format(
            "cache '%s' could not load a value from its origin and has no stale value to serve (%s)",
            cacheName,
            cause instanceof TimeoutException
                ? "origin deadline passed"
                : cause == null ? "unknown failure" : cause.getClass().getSimpleName()),
        cause);
  }

  /** Whether the origin missed its deadline (rather than failing). */
  public boolean isTimeout() {
    return getCause() instanceof TimeoutException;
  }
}
