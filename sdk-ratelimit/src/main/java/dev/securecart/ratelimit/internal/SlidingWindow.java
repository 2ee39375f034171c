package dev.securecart.ratelimit.internal;

/**
 * The sliding-window counter on one word, in microseconds. The window is {@code tau = b * t} long
 * and holds at most {@code b} permits; the state packs the window index (modulo 2^24), the current
 * window's count and the previous window's count (20 bits each). The estimate of the sliding window
 * is {@code prev * (w - f) / w + cur} where {@code f} is the time into the current window. Mirrors
 * {@code ratelimit.lua}, with the same floating-point expressions so both agree exactly.
 */
final class SlidingWindow {

  static final long REJECTED = -1;
  static final long EMPTY = 0;

  private static final long COUNT_MASK = (1L << 20) - 1;
  private static final long INDEX_MASK = (1L << 24) - 1;

  private SlidingWindow() {}

  private static long index(long state) {
    return state >>> 40;
  }

  private static long cur(long state) {
    return (state >>> 20) & COUNT_MASK;
  }

  private static long prev(long state) {
    return state & COUNT_MASK;
  }

  private static long pack(long index, long cur, long prev) {
    return ((index & INDEX_MASK) << 40) | (cur << 20) | prev;
  }

  /** The state moved to the window of {@code now}. */
  static long roll(Spec spec, long state, long now) {
    long index = Math.floorDiv(now, spec.tau) & INDEX_MASK;
    long stored = index(state);
    if (stored == index) {
      return state;
    }
    if (stored == ((index - 1) & INDEX_MASK)) {
      return pack(index, 0, cur(state));
    }
    return pack(index, 0, 0);
  }

  private static long elapsed(Spec spec, long now) {
    return now - Math.floorDiv(now, spec.tau) * spec.tau;
  }

  /** The whole permits the sliding window holds: the estimate, rounded down. */
  private static long used(Spec spec, long rolled, long now) {
    long w = spec.tau;
    long f = elapsed(spec, now);
    return (long) Math.floor(prev(rolled) * ((double) (w - f) / w) + cur(rolled));
  }

  static long next(Spec spec, long state, long now, long n) {
    long rolled = roll(spec, state, now);
    if (used(spec, rolled, now) + n > spec.b) {
      return REJECTED;
    }
    return pack(index(rolled), cur(rolled) + n, prev(rolled));
  }

  static long remaining(Spec spec, long state, long now) {
    long rolled = roll(spec, state, now);
    return Math.max(0, spec.b - used(spec, rolled, now));
  }

  static long resetAfter(Spec spec, long state, long now) {
    long rolled = roll(spec, state, now);
    long w = spec.tau;
    long f = elapsed(spec, now);
    if (cur(rolled) > 0) {
      return (w - f) + w;
    }
    return prev(rolled) > 0 ? w - f : 0;
  }

  static long retryAfter(Spec spec, long state, long now, long n) {
    long rolled = roll(spec, state, now);
    long w = spec.tau;
    long f = elapsed(spec, now);
    long b = spec.b;
    long cur = cur(rolled);
    long prev = prev(rolled);
    // Admitted once floor(prev * (w - x) / w + cur) + n <= b, i.e. prev * (w - x) / w < b - n + 1
    // - cur: the first whole microsecond x past w - (b - n + 1 - cur) * w / prev.
    if (cur + n <= b && prev > 0) {
      long at = (long) Math.floor(w - (b - n + 1 - cur) * (double) w / prev) + 1;
      return Math.max(1, at - f);
    }
    // Else in the next window, where this window's count is the previous one.
    long g = 0;
    if (cur > b - n) {
      g = Math.max(0, (long) Math.floor(w - (b - n + 1) * (double) w / cur) + 1);
    }
    return (w - f) + g;
  }

  /** This algorithm's states of {@code spec}, as the key table reads them. */
  static KeyTable.States states(Spec spec) {
    return new KeyTable.States() {
      @Override
      public long resetAfter(long state, long now) {
        return SlidingWindow.resetAfter(spec, state, now);
      }

      @Override
      public long remaining(long state, long now) {
        return SlidingWindow.remaining(spec, state, now);
      }
    };
  }

  /** Gives back {@code n} permits taken in the window of {@code takenAt}. */
  static long refund(Spec spec, long state, long takenAt, long n) {
    long taken = Math.floorDiv(takenAt, spec.tau) & INDEX_MASK;
    long stored = index(state);
    if (stored == taken) {
      return pack(stored, Math.max(0, cur(state) - n), prev(state));
    }
    if (stored == ((taken + 1) & INDEX_MASK)) {
      return pack(stored, cur(state), Math.max(0, prev(state) - n));
    }
    return state;
  }
}
