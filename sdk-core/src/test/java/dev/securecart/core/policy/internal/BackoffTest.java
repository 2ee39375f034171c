package dev.securecart.core.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** Full-jitter backoff: every delay lies in [0, min(cap, base * 2^n)], for any inputs. */
final class BackoffTest {

  /** min(cap, base * 2^n), computed without overflow as the reference. */
  private static long reference(int n, long base, long cap) {
    BigInteger bound = BigInteger.valueOf(base).shiftLeft(n);
    return bound.min(BigInteger.valueOf(cap)).longValueExact();
  }

  @Property(tries = 2000)
  void everyDelayIsWithinZeroAndTheCappedExponentialBound(
      @ForAll @IntRange(min = 0, max = 200) int retry,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long base,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long cap,
      @ForAll @DoubleRange(min = 0.0, max = 1.0, maxIncluded = false) double uniform) {
    Assume.that(cap >= base);

    long bound = reference(retry, base, cap);

    assertThat(Backoff.ceilingNanos(retry, base, cap)).isEqualTo(bound);
    assertThat(Backoff.delayNanos(retry, base, cap, uniform)).isBetween(0L, bound);
  }

  @Property(tries = 500)
  void theBoundDoublesUntilItReachesTheCap(
      @ForAll @IntRange(min = 0, max = 70) int retry,
      @ForAll @LongRange(min = 1, max = 1_000_000_000L) long base,
      @ForAll @LongRange(min = 1_000_000_000L, max = 60_000_000_000L) long cap) {
    long now = Backoff.ceilingNanos(retry, base, cap);
    long next = Backoff.ceilingNanos(retry + 1, base, cap);

    assertThat(next).isEqualTo(Math.min(cap, 2 * now));
  }

  @Property(tries = 200)
  void outOfRangeRandomValuesAreClamped(
      @ForAll @IntRange(min = 0, max = 10) int retry,
      @ForAll @DoubleRange(min = -1e9, max = 1e9) double uniform) {
    long bound = reference(retry, 100, 5_000);
    assertThat(Backoff.delayNanos(retry, 100, 5_000, uniform)).isBetween(0L, bound);
    assertThat(Backoff.delayNanos(retry, 100, 5_000, Double.NaN)).isZero();
  }

  @Property(tries = 1)
  void theExtremesOfTheRandomSourceReachTheEndsOfTheInterval() {
    assertThat(Backoff.delayNanos(3, 100, 5_000, 0.0)).isZero();
    assertThat(Backoff.delayNanos(3, 100, 5_000, Math.nextDown(1.0))).isEqualTo(799);
    assertThat(Backoff.delayNanos(3, 100, 5_000, 1.0)).isEqualTo(800);
  }
}
