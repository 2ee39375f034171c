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

  /** Gives back {@code n} permits taken by a decision whose other limits then failed to commit. */
  static long refund(Spec spec, long state, long n) {
    return state - n * spec.t;
  }
}
