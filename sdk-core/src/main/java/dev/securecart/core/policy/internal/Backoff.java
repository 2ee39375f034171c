package dev.securecart.core.policy.internal;

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"):
 * the delay before retry {@code n}, counting from 0, is uniform in {@code [0, min(cap, base·2^n)]}.
 * Full jitter spreads the retries of many clients that failed at the same moment over the whole
 * interval instead of bunching them at its end.
 */
public final class Backoff {

  private Backoff() {}

  /**
   * Returns {@code min(capNanos, baseNanos·2^retry)} without overflowing.
   *
   * @param retry the retry's index, 0 for the first
   * @param baseNanos the base delay, 0 or more
   * @param capNanos the cap, at least {@code baseNanos}
   * @return the upper bound of the retry's delay
   */
  public static long ceilingNanos(int retry, long baseNanos, long capNanos) {
    if (baseNanos == 0) {
      return 0;
    }
    if (retry >= Long.SIZE - 1 || baseNanos > (capNanos >> retry)) {
      return capNanos;
    }
    return Math.min(capNanos, baseNanos << retry);
  }

  /**
   * Returns a delay in {@code [0, ceilingNanos(retry, baseNanos, capNanos)]}.
   *
   * @param retry the retry's index, 0 for the first
   * @param baseNanos the base delay, 0 or more
   * @param capNanos the cap, at least {@code baseNanos}
   * @param uniform a value in {@code [0, 1)}; values outside are clamped into it
   * @return the delay in nanoseconds
   */
  public static long delayNanos(int retry, long baseNanos, long capNanos, double uniform) {
    long ceiling = ceilingNanos(retry, baseNanos, capNanos);
    double u = uniform >= 0.0 ? Math.min(uniform, 1.0) : 0.0; // also maps NaN to 0
    // double rounding of a large ceiling may land just above it; the min keeps the bound exact.
    return Math.min(ceiling, (long) (u * ceiling));
  }
}
