package dev.securecart.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

final class KeyTableTest {

  private static final int MAXIMUM_KEYS = 80;
  private static final int OVERSHOOT = MAXIMUM_KEYS / 8;

  /**
   * A flood of new keys on several threads must not outrun the one thread that makes room: if the
   * others kept adding while it works (or while it is descheduled), the table would grow without
   * bound. Here the thread making room stops inside its eviction until the test lets it go.
   */
  @Test
  void whileOneThreadMakesRoomTheOthersAddAnEighthMoreAndThenWait() throws Exception {
    CountDownLatch evicting = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    AtomicBoolean stopNextEviction = new AtomicBoolean(true);
    KeyTable.States states =
        new KeyTable.States() {
          @Override
          public long resetAfter(long state, long now) {
            return 1; // no key is idle: only eviction makes room
          }

          @Override
          public long remaining(long state, long now) {
            if (stopNextEviction.compareAndSet(true, false)) {
              evicting.countDown();
              awaitQuietly(resume);
            }
            return 0;
          }
        };
    KeyTable table = new KeyTable(0, states, MAXIMUM_KEYS, 0);
    for (int i = 0; i < MAXIMUM_KEYS; i++) {
      table.cell("held-" + i, 0);
    }
    Thread evictor = new Thread(() -> table.cell("evictor", 0));
    evictor.start();
    assertThat(evicting.await(10, TimeUnit.SECONDS)).isTrue();

    AtomicInteger added = new AtomicInteger();
    Thread flood =
        new Thread(
            () -> {
              for (int i = 0; i <= OVERSHOOT; i++) {
                table.cell("new-" + i, 0);
                added.incrementAndGet();
              }
            });
    flood.start();
    // It adds an eighth of the bound, then waits (parked between spins) for room.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!(added.get() == OVERSHOOT && flood.getState() == Thread.State.TIMED_WAITING)) {
      assertThat(flood.getState())
          .as("the flood ran past the bound")
          .isNotEqualTo(Thread.State.TERMINATED);
      assertThat(System.nanoTime() - deadline).as("the flood never waited").isNegative();
      LockSupport.parkNanos(100_000);
    }
    assertThat(table.size()).isEqualTo(MAXIMUM_KEYS + OVERSHOOT);

    resume.countDown();
    evictor.join(TimeUnit.SECONDS.toMillis(10));
    flood.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(added.get()).isEqualTo(OVERSHOOT + 1);
    assertThat(table.size()).isLessThanOrEqualTo(MAXIMUM_KEYS + OVERSHOOT);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
