package dev.securecart.cache;

import org.jspecify.annotations.Nullable;

/**
 * A {@link Codec} could not encode or decode a value. The cache treats a value it cannot decode
 * from L2 as a miss and loads it from the origin instead, and does not write a value it cannot
 * encode to L2.
 *
 * <p>A codec does not know which cache it serves, so what a codec throws names none: its {@link
 * #cacheName()} is empty. A cache never passes that on as it is: it reports the failure as a {@code
 * CodecException} of its own, which names the cache and has the codec's exception as its cause.
 */
public class CodecException extends CacheException {

  private static final long serialVersionUID = 1L;

  /**
   * For a codec, which does not know the cache: {@link #cacheName()} is empty.
   *
   * @param message what could not be encoded or decoded (never the value itself)
   * @param cause the underlying failure
   */
  public CodecException(String message, @Nullable Throwable cause) {
    super("", message, cause);
  }

  /**
   * For a cache (or a store) reporting what its codec could not do.
   *
   * @param cacheName the cache whose value could not be encoded or decoded
   * @param message what could not be encoded or decoded (never the value itself)
   * @param cause the underlying failure, usually the codec's exception
   */
  public CodecException(String cacheName, String message, @Nullable Throwable cause) {
    super(cacheName, message, cause);
  }
}
