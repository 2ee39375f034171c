package dev.securecart.ratelimit;

import dev.securecart.core.SecureCartException;

/**
 * The root of the exceptions a rate limiter throws on purpose: always a bad request by the caller,
 * never a rejection (that is a {@link Decision}) and never a store failure (that is a fallback
 * decision). Carries the limiter's name.
 */
public class RateLimitException extends SecureCartException {

  private static final long serialVersionUID = 1L;

  private final String limiterName;

  /**
   * @param limiterName the limiter that refused the request
   * @param message what was wrong
   */
  public RateLimitException(String limiterName, String message) {
    super("rate limiter '" + limiterName + "': " + message);
    this.limiterName = limiterName;
  }

  /** The limiter that refused the request. */
  public String limiterName() {
    return limiterName;
  }
}
