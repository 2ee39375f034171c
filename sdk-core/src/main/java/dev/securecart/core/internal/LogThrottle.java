package dev.securecart.core.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets a repeated warning through at most once per interval, with the number of events since the
 * last one it let through: a failure that repeats with every request must not flood the log, nor go
 * uncounted. Thread-safe; times are nanosecond readings of one clock ({@link System#nanoTime()}, or
 * a ticker that tests can drive).
 */
public final class LogThrottle {

  private static final long NEVER = Long.MIN_VALUE;

  private final long intervalNanos;
  private final AtomicLong lastAt = new AtomicLong(NEVER);
  private final AtomicLong events = new AtomicLong();

  /**
   * @param interval the least time between two warnings
   */
  public LogThrottle(Duration interval) {
    this.intervalNanos = interval.toNanos();
  }

  /**
   * Records one event.
   *
   * @param now the time, from {@link System#nanoTime()}
   * @return the events to report, this one included, when a warning is due now; 0 when not
   */
  public long record(long now) {
    events.incrementAndGet();
    long last = lastAt.get();
    if ((last == NEVER || now - last >= intervalNanos) && lastAt.compareAndSet(last, now)) {
      return Math.max(1, events.getAndSet(0));
    }
    return 0;
  }
}
