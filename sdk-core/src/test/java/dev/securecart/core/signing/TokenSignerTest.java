package dev.securecart.core.signing;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.core.signing.TokenVerificationException.Reason;
import dev.securecart.core.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class TokenSignerTest {

  static final byte[] JANUARY = "january's 32-byte key, tests only".getBytes(UTF_8);
  static final byte[] FEBRUARY = "february's 32-byte key, tests only".getBytes(UTF_8);
  static final SigningKey KEY_JAN = SigningKey.of("2026-01", JANUARY);
  static final SigningKey KEY_FEB = SigningKey.of("2026-02", FEBRUARY);
  static final byte[] VISITOR = "visitor:7f3a".getBytes(UTF_8);

  private final FakeClock clock = FakeClock.create();
  private final TokenSigner signer =
      TokenSigner.builder(KEY_JAN).clock(clock).allowedClockSkew(Duration.ofSeconds(5)).build();

  @Nested
  @DisplayName("signing and verifying")
  class SigningAndVerifying {

    @Test
    @DisplayName("a signed token verifies to its payload, key id and expiry")
    void aSignedTokenVerifiesToItsPayloadKeyIdAndExpiry() {
      String token = signer.sign(VISITOR, Duration.ofMinutes(15));

      VerifiedToken verified = signer.verify(token);

      assertThat(verified.payload()).isEqualTo(VISITOR);
      assertThat(verified.keyId()).isEqualTo("2026-01");
      assertThat(verified.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(15)));
      assertThat(signer.tryVerify(token).isValid()).isTrue();
      assertThat(signer.signingKeyId()).isEqualTo("2026-01");
    }

    @Test
    @DisplayName("the token has the documented format: base64url header, payload and HMAC-SHA256")
    void theTokenHasTheDocumentedFormat() throws Exception {
      String token = signer.sign(VISITOR, Duration.ofSeconds(90));
      String[] segments = token.split("\\.", -1);

      assertThat(segments).hasSize(3);
      assertThat(token).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]{43}");
      long expiresAt = clock.millis() + 90_000;
      assertThat(new String(Base64.getUrlDecoder().decode(segments[0]), US_ASCII))
          .isEqualTo("1.2026-01." + expiresAt);
      assertThat(Base64.getUrlDecoder().decode(segments[1])).isEqualTo(VISITOR);
      Mac hmac = Mac.getInstance("HmacSHA256");
      hmac.init(new SecretKeySpec(JANUARY, "HmacSHA256"));
      byte[] mac = hmac.doFinal((segments[0] + "." + segments[1]).getBytes(US_ASCII));
      assertThat(segments[2])
          .isEqualTo(Base64.getUrlEncoder().withoutPadding().encodeToString(mac));
    }

    @Test
    @DisplayName("an empty payload is a valid payload")
    void anEmptyPayloadIsValid() {
      String token = signer.sign(new byte[0], Duration.ofMinutes(1));

      assertThat(token).contains("..");
      assertThat(signer.verify(token).payload()).isEmpty();
    }

    @Test
    @DisplayName("sign refuses a ttl out of range and a payload too large for the maximum length")
    void signRefusesBadTtlsAndOversizedPayloads() {
      assertThatThrownBy(() -> signer.sign(VISITOR, Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("ttl must be positive, but was PT0S");
      assertThatThrownBy(() -> signer.sign(VISITOR, Duration.ofNanos(10)))
          .hasMessageStartingWith("ttl must be 1 ms to PT8784H");
      assertThatThrownBy(() -> signer.sign(VISITOR, Duration.ofDays(367)))
          .hasMessageStartingWith("ttl must be 1 ms to PT8784H");
      assertThatThrownBy(() -> signer.sign(new byte[3100], Duration.ofMinutes(1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageMatching(
              "a payload of 3100 bytes makes a token of \\d+ characters, more than"
                  + " maximumTokenLength 4096");
      assertThat(signer.sign(new byte[2900], Duration.ofMinutes(1))).hasSizeLessThan(4096);
    }

    @Test
    @Timeout(60)
    @DisplayName("one signer signs and verifies from many threads at once")
    void oneSignerWorksFromManyThreadsAtOnce() throws Exception {
      int threads = 8;
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<Integer>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int thread = t;
          futures.add(
              pool.submit(
                  () -> {
                    go.await();
                    int verified = 0;
                    for (int i = 0; i < 2_000; i++) {
                      byte[] payload = (thread + ":" + i).getBytes(UTF_8);
                      String token = signer.sign(payload, Duration.ofMinutes(1));
                      assertThat(signer.verify(token).payload()).isEqualTo(payload);
                      verified++;
                    }
                    return verified;
                  }));
        }
        go.countDown();
        for (Future<Integer> future : futures) {
          assertThat(future.get(50, TimeUnit.SECONDS)).isEqualTo(2_000);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Nested
  @DisplayName("expiry")
  class Expiry {

    @Test
    @DisplayName(
        "a token is accepted until its expiry plus the allowed skew, and refused from then")
    void aTokenIsAcceptedUntilExpiryPlusSkew() {
      String token = signer.sign(VISITOR, Duration.ofSeconds(60));

      clock.advance(Duration.ofSeconds(65).minusMillis(1));
      assertThat(signer.verify(token).payload()).isEqualTo(VISITOR);

      clock.advanceMillis(1);
      assertThatThrownBy(() -> signer.verify(token))
          .isInstanceOf(TokenVerificationException.class)
          .hasMessage("token expired at 2026-01-01T00:01:00Z (allowed clock skew 5000 ms)")
          .extracting(e -> ((TokenVerificationException) e).reason())
          .isEqualTo(Reason.EXPIRED);
    }

    @Test
    @DisplayName("a verifier whose clock runs behind the signer's still accepts a fresh token")
    void aVerifierBehindTheSignerAcceptsAFreshToken() {
      TokenSigner ahead =
          TokenSigner.builder(KEY_JAN).clock(clock.skewedBy(Duration.ofMinutes(10))).build();
      TokenVerifier behind = TokenVerifier.builder().verificationKey(KEY_JAN).clock(clock).build();

      assertThat(behind.verify(ahead.sign(VISITOR, Duration.ofSeconds(1))).payload())
          .isEqualTo(VISITOR);
    }

    @Test
    @DisplayName("with no skew allowed, a token expires exactly at its expiry")
    void withNoSkewATokenExpiresExactlyAtItsExpiry() {
      TokenSigner strict =
          TokenSigner.builder(KEY_JAN).clock(clock).allowedClockSkew(Duration.ZERO).build();
      String token = strict.sign(VISITOR, Duration.ofMillis(1500));

      clock.advanceMillis(1499);
      assertThat(strict.tryVerify(token).isValid()).isTrue();
      clock.advanceMillis(1);
      assertThat(strict.tryVerify(token).failure()).contains(Reason.EXPIRED);
    }
  }

  @Nested
  @DisplayName("key rotation")
  class KeyRotation {

    @Test
    @DisplayName("after rotating, tokens of the old key verify and new tokens carry the new key")
    void afterRotatingOldTokensVerifyAndNewTokensCarryTheNewKey() {
      String january = signer.sign(VISITOR, Duration.ofHours(1));

      TokenSigner rotated =
          TokenSigner.builder(KEY_FEB).verificationKey(KEY_JAN).clock(clock).build();
      String february = rotated.sign(VISITOR, Duration.ofHours(1));

      assertThat(rotated.keyIds()).containsExactly("2026-02", "2026-01");
      assertThat(rotated.verify(january).keyId()).isEqualTo("2026-01");
      assertThat(rotated.verify(february).keyId()).isEqualTo("2026-02");
      assertThat(signer.tryVerify(february).failure()).contains(Reason.UNKNOWN_KEY);
    }

    @Test
    @DisplayName(
        "once the old key is removed, its tokens are refused as signed with an unknown key")
    void onceTheOldKeyIsRemovedItsTokensAreRefused() {
      String january = signer.sign(VISITOR, Duration.ofHours(1));
      TokenVerifier februaryOnly =
          TokenVerifier.builder().verificationKey(KEY_FEB).clock(clock).build();

      assertThatThrownBy(() -> februaryOnly.verify(january))
          .isInstanceOf(TokenVerificationException.class)
          .hasMessage("token is signed with unknown key id '2026-01'")
          .extracting(e -> ((TokenVerificationException) e).reason())
          .isEqualTo(Reason.UNKNOWN_KEY);
    }

    @Test
    @DisplayName("a verifier-only node accepts the tokens of every key it holds")
    void aVerifierOnlyNodeAcceptsEveryKeyItHolds() {
      TokenVerifier node =
          TokenVerifier.builder()
              .verificationKey(KEY_JAN)
              .verificationKey(KEY_FEB)
              .clock(clock)
              .build();
      TokenSigner february = TokenSigner.builder(KEY_FEB).clock(clock).build();

      assertThat(node.verify(signer.sign(VISITOR, Duration.ofMinutes(1))).keyId())
          .isEqualTo("2026-01");
      assertThat(node.verify(february.sign(VISITOR, Duration.ofMinutes(1))).keyId())
          .isEqualTo("2026-02");
    }

    @Test
    @DisplayName("a token from other material under a known key id is a bad signature")
    void otherMaterialUnderAKnownIdIsABadSignature() {
      SigningKey impostor = SigningKey.of("2026-01", FEBRUARY);
      String forged =
          TokenSigner.builder(impostor).clock(clock).build().sign(VISITOR, Duration.ofHours(1));

      assertThatThrownBy(() -> signer.verify(forged))
          .isInstanceOf(TokenVerificationException.class)
          .hasMessage("token signature does not match key '2026-01'")
          .extracting(e -> ((TokenVerificationException) e).reason())
          .isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    @DisplayName("two different keys with one id are refused when the verifier is built")
    void twoDifferentKeysWithOneIdAreRefused() {
      assertThatThrownBy(
              () ->
                  TokenSigner.builder(KEY_JAN).verificationKey(SigningKey.of("2026-01", FEBRUARY)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("two different keys have the id '2026-01'");
      assertThat(
              TokenSigner.builder(KEY_JAN)
                  .verificationKey(SigningKey.of("2026-01", JANUARY))
                  .build()
                  .keyIds())
          .containsExactly("2026-01");
    }
  }

  @Nested
  @DisplayName("refusals")
  class Refusals {

    @Test
    @DisplayName(
        "an altered payload or expiry is a bad signature, never a valid or merely expired token")
    void alteredPayloadOrExpiryIsABadSignature() {
      String token = signer.sign(VISITOR, Duration.ofMinutes(1));
      String[] segments = token.split("\\.");
      String otherPayload =
          Base64.getUrlEncoder().withoutPadding().encodeToString("visitor:0000".getBytes(UTF_8));
      String laterHeader =
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(("1.2026-01." + (clock.millis() + 86_400_000L)).getBytes(US_ASCII));
      String earlierHeader =
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(("1.2026-01." + (clock.millis() - 86_400_000L)).getBytes(US_ASCII));

      for (String altered :
          List.of(
              segments[0] + "." + otherPayload + "." + segments[2],
              laterHeader + "." + segments[1] + "." + segments[2],
              earlierHeader + "." + segments[1] + "." + segments[2])) {
        assertThat(signer.tryVerify(altered).failure()).contains(Reason.BAD_SIGNATURE);
      }
    }

    @Test
    @DisplayName("segments of two valid tokens cannot be recombined")
    void segmentsOfTwoTokensCannotBeRecombined() {
      String[] first = signer.sign(VISITOR, Duration.ofMinutes(1)).split("\\.");
      String[] second = signer.sign("other".getBytes(UTF_8), Duration.ofMinutes(2)).split("\\.");

      assertThat(signer.tryVerify(first[0] + "." + second[1] + "." + first[2]).failure())
          .contains(Reason.BAD_SIGNATURE);
      assertThat(signer.tryVerify(second[0] + "." + first[1] + "." + first[2]).failure())
          .contains(Reason.BAD_SIGNATURE);
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "",
          ".",
          "..",
          "abc",
          "a.b",
          "a.b.c.d",
          "eyJ.e30.",
          "MS4yMDI2LTAxLjE3NjcyMjU2NjAwMDA.dmlzaXRvcg.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
          "MS4yMDI2LTAxLjE3NjcyMjU2NjAwMDA=.dmlzaXRvcg.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
          "MS4yMDI2LTAxLjE3NjcyMjU2NjAwMDA.dmlzaXRvch.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
          "MS4yMDI2LTAxLjE3NjcyMjU2NjAwMDA.dmlzaXRvcg.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",
          "Mi4yMDI2LTAxLjE3NjcyMjU2NjAwMDA.dmlzaXRvcg.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
          "MS4yMDI2LTAxLjAxNzY3MjI1NjYwMDAwMA.dmlzaXRvcg.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
          "MS4yMDI2LjAxLjE3NjcyMjU2NjAwMDA.dmlzaXRvcg.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
          "MS4yMDI2LTAxLi0x.dmlzaXRvcg.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
          "MS4yMDI2LTAx.dmlzaXRvcg.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
          "MS4yMDI2LTAxLjE3NjcyMjU2NjAwMDA.dmlz aXRvcg.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
          "MS4yMDI2LTAxLjE3NjcyMjU2NjAwMDA.dmlzaXRvcg.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        })
    @DisplayName("malformed tokens are refused as malformed, without echoing them")
    void malformedTokensAreRefusedAsMalformed(String token) {
      VerificationResult result = signer.tryVerify(token);

      assertThat(result.failure()).contains(Reason.MALFORMED);
      assertThat(result.message()).startsWith("token");
      if (token.length() > 6) {
        assertThat(result.message()).doesNotContain(token.substring(0, 6));
      }
      assertThatThrownBy(() -> signer.verify(token))
          .isInstanceOf(TokenVerificationException.class)
          .hasMessage(result.message());
    }

    @Test
    @DisplayName("an absurdly long token is refused by its length before anything is decoded")
    void anAbsurdlyLongTokenIsRefusedByItsLength() {
      String huge = "A".repeat(10_000_000) + ".." + "A".repeat(43);

      VerificationResult result = signer.tryVerify(huge);

      assertThat(result.failure()).contains(Reason.MALFORMED);
      assertThat(result.message()).isEqualTo("token is longer than 4096 characters");
    }

    @Test
    @DisplayName("no refusal mentions key material or the token")
    void noRefusalMentionsKeyMaterialOrTheToken() {
      String token = signer.sign(VISITOR, Duration.ofSeconds(1));
      String[] segments = token.split("\\.");
      String material = Base64.getEncoder().encodeToString(JANUARY);
      String urlMaterial = Base64.getUrlEncoder().withoutPadding().encodeToString(JANUARY);
      TokenVerifier other = TokenVerifier.builder().verificationKey(KEY_FEB).clock(clock).build();
      clock.advance(Duration.ofMinutes(1));

      List<VerificationResult> refusals =
          List.of(
              signer.tryVerify(token), // expired
              other.tryVerify(token), // unknown key
              signer.tryVerify(segments[0] + "." + segments[1] + "." + "A".repeat(43)), // bad MAC
              signer.tryVerify(token + "x")); // malformed
      assertThat(refusals)
          .extracting(r -> r.failure().orElseThrow())
          .containsExactly(
              Reason.EXPIRED, Reason.UNKNOWN_KEY, Reason.BAD_SIGNATURE, Reason.MALFORMED);
      for (VerificationResult refusal : refusals) {
        assertThat(refusal.message())
            .doesNotContain(material)
            .doesNotContain(urlMaterial)
            .doesNotContain(segments[1])
            .doesNotContain(segments[2])
            .doesNotContain("january");
      }
    }

    @Test
    @DisplayName(
        "tryVerify returns the reason, orElseThrow throws it, and exceptions skip the stack trace")
    void tryVerifyReturnsTheReasonAndOrElseThrowThrowsIt() {
      VerificationResult result = signer.tryVerify("nonsense");

      assertThat(result.isValid()).isFalse();
      assertThat(result.token()).isEmpty();
      assertThatThrownBy(result::orElseThrow)
          .isInstanceOfSatisfying(
              TokenVerificationException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
                assertThat(e.getStackTrace()).isEmpty();
              });
    }
  }

  @Nested
  @DisplayName("builders")
  class Builders {

    @Test
    @DisplayName("check each setting when it is set")
    void checkEachSettingWhenSet() {
      TokenVerifier.Builder builder = TokenVerifier.builder();

      assertThatThrownBy(builder::build)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("a token verifier needs at least one verification key");
      assertThatThrownBy(() -> builder.allowedClockSkew(Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("allowedClockSkew must not be negative, but was PT-1S");
      assertThatThrownBy(() -> builder.allowedClockSkew(Duration.ofHours(2)))
          .hasMessage("allowedClockSkew must be at most PT1H, but was PT2H");
      assertThatThrownBy(() -> builder.maximumTokenLength(100))
          .hasMessage("maximumTokenLength must be 256 to 1048576, but was 100");
      assertThatThrownBy(() -> TokenSigner.builder(null)).hasMessage("signingKey cannot be null");
      assertThatThrownBy(() -> builder.verificationKey(null)).hasMessage("key cannot be null");
    }

    @Test
    @DisplayName("a smaller maximum token length applies to signing and verifying alike")
    void aSmallerMaximumAppliesToSigningAndVerifying() {
      TokenSigner small = TokenSigner.builder(KEY_JAN).maximumTokenLength(256).clock(clock).build();
      String large = signer.sign(new byte[200], Duration.ofMinutes(1));

      assertThatThrownBy(() -> small.sign(new byte[200], Duration.ofMinutes(1)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(small.tryVerify(large).message()).isEqualTo("token is longer than 256 characters");
      assertThat(small.verify(small.sign(new byte[100], Duration.ofMinutes(1))).payload())
          .hasSize(100);
    }
  }
}
