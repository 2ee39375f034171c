package dev.securecart.ratelimit;

/**
 * How a limiter counts. All three keep the bound stated on {@link RateLimit}: over any interval of
 * length {@code W}, at most {@code permits * W / period + burst} permits are admitted ({@code + 1}
 * for {@link #SLIDING_WINDOW}); and under steady pressure all three admit the full rate (they never
 * limit below it).
 */
public enum Algorithm {

  /**
   * The generic cell rate algorithm, the default: one timestamp per key (the theoretical arrival
   * time of the next permit), exact to the microsecond, burst-aware. Each permit moves the
   * timestamp one emission interval ({@code period / permits}) into the future; a request is
   * admitted while the timestamp stays within {@code burst} intervals of now.
   */
  GCRA,

  /**
   * A token bucket of capacity {@code burst} that gains a whole token every emission interval;
   * stored as a token count and the time of the last refill. It admits exactly what GCRA admits for
   * the same limit (GCRA is the same machine written as one timestamp); choose it when you want the
   * stored state to read as tokens.
   */
  TOKEN_BUCKET,

  /**
   * The sliding-window counter approximation: a counter per fixed window of {@code burst} emission
   * intervals (the period itself under the default burst) with at most {@code burst} permits per
   * window, where the previous window's count is weighted by how much of it still overlaps the
   * sliding window. Two counters per key. Its bound over any interval of length {@code W} is one
   * more than the others': {@code permits * W / period + burst + 1}, because the weighted estimate
   * is rounded down; and within one sliding window it may admit up to twice the burst when the
   * previous window's permits all came at its end.
   */
  SLIDING_WINDOW
}
