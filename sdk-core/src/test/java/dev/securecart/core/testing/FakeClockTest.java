package dev.securecart.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

final class FakeClockTest {

  @Test
  void standsStillUntilAdvanced() {
    FakeClock clock = FakeClock.create();
    long ticker = clock.read();

    assertThat(clock.instant()).isEqualTo(FakeClock.DEFAULT_START);
    assertThat(clock.read()).isEqualTo(ticker);
  }

  @Test
  void advancesWallTimeAndTickerTogether() {
    FakeClock clock = FakeClock.startingAt(Instant.parse("2026-11-27T08:00:00Z"));
    long before = clock.read();

    clock.advance(Duration.ofMillis(1500)).advanceMillis(500);

    assertThat(clock.instant()).isEqualTo(Instant.parse("2026-11-27T08:00:02Z"));
    assertThat(clock.millis()).isEqualTo(Instant.parse("2026-11-27T08:00:02Z").toEpochMilli());
    assertThat(clock.read() - before).isEqualTo(Duration.ofSeconds(2).toNanos());
    assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void refusesToGoBackwards() {
    FakeClock clock = FakeClock.create();

    assertThatThrownBy(() -> clock.advance(Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("only moves forward");
  }

  @Test
  void skewedViewKeepsItsOffsetAndSharesTheCounter() {
    FakeClock clock = FakeClock.create();
    FakeClock ahead = clock.skewedBy(Duration.ofSeconds(10));

    clock.advance(Duration.ofSeconds(3));

    assertThat(Duration.between(clock.instant(), ahead.instant()))
        .isEqualTo(Duration.ofSeconds(10));
    assertThat(ahead.read()).isEqualTo(clock.read());
  }

  @Test
  void concurrentAdvancesAreNeverLost() throws InterruptedException {
    FakeClock clock = FakeClock.create();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                for (int i = 0; i < 10_000; i++) {
                  clock.advance(Duration.ofNanos(1));
                }
              });
      thread.start();
      threads.add(thread);
    }
    start.countDown();
    for (Thread thread : threads) {
      thread.join();
    }

    assertThat(clock.elapsed()).isEqualTo(Duration.ofNanos(80_000));
  }
}
