package dev.securecart.core.signing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

final class SigningKeyTest {

  private static final byte[] MATERIAL = "a 32-byte secret for tests only!".getBytes(UTF_8);

  @Test
  void refusesKeysShorterThan32BytesNamingTheIdAndLengthOnly() {
    byte[] shortMaterial = "only-thirty-one-bytes-of-secret".getBytes(UTF_8);

    assertThat(MATERIAL).hasSize(32);
    assertThatThrownBy(() -> SigningKey.of("k1", shortMaterial))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a signing key must be at least 32 bytes, but key 'k1' has 31")
        .message()
        .doesNotContain("thirty");
  }

  @Test
  void toStringShowsTheIdAndNeverTheMaterial() {
    String base64 = Base64.getEncoder().encodeToString(MATERIAL);
    SigningKey key = SigningKey.ofBase64("2026-01", base64);

    assertThat(key.toString())
        .isEqualTo("SigningKey[id=2026-01]")
        .doesNotContain(base64)
        .doesNotContain(HexFormat.of().formatHex(MATERIAL))
        .doesNotContain("secret");
  }

  @Test
  void base64MaterialMayUseEitherAlphabetWithOrWithoutPadding() {
    byte[] material = new byte[33];
    for (int i = 0; i < material.length; i++) {
      material[i] = (byte) (0xF0 + i); // encodes with '+' and '/' in the standard alphabet
    }
    String standard = Base64.getEncoder().encodeToString(material);
    String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(material);
    assertThat(standard).containsAnyOf("+", "/");

    TokenSigner signer = TokenSigner.builder(SigningKey.of("k", material)).build();
    String token = signer.sign(new byte[] {1}, Duration.ofMinutes(1));

    for (String encoded : new String[] {standard, urlSafe, " " + standard + "\n"}) {
      TokenVerifier verifier =
          TokenVerifier.builder().verificationKey(SigningKey.ofBase64("k", encoded)).build();
      assertThat(verifier.verify(token).payload()).containsExactly(1);
    }
  }

  @Test
  void malformedBase64IsRefusedWithoutQuotingItOrKeepingACauseThatWould() {
    assertThatThrownBy(() -> SigningKey.ofBase64("k1", "s3cr3t!material$that#is*not%base64"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the material of signing key 'k1' is not valid base64")
        .hasNoCause();
  }

  @Test
  void materialIsCopiedSoChangingTheArrayLaterChangesNothing() {
    byte[] material = MATERIAL.clone();
    SigningKey key = SigningKey.of("k1", material);
    String token = TokenSigner.builder(key).build().sign(new byte[] {7}, Duration.ofMinutes(1));

    material[0] ^= 1;

    TokenVerifier original =
        TokenVerifier.builder().verificationKey(SigningKey.of("k1", MATERIAL)).build();
    assertThat(original.verify(token).payload()).containsExactly(7);
  }

  @Test
  void keyIdsAreShortAndFromTheTokenSafeAlphabet() {
    assertThat(SigningKey.of("Ab-9_z", MATERIAL).id()).isEqualTo("Ab-9_z");
    assertThatThrownBy(() -> SigningKey.of("has.dot", MATERIAL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a key id must be 1 to 64 characters from [A-Za-z0-9_-], but had 7 characters");
    assertThatThrownBy(() -> SigningKey.of("", MATERIAL))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SigningKey.of("k".repeat(65), MATERIAL))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SigningKey.of("k1", null)).hasMessage("material cannot be null");
  }
}
