package dev.securecart.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

final class PreconditionsTest {

  @Test
  void messagesNameTheParameterTheRuleAndTheValue() {
    assertThatThrownBy(() -> Preconditions.requireNonNull(null, "listener"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("listener cannot be null");
    assertThatThrownBy(() -> Preconditions.requirePositive(0, "maxAttempts"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxAttempts must be greater than 0, but was 0");
    assertThatThrownBy(() -> Preconditions.requireNonNegative(-2, "burst"))
        .hasMessage("burst must be 0 or greater, but was -2");
    assertThatThrownBy(() -> Preconditions.requirePositive(Duration.ZERO, "timeout"))
        .hasMessage("timeout must be positive, but was PT0S");
    assertThatThrownBy(() -> Preconditions.requireNonNegative(Duration.ofMillis(-1), "delay"))
        .hasMessage("delay must not be negative, but was PT-0.001S");
    assertThatThrownBy(() -> Preconditions.requireState(false, "%s was already set", "clock"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("clock was already set");
  }

  @Test
  void validValuesPassThrough() {
    assertThat(Preconditions.requireNonNull("x", "x")).isEqualTo("x");
    assertThat(Preconditions.requirePositive(3, "n")).isEqualTo(3);
    assertThat(Preconditions.requireNonNegative(0, "n")).isZero();
    assertThat(Preconditions.requirePositive(Duration.ofNanos(1), "d"))
        .isEqualTo(Duration.ofNanos(1));
    assertThat(Preconditions.requireNonNegative(Duration.ZERO, "d")).isEqualTo(Duration.ZERO);
  }
}
