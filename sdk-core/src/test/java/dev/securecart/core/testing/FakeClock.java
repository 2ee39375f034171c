package dev.securecart.core.testing;

import dev.securecart.core.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when a test moves it: a {@link Clock} for wall time and a {@link Ticker}
 * for monotonic nanoseconds, both driven by the same counter so that they always agree. Hand it to
 * any builder that takes a clock or ticker, then {@link #advance(Duration)} instead of sleeping.
 * Thread-safe.
 */
public final class FakeClock extends Clock implements Ticker {

  /** The wall time a new clock starts at: 2026-01-01T00:00:00Z. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

  private final Instant start;
  private final long tickerOrigin;
  private final AtomicLong elapsedNanos;
  private final ZoneId zone;

  private FakeClock(Instant start, long tickerOrigin, AtomicLong elapsedNanos, ZoneId zone) {
    this.start = start;
    this.tickerOrigin = tickerOrigin;
    this.elapsedNanos = elapsedNanos;
    this.zone = zone;
  }

  /** A clock at {@link #DEFAULT_START}, UTC. */
  public static FakeClock create() {
    return startingAt(DEFAULT_START);
  }

  /** A clock at {@code start}, UTC. */
  public static FakeClock startingAt(Instant start) {
    // A ticker origin far from zero catches code that wrongly treats a reading as absolute time.
    return new FakeClock(start, 1L << 40, new AtomicLong(), ZoneOffset.UTC);
  }

  /** Moves time forward by {@code duration}; negative durations are rejected. */
  public FakeClock advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("time only moves forward, but was " + duration);
    }
    elapsedNanos.addAndGet(duration.toNanos());
    return this;
  }

  /** Moves time forward by {@code millis} milliseconds. */
  public FakeClock advanceMillis(long millis) {
    return advance(Duration.ofMillis(millis));
  }

  /** The time elapsed since this clock was created. */
  public Duration elapsed() {
    return Duration.ofNanos(elapsedNanos.get());
  }

  /**
   * A view whose wall time runs {@code offset} ahead of (or behind) this one, on the same counter:
   * two nodes whose clocks disagree by a fixed amount.
   */
  public FakeClock skewedBy(Duration offset) {
    return new FakeClock(start.plus(offset), tickerOrigin, elapsedNanos, zone);
  }

  @Override
  public long read() {
    return tickerOrigin + elapsedNanos.get();
  }

  @Override
  public Instant instant() {
    return start.plusNanos(elapsedNanos.get());
  }

  @Override
  public long millis() {
    return instant().toEpochMilli();
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return new FakeClock(start, tickerOrigin, elapsedNanos, zone);
  }

  @Override
  public String toString() {
    return "FakeClock[" + instant() + "]";
  }
}
