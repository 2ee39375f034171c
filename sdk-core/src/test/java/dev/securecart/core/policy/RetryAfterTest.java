package dev.securecart.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.core.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class RetryAfterTest {

  private final FakeClock clock = FakeClock.create(); // 2026-01-01T00:00:00Z, a Thursday

  @Test
  void parse_delaySeconds() {
    assertThat(RetryAfter.parse("120", clock)).contains(Duration.ofMinutes(2));
    assertThat(RetryAfter.parse(" 0 ", clock)).contains(Duration.ZERO);
    assertThat(RetryAfter.parse("99999999999999999999999", clock))
        .contains(Duration.ofSeconds(Long.MAX_VALUE));
  }

  @Test
  void parse_httpDate_isMeasuredFromTheClock() {
    assertThat(RetryAfter.parse("Thu, 01 Jan 2026 00:01:30 GMT", clock))
        .contains(Duration.ofSeconds(90));
    clock.advance(Duration.ofSeconds(30));
    assertThat(RetryAfter.parse("Thu, 01 Jan 2026 00:01:30 GMT", clock))
        .contains(Duration.ofSeconds(60));
  }

  @Test
  void parse_dateInThePast_isZero() {
    assertThat(RetryAfter.parse("Wed, 31 Dec 2025 23:00:00 GMT", clock)).contains(Duration.ZERO);
  }

  @Test
  void parse_absentOrMalformed_isEmpty() {
    assertThat(RetryAfter.parse(null, clock)).isEmpty();
    assertThat(RetryAfter.parse("", clock)).isEmpty();
    assertThat(RetryAfter.parse("soon", clock)).isEmpty();
    assertThat(RetryAfter.parse("-5", clock)).isEmpty();
    assertThat(RetryAfter.parse("1.5", clock)).isEmpty();
    assertThatThrownBy(() -> RetryAfter.parse("1", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("clock cannot be null");
  }

  @Test
  void typedHooksAnswerOnlyForTheirType() {
    RetryAfter hook =
        RetryAfter.onFailure(IOException.class, e -> Optional.of(Duration.ofSeconds(1)))
            .or(RetryAfter.onResult(Integer.class, status -> Optional.of(Duration.ofSeconds(2))));

    assertThat(hook.delayFor(null, new IOException())).contains(Duration.ofSeconds(1));
    assertThat(hook.delayFor(503, null)).contains(Duration.ofSeconds(2));
    assertThat(hook.delayFor("503", null)).isEmpty();
    assertThat(hook.delayFor(null, new IllegalStateException())).isEmpty();
    assertThat(RetryAfter.none().delayFor(503, null)).isEmpty();
  }
}
