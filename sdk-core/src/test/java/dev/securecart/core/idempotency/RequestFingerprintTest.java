package dev.securecart.core.idempotency;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

final class RequestFingerprintTest {

  private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(UTF_8);

  @Test
  void sha256FramesItsPartsSoMovingABoundaryChangesTheFingerprint() {
    RequestFingerprint abC = RequestFingerprint.sha256(bytes("ab"), bytes("c"));
    RequestFingerprint aBc = RequestFingerprint.sha256(bytes("a"), bytes("bc"));

    assertThat(abC).isNotEqualTo(aBc);
    assertThat(abC).isEqualTo(RequestFingerprint.sha256(bytes("ab"), bytes("c")));
    assertThat(abC.length()).isEqualTo(32);
  }

  @Test
  void hmacSha256DependsOnTheKeyAndDiffersFromTheUnkeyedDigest() {
    byte[] otherKey = KEY.clone();
    otherKey[0] ^= 1;

    RequestFingerprint keyed = RequestFingerprint.hmacSha256(KEY, bytes("4111111111111111"));

    assertThat(keyed).isEqualTo(RequestFingerprint.hmacSha256(KEY, bytes("4111111111111111")));
    assertThat(keyed)
        .isNotEqualTo(RequestFingerprint.hmacSha256(otherKey, bytes("4111111111111111")));
    assertThat(keyed).isNotEqualTo(RequestFingerprint.sha256(bytes("4111111111111111")));
    assertThatThrownBy(() -> RequestFingerprint.hmacSha256(new byte[31], bytes("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key must be at least 32 bytes, but was 31");
  }

  @Test
  void ofAcceptsDigestsOf16To64BytesOnly() {
    assertThat(RequestFingerprint.of(new byte[16]).length()).isEqualTo(16);
    assertThat(RequestFingerprint.of(new byte[64]).length()).isEqualTo(64);
    assertThatThrownBy(() -> RequestFingerprint.of(new byte[15]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "a request fingerprint must be 16 to 64 bytes (a digest, not the request), but was 15");
    assertThatThrownBy(() -> RequestFingerprint.of(new byte[1024]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("but was 1024");
  }

  @Test
  void digestBytesAreCopiedOnTheWayInAndOut() {
    byte[] digest = new byte[32];
    RequestFingerprint fingerprint = RequestFingerprint.of(digest);

    digest[0] = 9;
    fingerprint.bytes()[1] = 9;

    assertThat(fingerprint.bytes()).isEqualTo(new byte[32]);
    assertThat(fingerprint.matches(new byte[32])).isTrue();
    assertThat(fingerprint.matches(digest)).isFalse();
  }

  @Test
  void toStringShowsOnlyAShortPrefix() {
    RequestFingerprint fingerprint = RequestFingerprint.sha256(bytes("amount=10"));
    String hex = HexFormat.of().formatHex(fingerprint.bytes());

    assertThat(fingerprint.toString())
        .isEqualTo("RequestFingerprint[" + hex.substring(0, 8) + "..., 32 bytes]")
        .doesNotContain(hex.substring(8, 16));
  }

  @Test
  void nullPartsAreRejected() {
    assertThatThrownBy(() -> RequestFingerprint.sha256(bytes("a"), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("part cannot be null");
    assertThatThrownBy(() -> RequestFingerprint.of(null)).hasMessage("digest cannot be null");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }
}
