package dev.securecart.core.policy;

import dev.securecart.core.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler for asynchronous policy calls that never waits: a task scheduled after a delay moves
 * the {@link FakeClock} forward by that delay and runs at once. Records every positive delay, so a
 * test can check the backoff a policy asked for and that the clock moved by exactly that much.
 */
final class ClockAdvancingScheduler extends ScheduledThreadPoolExecutor {

  private final FakeClock clock;
  private final List<Duration> delays = new CopyOnWriteArrayList<>();

  ClockAdvancingScheduler(FakeClock clock) {
    super(2);
    this.clock = clock;
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    if (delay > 0) {
      Duration waited = Duration.ofNanos(unit.toNanos(delay));
      delays.add(waited);
      clock.advance(waited);
    }
    return super.schedule(callable, 0, unit);
  }

  /** The positive delays asked for so far, in order. */
  List<Duration> delays() {
    return List.copyOf(delays);
  }
}
