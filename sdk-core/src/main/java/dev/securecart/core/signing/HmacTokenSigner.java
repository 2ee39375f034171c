package dev.securecart.core.signing;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;
import static dev.securecart.core.internal.Preconditions.requirePositive;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

/** The {@link TokenSigner} of the HMAC-SHA256 token format; see the package description. */
final class HmacTokenSigner implements TokenSigner {

  private final SigningKey signingKey;
  private final HmacTokenVerifier verifier;

  HmacTokenSigner(SigningKey signingKey, HmacTokenVerifier verifier) {
    this.signingKey = signingKey;
    this.verifier = verifier;
  }

  @Override
  public String sign(byte[] payload, Duration ttl) {
    requireNonNull(payload, "payload");
    requirePositive(ttl, "ttl");
    requireArgument(
        ttl.compareTo(MAX_TTL) <= 0 && ttl.toMillis() >= 1,
        "ttl must be 1 ms to %s, but was %s",
        MAX_TTL,
        ttl);
    long expiresAt = verifier.clock.millis() + ttl.toMillis();
    String header =
        HmacTokenVerifier.ENCODER.encodeToString(
            (HmacTokenVerifier.VERSION + "." + signingKey.id() + "." + expiresAt)
                .getBytes(StandardCharsets.US_ASCII));
    long payloadChars = (payload.length * 4L + 2) / 3;
    long tokenLength = header.length() + 1 + payloadChars + 1 + HmacTokenVerifier.MAC_CHARS;
    requireArgument(
        tokenLength <= verifier.maximumTokenLength,
        "a payload of %d bytes makes a token of %d characters, more than maximumTokenLength %d",
        payload.length,
        tokenLength,
        verifier.maximumTokenLength);
    String signed = header + "." + HmacTokenVerifier.ENCODER.encodeToString(payload);
    byte[] mac = signingKey.newMac().doFinal(signed.getBytes(StandardCharsets.US_ASCII));
    return signed + "." + HmacTokenVerifier.ENCODER.encodeToString(mac);
  }

  @Override
  public String signingKeyId() {
    return signingKey.id();
  }

  @Override
  public VerifiedToken verify(String token) {
    return verifier.verify(token);
  }

  @Override
  public VerificationResult tryVerify(String token) {
    return verifier.tryVerify(token);
  }

  @Override
  public Set<String> keyIds() {
    return verifier.keyIds();
  }

  @Override
  public String toString() {
    return "TokenSigner[signingKeyId=" + signingKey.id() + ", keyIds=" + verifier.keyIds() + "]";
  }
}
