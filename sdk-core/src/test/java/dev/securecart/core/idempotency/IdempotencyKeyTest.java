package dev.securecart.core.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class IdempotencyKeyTest {

  @Test
  void acceptsOneTo255PrintableAsciiCharacters() {
    StringBuilder printable = new StringBuilder();
    for (char c = ' '; c <= '~'; c++) {
      printable.append(c);
    }

    assertThat(IdempotencyKey.of("a").value()).isEqualTo("a");
    assertThat(IdempotencyKey.of(printable.toString()).value()).hasSize(95);
    assertThat(IdempotencyKey.of("k".repeat(255)).value()).hasSize(255);
    assertThat(IdempotencyKey.isValid("550e8400-e29b-41d4-a716-446655440000")).isTrue();
  }

  @Test
  void rejectsEmptyAndTooLongKeysSayingTheLengthButNotEchoingTheValue() {
    assertThatThrownBy(() -> IdempotencyKey.of(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "an idempotency key must be 1 to 255 printable ASCII characters, but had 0 characters");
    String huge = "secret-ish-".repeat(100_000);
    assertThatThrownBy(() -> IdempotencyKey.of(huge))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("but had 1100000 characters")
        .message()
        .doesNotContain("secret-ish");
    assertThat(IdempotencyKey.isValid("k".repeat(256))).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"tab\there", "new\nline", "del\u007f", "caf\u00e9", "emoji\ud83d\ude00"})
  void rejectsCharactersOutsidePrintableAsciiSayingWhichAndWhere(String value) {
    assertThat(IdempotencyKey.isValid(value)).isFalse();
    assertThatThrownBy(() -> IdempotencyKey.of(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "an idempotency key must be printable ASCII (' ' to '~'), but had U+")
        .hasMessageContaining("at index ");
  }

  @Test
  void namesTheControlCharacterAndItsIndex() {
    assertThatThrownBy(() -> IdempotencyKey.of("abc\u0000"))
        .hasMessage(
            "an idempotency key must be printable ASCII (' ' to '~'), but had U+0000 at index 3");
  }

  @Test
  void rejectsNullWithTheParametersName() {
    assertThatThrownBy(() -> IdempotencyKey.of(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("value cannot be null");
  }

  @Test
  void isAValueWhoseTextIsItsString() {
    assertThat(IdempotencyKey.of("order-1")).isEqualTo(new IdempotencyKey("order-1"));
    assertThat(IdempotencyKey.of("order-1")).hasToString("order-1");
    assertThat(IdempotencyKey.of("order-1")).isNotEqualTo(IdempotencyKey.of("Order-1"));
  }

  @Test
  void randomKeysAreUuidsThatDiffer() {
    IdempotencyKey first = IdempotencyKey.random();

    assertThat(first.value())
        .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    assertThat(IdempotencyKey.random()).isNotEqualTo(first);
  }
}
