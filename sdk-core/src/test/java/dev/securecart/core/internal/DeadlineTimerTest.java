package dev.securecart.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.testing.BlockedJdkDelayThread;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** The timer that fires the SDK's deadlines. */
final class DeadlineTimerTest {

  @Test
  void aDeadlineFiresOnAPoolThreadNotTheTimersOwn() throws Exception {
    AtomicReference<String> firedOn = new AtomicReference<>();
    CountDownLatch fired = new CountDownLatch(1);
    long start = System.nanoTime();

    Future<?> unused =
        DeadlineTimer.shared()
            .schedule(
                () -> {
                  firedOn.set(Thread.currentThread().getName());
                  fired.countDown();
                },
                TimeUnit.MILLISECONDS.toNanos(50));

    assertThat(fired.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
    assertThat(firedOn.get()).startsWith("securecart-deadline-").doesNotContain("timer");
  }

  /**
   * While deadlines keep coming the pulse keeps beating, so that they join the queue without waking
   * the timer's thread; once none comes it stops, even while one is still pending (a hung call's
   * long deadline), so an idle service's timer sleeps; the next deadline starts it again.
   */
  @Test
  void thePulseBeatsWhileDeadlinesComeAndStopsWhenTheyStop() {
    // A timer of its own: the shared one also has the deadlines of other tests' calls.
    DeadlineTimer timer = new DeadlineTimer("test-deadline-timer-", Runnable::run);
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

  @Test
  void expireAfterFailsAFutureThatOutlivesItsDeadlineOnAPoolThread() throws Exception {
    assertThat(expiredOn(DeadlineTimer.shared()::expireAfter))
        .as("chained code ran on the timer's pool, where it may block")
        .startsWith("securecart-deadline-")
        .doesNotContain("timer");
  }

  @Test
  void expireAfterHereFailsAFutureThatOutlivesItsDeadlineOnTheTimersThread() throws Exception {
    assertThat(expiredOn(DeadlineTimer.shared()::expireAfterHere))
        .as("chained code ran on the timer's own thread")
        .startsWith("securecart-deadline-timer-");
  }

  /** Bounds a future by 50 ms with {@code expiry}; returns where what was chained on it ran. */
  private static String expiredOn(BiConsumer<CompletableFuture<?>, Long> expiry) throws Exception {
    CompletableFuture<String> call = new CompletableFuture<>();
    AtomicReference<String> chainedOn = new AtomicReference<>();
    CompletableFuture<?> chained =
        call.whenComplete((value, error) -> chainedOn.set(Thread.currentThread().getName()));

    expiry.accept(call, TimeUnit.MILLISECONDS.toNanos(50));

    // Waits on the chained stage, not on the call: a thread waiting in the call's get() may run
    // the call's chained stages itself.
    chained.handle((value, error) -> null).get(30, TimeUnit.SECONDS);
    assertThatThrownBy(() -> call.get(0, TimeUnit.SECONDS))
        .hasCauseInstanceOf(TimeoutException.class);
    return chainedOn.get();
  }

  @Test
  void expireAfterLeavesAFutureThatCompletedInTimeAsItWas() {
    // A timer of its own, so that its queue says whether the deadline is gone.
    DeadlineTimer timer = new DeadlineTimer("test-deadline-timer-", Runnable::run);
    CompletableFuture<String> call = new CompletableFuture<>();

    timer.expireAfter(call, TimeUnit.MINUTES.toNanos(1));
    call.complete("answered");

    assertThat(call.join()).isEqualTo("answered");
    await().atMost(Duration.ofSeconds(30)).until(() -> !timer.isPulsing());
    assertThat(timer.pending()).as("the deadline was cleared").isZero();
  }

  /**
   * The JDK's one delay thread, which every {@code orTimeout} in the JVM shares, blocked by
   * application code chained on an expired future: the SDK's deadlines still fire.
   */
  @Test
  void aBlockedJdkDelayThreadDoesNotHoldUpADeadline() {
    try (BlockedJdkDelayThread blocked = BlockedJdkDelayThread.block()) {
      CompletableFuture<String> call = new CompletableFuture<>();
      DeadlineTimer.shared().expireAfter(call, TimeUnit.MILLISECONDS.toNanos(50));
      assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS))
          .as("expired within 10 s while the JDK's delay thread is blocked for 30")
          .hasCauseInstanceOf(TimeoutException.class);
    }
  }
}
