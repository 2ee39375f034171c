package dev.securecart.ratelimit;

/** What a shared (Redis) limiter decides while its store is slow or down. */
public enum FailMode {
  /** Admit every request: availability over protection. */
  OPEN,
  /** Reject every request: protection over availability (for example, password guessing). */
  CLOSED,
  /**
   * Decide with an in-process limiter whose rate is the shared rate divided by the expected node
   * count (the default): each node enforces its share.
   */
  LOCAL
}
