package dev.securecart.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.Ticker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CoarseTickerTest {

  private final Ticker ticker = CoarseTicker.instance();

  @Test
  void isNeverAheadOfTheSystemTicker() {
    for (int i = 0; i < 100_000; i++) {
      long coarse = ticker.read();
      assertThat(coarse).isLessThanOrEqualTo(System.nanoTime());
    }
  }

  @Test
  void advancesOnItsOwn() {
    long first = ticker.read();
    await().atMost(Duration.ofSeconds(5)).until(() -> ticker.read() - first > 0);
  }

  @Test
  void keepsUpWithTheSystemTickerToAboutItsResolution() {
    // Under load the updater may be descheduled for a while, so ask only that it catches up.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> System.nanoTime() - ticker.read() < 5 * CoarseTicker.RESOLUTION_NANOS);
  }

  @Test
  void runsOnOneDaemonThread() {
    ticker.read();
    assertThat(Thread.getAllStackTraces().keySet())
        .filteredOn(thread -> thread.getName().equals("securecart-cache-ticker"))
        .singleElement()
        .matches(Thread::isDaemon, "is a daemon");
  }
}
