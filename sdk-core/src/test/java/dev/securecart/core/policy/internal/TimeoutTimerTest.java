package dev.securecart.core.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The timer that fires the policies' timeouts. */
final class TimeoutTimerTest {

  @Test
  void aDeadlineFiresOnAPolicyPoolThreadNotTheTimersOwn() throws Exception {
    AtomicReference<String> firedOn = new AtomicReference<>();
    CountDownLatch fired = new CountDownLatch(1);
    long start = System.nanoTime();

    Future<?> unused =
        TimeoutTimer.shared()
            .schedule(
                () -> {
                  firedOn.set(Thread.currentThread().getName());
                  fired.countDown();
                },
                TimeUnit.MILLISECONDS.toNanos(50));

    assertThat(fired.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
    assertThat(firedOn.get()).startsWith("securecart-policy-").doesNotContain("timer");
  }

  /**
   * While a deadline is pending the pulse beats, so that the next deadlines join the queue without
   * waking the timer's thread; once none is pending it stops, so an idle service's timer sleeps.
   */
  @Test
  void thePulseBeatsWhileADeadlineIsPendingAndStopsOnceNoneIs() {
    // A timer of its own: the shared one also has the deadlines of other tests' calls.
    TimeoutTimer timer = new TimeoutTimer("test-timeout-timer-", Runnable::run);
    assertThat(timer.isPulsing()).isFalse();
    Future<?> deadline = timer.schedule(() -> {}, TimeUnit.MINUTES.toNanos(1));
    try {
      assertThat(timer.isPulsing()).isTrue();
      await().atMost(Duration.ofSeconds(30)).until(() -> timer.beats() >= 3);
      assertThat(timer.isPulsing()).as("still beating: the deadline is pending").isTrue();
    } finally {
      deadline.cancel(false);
    }

    await().atMost(Duration.ofSeconds(30)).until(() -> !timer.isPulsing());
    long beatsWhenStopped = timer.beats();
    Future<?> next = timer.schedule(() -> {}, TimeUnit.MINUTES.toNanos(1));
    try {
      assertThat(timer.isPulsing()).as("the next deadline starts it again").isTrue();
      await().atMost(Duration.ofSeconds(30)).until(() -> timer.beats() > beatsWhenStopped);
    } finally {
      next.cancel(false);
    }
  }
}
