package dev.securecart.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CoarseTickerTest {

  private static final long MILLI = 1_000_000L;

  private final Ticker shared = CoarseTicker.instance();
  private final ExecutorService readers = Executors.newFixedThreadPool(4);

  @AfterEach
  void shutDown() throws InterruptedException {
    readers.shutdownNow();
    assertThat(readers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void isNeverAheadOfTheSystemTicker() {
    for (int i = 0; i < 100_000; i++) {
      long coarse = shared.read();
      assertThat(coarse).isLessThanOrEqualTo(System.nanoTime());
    }
  }

  @Test
  void advancesOnItsOwn() {
    long first = shared.read();
    await().atMost(Duration.ofSeconds(5)).until(() -> shared.read() - first > 0);
  }

  @Test
  void keepsUpWithTheSystemTickerToAboutItsResolution() {
    // Under load the updater may be descheduled for a while, so ask only that it catches up.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> System.nanoTime() - shared.read() < 5 * CoarseTicker.RESOLUTION_NANOS);
  }

  @Test
  void runsOnOneDaemonThread() {
    shared.read();
    assertThat(Thread.getAllStackTraces().keySet())
        .filteredOn(thread -> thread.getName().equals("securecart-cache-ticker"))
        .singleElement()
        .matches(Thread::isDaemon, "is a daemon");
  }

  @Test
  void parksWhenNobodyReadsAndTheNextReadIsFresh() {
    CoarseTicker ticker = new CoarseTicker(MILLI, 20, "coarse-ticker-test-park").start();
    ticker.read();
    await().atMost(Duration.ofSeconds(10)).until(ticker::isPaused);
    await().until(() -> System.nanoTime() - ticker.stored() > 100 * MILLI);

    long before = System.nanoTime();
    long reading = ticker.read();

    assertThat(reading).isBetween(before, System.nanoTime());
    assertThat(ticker.isPaused()).isFalse();
    await().atMost(Duration.ofSeconds(5)).until(() -> ticker.stored() - reading > 0);
  }

  @Test
  void readersRacingAResumeNeverGetTheStaleTime() throws Exception {
    CoarseTicker ticker = new CoarseTicker(MILLI, 10, "coarse-ticker-test-race").start();
    int threads = 4;
    CyclicBarrier start = new CyclicBarrier(threads);
    for (int round = 0; round < 20; round++) {
      await().atMost(Duration.ofSeconds(10)).until(ticker::isPaused);
      await().until(() -> System.nanoTime() - ticker.stored() > 100 * MILLI);
      List<Future<Long>> lags = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        lags.add(
            readers.submit(
                () -> {
                  start.await();
                  long before = System.nanoTime();
                  return before - ticker.read();
                }));
      }
      for (Future<Long> lag : lags) {
        // A stale reading lags by the whole pause (over 100 ms); a fresh one by microseconds.
        assertThat(lag.get(10, TimeUnit.SECONDS)).as("round %d", round).isLessThan(50 * MILLI);
      }
    }
  }
}
