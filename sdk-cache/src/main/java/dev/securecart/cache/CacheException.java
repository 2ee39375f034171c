package dev.securecart.cache;

import dev.securecart.core.SecureCartException;
import org.jspecify.annotations.Nullable;

/**
 * The root of the exceptions a {@link LayeredCache} throws on purpose. Each carries the name of the
 * cache, never a key (keys may be customer data and are logged only at DEBUG).
 */
public class CacheException extends SecureCartException {

  private static final long serialVersionUID = 1L;

  private final String cacheName;

  /**
   * @param cacheName the cache that failed
   * @param message what went wrong
   * @param cause the underlying failure, if any
   */
  public CacheException(String cacheName, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.cacheName = cacheName;
  }

  /**
   * For outcomes on a hot path, where a stack trace would cost more than it tells.
   *
   * @param cacheName the cache
   * @param message what happened
   * @param cause the underlying failure, if any
   * @param writableStackTrace whether to fill in the stack trace
   */
  protected CacheException(
      String cacheName, String message, @Nullable Throwable cause, boolean writableStackTrace) {
    super(message, cause, writableStackTrace);
    this.cacheName = cacheName;
  }

  /** The name of the cache that threw. */
  public String cacheName() {
    return cacheName;
  }
}
