package dev.securecart.ratelimit.internal;

/**
 * GCRA on one word, in microseconds: the state is the theoretical arrival time ({@code tat}) of the
 * next permit; {@link Long#MIN_VALUE} (or any time in the past) means "full burst available". The
 * in-process token bucket uses the same functions: a token bucket with capacity {@code b} whose
 * tokens are {@code (now - emptyAt) / t} is stored in one word as {@code tat = emptyAt + tau}.
 * Mirrors {@code ratelimit.lua}.
 */
final class Gcra {

  /** Returned by {@link #next} when the request is rejected. */
  static final long REJECTED = Long.MIN_VALUE + 1;

  static final long EMPTY = Long.MIN_VALUE;

  private Gcra() {}

  static long next(Spec spec, long state, long now, long n) {
    long tat = Math.max(state, now);
    long next = tat + n * spec.t;
    return next - now > spec.tau ? REJECTED : next;
  }

  static long remaining(Spec spec, long state, long now) {
    long tat = Math.max(state, now);
    return Math.max(0, (spec.tau - (tat - now)) / spec.t);
  }

  static long resetAfter(long state, long now) {
    return Math.max(state, now) - now;
  }

  static long retryAfter(Spec spec, long state, long now, long n) {
    long tat = Math.max(state, now);
    return Math.max(0, tat + n * spec.t - now - spec.tau);
  }

  /** This algorithm's states of {@code spec}, as the key table reads them. */
  static KeyTable.States states(Spec spec) {
    return new KeyTable.States() {
      @Override
      public long resetAfter(long state, long now) {
        return Gcra.resetAfter(state, now);
      }

      @Override
      public long remaining(long state, long now) {
        return Gcra.remaining(spec, state, now);
      }
    };
  }

  /**
   * The state after giving back {@code n} permits that a decision took by moving the state from
   * {@code seen} to {@code taken}, when its other limits then failed to commit; {@code current} is
   * the state now and {@code now} the time now (read after every decision that moved the state).
   *
   * <p>Between decisions alone this is exact when nothing moved the state since, and when the key
   * was still busy at {@code now} ({@code seen >= now}): every later decision then started from a
   * time in the future and shifted the state by its own permits only. Otherwise a later decision
   * may have found the key idle and started from its own time, which absorbed this decision's
   * permits: subtracting them would take that decision's permits away and over-admit. Nothing is
   * given back then, which holds back at most {@code n} permits of a key that was idle a moment
   * ago. Other refunds in between can still make it give back permits a later decision absorbed
   * (the state alone cannot tell): each such overlap may admit up to {@code n} more, where
   * subtracting unconditionally did so whenever a key went idle during a refund.
   */
  static long refund(Spec spec, long seen, long taken, long current, long now, long n) {
    if (current == taken) {
      return seen;
    }
    return seen >= now ? current - n * spec.t : current;
  }
}
