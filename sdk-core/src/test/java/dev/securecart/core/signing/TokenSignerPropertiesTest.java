package dev.securecart.core.signing;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.core.signing.TokenVerificationException.Reason;
import dev.securecart.core.testing.FakeClock;
import java.time.Duration;
import java.util.Base64;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Properties of the token format, checked by jqwik over generated payloads, keys and garbage: an
 * altered token is never accepted, and nothing but {@link TokenVerificationException} ever comes
 * out of verification.
 */
final class TokenSignerPropertiesTest {

  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private final FakeClock clock = FakeClock.create();

  @Property(tries = 150)
  void everySingleBitFlipOfASignedTokenIsRejected(
      @ForAll @Size(max = 64) byte[] payload,
      @ForAll @IntRange(min = 1, max = 1_000_000) int ttlSeconds,
      @ForAll("keyIds") String keyId,
      @ForAll @Size(min = 32, max = 64) byte[] material) {
    TokenSigner signer = TokenSigner.builder(SigningKey.of(keyId, material)).clock(clock).build();
    String token = signer.sign(payload, Duration.ofSeconds(ttlSeconds));
    assertThat(signer.verify(token).payload()).isEqualTo(payload);
    byte[] bytes = token.getBytes(ISO_8859_1);

    for (int i = 0; i < bytes.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] flipped = bytes.clone();
        flipped[i] ^= (byte) (1 << bit);
        String altered = new String(flipped, ISO_8859_1);

        VerificationResult result = signer.tryVerify(altered);
        assertThat(result.isValid())
            .as("token with bit %d of character %d flipped: %s", bit, i, result)
            .isFalse();
        assertThat(result.failure()).isPresent();
      }
    }
    // The throwing variant agrees, on a sample of flips.
    for (int i = 0; i < bytes.length; i += 7) {
      byte[] flipped = bytes.clone();
      flipped[i] ^= 1;
      String altered = new String(flipped, ISO_8859_1);
      assertThatThrownBy(() -> signer.verify(altered))
          .isExactlyInstanceOf(TokenVerificationException.class);
    }
  }

  @Property(tries = 1000)
  void randomGarbageNeverThrowsAnythingButTheTypedFailure(@ForAll String garbage) {
    assertRefusedWithTheTypedFailureOnly(verifier(), garbage);
  }

  @Property(tries = 1000)
  void garbageShapedLikeATokenNeverThrowsAnythingButTheTypedFailure(
      @ForAll("tokenShaped") String garbage) {
    assertRefusedWithTheTypedFailureOnly(verifier(), garbage);
  }

  @Property(tries = 300)
  void forgedTokensWithAKnownKeyIdAndAFutureExpiryAreBadSignatures(
      @ForAll @Size(max = 100) byte[] payload, @ForAll @Size(32) byte[] mac) {
    String header =
        BASE64URL.encodeToString(("1.k1." + (clock.millis() + 3_600_000)).getBytes(US_ASCII));
    String forged =
        header + "." + BASE64URL.encodeToString(payload) + "." + BASE64URL.encodeToString(mac);

    assertThat(verifier().tryVerify(forged).failure()).contains(Reason.BAD_SIGNATURE);
  }

  @Property(tries = 300)
  void anyPayloadRoundTrips(
      @ForAll @Size(max = 2_000) byte[] payload,
      @ForAll @IntRange(min = 1, max = 86_400_000) int ttlMillis) {
    TokenSigner signer = signer();
    String token = signer.sign(payload, Duration.ofMillis(ttlMillis));

    VerifiedToken verified = signer.verify(token);

    assertThat(verified.payload()).isEqualTo(payload);
    assertThat(verified.expiresAt()).isEqualTo(clock.instant().plusMillis(ttlMillis));
    assertThat(token.length()).isLessThanOrEqualTo(TokenVerifier.DEFAULT_MAXIMUM_TOKEN_LENGTH);
  }

  private static void assertRefusedWithTheTypedFailureOnly(TokenVerifier verifier, String garbage) {
    VerificationResult result = verifier.tryVerify(garbage);
    assertThat(result.isValid()).isFalse();
    try {
      verifier.verify(garbage);
      throw new AssertionError("verify accepted garbage");
    } catch (TokenVerificationException expected) {
      assertThat(expected.reason()).isEqualTo(result.failure().orElseThrow());
    }
  }

  private TokenSigner signer() {
    return TokenSigner.builder(SigningKey.of("k1", new byte[32])).clock(clock).build();
  }

  private TokenVerifier verifier() {
    return TokenVerifier.builder()
        .verificationKey(SigningKey.of("k1", new byte[32]))
        .clock(clock)
        .build();
  }

  @Provide
  Arbitrary<String> keyIds() {
    return Arbitraries.strings()
        .withChars("abcXYZ019-_")
        .ofMinLength(1)
        .ofMaxLength(SigningKey.MAX_ID_LENGTH);
  }

  /** Three segments of base64url-ish characters, some with real-looking headers. */
  @Provide
  Arbitrary<String> tokenShaped() {
    Arbitrary<String> segment =
        Arbitraries.strings()
            .withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/")
            .ofMaxLength(60);
    Arbitrary<String> header =
        Arbitraries.oneOf(
            segment,
            Arbitraries.strings()
                .withChars("0123456789.-k1")
                .ofMaxLength(30)
                .map(text -> BASE64URL.encodeToString(("1." + text).getBytes(US_ASCII))),
            Arbitraries.longs()
                .between(-1, Long.MAX_VALUE)
                .map(exp -> BASE64URL.encodeToString(("1.k1." + exp).getBytes(US_ASCII))));
    Arbitrary<String> mac =
        Arbitraries.oneOf(segment, Arbitraries.strings().withChars("Aa0-_").ofLength(43));
    return Combinators.combine(header, segment, mac, Arbitraries.of(".", "..", "", "."))
        .as((h, p, m, dot) -> h + dot + p + "." + m);
  }
}
