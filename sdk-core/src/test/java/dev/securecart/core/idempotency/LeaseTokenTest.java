package dev.securecart.core.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class LeaseTokenTest {

  @Test
  void randomTokensAre128BitsInHexAndDoNotRepeat() {
    Set<LeaseToken> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      LeaseToken token = LeaseToken.random();
      assertThat(token.value()).matches("[0-9a-f]{32}");
      assertThat(seen.add(token)).isTrue();
    }
  }

  @Test
  void tokensReadBackAreEqualToTheOriginal() {
    LeaseToken token = LeaseToken.random();

    assertThat(LeaseToken.of(token.value())).isEqualTo(token);
  }

  @Test
  void malformedTokensAreRejectedWithoutEchoingThem() {
    assertThatThrownBy(() -> LeaseToken.of(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "a lease token must be 1 to 64 characters from [0-9A-Za-z_-], but had 0 characters");
    assertThatThrownBy(() -> LeaseToken.of("x".repeat(65)))
        .hasMessageEndingWith("had 65 characters");
    assertThatThrownBy(() -> LeaseToken.of("has space")).hasMessageNotContaining("has space");
  }
}
