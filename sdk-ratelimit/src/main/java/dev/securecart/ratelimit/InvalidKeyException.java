package dev.securecart.ratelimit;

/**
 * A key was empty, longer than {@link RateLimiterConfig#MAX_KEY_LENGTH}, or missing for one of the
 * limiter's limits (or given for a limit it does not have). The message names the limit and the
 * rule, never the key itself (keys may identify people).
 */
public final class InvalidKeyException extends RateLimitException {

  private static final long serialVersionUID = 1L;

  private final String limitName;

  /**
   * @param limiterName the limiter
   * @param limitName the limit whose key was wrong
   * @param message what was wrong
   */
  public InvalidKeyException(String limiterName, String limitName, String message) {
    super(limiterName, message);
    this.limitName = limitName;
  }

  /** The limit whose key was wrong. */
  public String limitName() {
    return limitName;
  }
}
