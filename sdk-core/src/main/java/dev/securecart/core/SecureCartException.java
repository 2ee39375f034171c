package dev.securecart.core;

import org.jspecify.annotations.Nullable;

/**
 * The root of every exception the SDK throws on purpose. Each module has a small hierarchy under it
 * whose types carry the context a caller needs to act (which policy, which key, what was wrong);
 * messages never contain secret material. Unchecked: no checked exception crosses the SDK's API.
 */
public class SecureCartException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message what went wrong, for a developer reading a log
   */
  public SecureCartException(String message) {
    super(message);
  }

  /**
   * @param message what went wrong, for a developer reading a log
   * @param cause the underlying failure, kept for its stack trace
   */
  public SecureCartException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  /**
   * For rejections on a hot path, where a stack trace would cost more than it tells.
   *
   * @param message what went wrong
   * @param cause the underlying failure, if any
   * @param writableStackTrace whether to fill in the stack trace
   */
  protected SecureCartException(
      String message, @Nullable Throwable cause, boolean writableStackTrace) {
    super(message, cause, true, writableStackTrace);
  }
}
