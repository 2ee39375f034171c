package dev.securecart.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

final class LogThrottleTest {

  private static final long SECOND = Duration.ofSeconds(1).toNanos();

  @Test
  void theFirstEventIsReportedThenTheRestOnceAnIntervalWithTheirCount() {
    LogThrottle throttle = new LogThrottle(Duration.ofMinutes(1));
    long start = -5 * SECOND; // nanoTime may be negative

    assertThat(throttle.record(start)).isEqualTo(1);
    assertThat(throttle.record(start + SECOND)).isZero();
    assertThat(throttle.record(start + 59 * SECOND)).isZero();
    assertThat(throttle.record(start + 60 * SECOND)).isEqualTo(3);
    assertThat(throttle.record(start + 61 * SECOND)).isZero();
  }
}
