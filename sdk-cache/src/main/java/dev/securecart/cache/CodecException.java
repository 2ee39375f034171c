package dev.securecart.cache;

import org.jspecify.annotations.Nullable;

/**
 * A {@link Codec} could not encode or decode a value. The cache treats a value it cannot decode
 * from L2 as a miss and loads it from the origin instead.
 */
public class CodecException extends CacheException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message what could not be encoded or decoded (never the value itself)
   * @param cause the underlying failure
   */
  public CodecException(String message, @Nullable Throwable cause) {
    super("codec", message, cause);
  }
}
