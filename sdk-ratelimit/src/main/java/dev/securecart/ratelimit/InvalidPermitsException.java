package dev.securecart.ratelimit;

/**
 * The number of permits asked for was zero, negative, or more than a limit's burst (such a request
 * could never be granted, so it is a programming error rather than a rejection).
 */
public final class InvalidPermitsException extends RateLimitException {

  private static final long serialVersionUID = 1L;

  private final long permits;

  /**
   * @param limiterName the limiter
   * @param permits the permits asked for
   * @param message what was wrong
   */
  public InvalidPermitsException(String limiterName, long permits, String message) {
    super(limiterName, message);
    this.permits = permits;
  }

  /** The permits asked for. */
  public long permits() {
    return permits;
  }
}
