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
   * While deadlines keep coming the pulse keeps beating, so that they join the queue without waking
   * the timer's thread; once none comes it stops, even while one is still pending (a hung call's
   * long deadline), so an idle service's timer sleeps; the next deadline starts it again.
   */
  @Test
  void thePulseBeatsWhileDeadlinesComeAndStopsWhenTheyStop() {
    // A timer of its own: the shared one also has the deadlines of other tests' calls.
    TimeoutTimer timer = new TimeoutTimer("test-timeout-timer-", Runnable::run);
    assertThat(timer.isPulsing()).isFalse();
    Future<?> pending = timer.schedule(() -> {}, TimeUnit.MINUTES.toNanos(1));
    try {
      assertThat(timer.isPulsing()).isTrue();
      // A deadline between each two beats, as calls arriving faster than the beat would set them.
      int rounds = 40;
      for (int i = 0; i < rounds; i++) {
        long beats = timer.beats();
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(1))
            .until(() -> timer.beats() > beats);
        timer.schedule(() -> {}, TimeUnit.MINUTES.toNanos(1)).cancel(false);
      }
      // A beat that found no deadline since the one before (this thread held off a core for a
      // beat or two) stops it, and the next deadline starts it again; a pulse that stopped at
      // every beat would start once a round.
      assertThat(timer.starts()).as("starts over %d rounds", rounds).isLessThan(rounds / 2);

      await().atMost(Duration.ofSeconds(30)).until(() -> !timer.isPulsing());
      assertThat(pending).as("still pending: the pulse stopped all the same").isNotDone();
    } finally {
      pending.cancel(false);
    }

    long starts = timer.starts();
    Future<?> next = timer.schedule(() -> {}, TimeUnit.MINUTES.toNanos(1));
    next.cancel(false);
    assertThat(timer.starts()).as("the next deadline starts it again").isEqualTo(starts + 1);
  }
}
