package dev.securecart.core.signing;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.time.Clock;
import java.time.Duration;

/**
 * Signs payloads into compact, expiring tokens (format in the {@linkplain
 * dev.securecart.core.signing package description}) and verifies them, with one signing key and any
 * number of older verification keys:
 *
 * <pre>{@code
 * TokenSigner signer = TokenSigner.builder(SigningKey.ofBase64("2026-02", current))
 *     .verificationKey(SigningKey.ofBase64("2026-01", previous))
 *     .build();
 * String pass = signer.sign(visitorId.getBytes(UTF_8), Duration.ofMinutes(15));
 * VerifiedToken verified = signer.verify(pass);           // any node holding the key can do this
 * }</pre>
 *
 * <p><b>Rotation</b>, without refusing a valid token: (1) add the new key as a verification key on
 * every node; (2) make it the signing key, keeping the old one as a verification key; (3) once the
 * longest-lived token signed with the old key has expired, remove it.
 *
 * <p>Implementations are thread-safe.
 */
public interface TokenSigner extends TokenVerifier {

  /** The longest time to live {@link #sign} accepts. */
  Duration MAX_TTL = Duration.ofDays(366);

  /**
   * Signs {@code payload} with the signing key, valid for {@code ttl} from now.
   *
   * @param payload the bytes to sign (callers encode their own claims); copied into the token, not
   *     encrypted
   * @param ttl how long the token is valid: at least a millisecond, at most {@link #MAX_TTL}
   * @return the token, at most the maximum token length
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code ttl} is out of range or {@code payload} too large
   *     for the maximum token length
   */
  String sign(byte[] payload, Duration ttl);

  /**
   * Returns the id of the key this signer signs with.
   *
   * @return the signing key's id
   */
  String signingKeyId();

  /**
   * Returns a builder that signs with {@code signingKey} (and accepts its tokens).
   *
   * @param signingKey the current key
   * @return a new builder
   * @throws NullPointerException if {@code signingKey} is null
   */
  static Builder builder(SigningKey signingKey) {
    return new Builder(requireNonNull(signingKey, "signingKey"));
  }

  /**
   * Configures a {@link TokenSigner}. Each method checks its argument at once. This class is not
   * thread-safe.
   */
  final class Builder {
    private final SigningKey signingKey;
    private final TokenVerifier.Builder verification = TokenVerifier.builder();

    private Builder(SigningKey signingKey) {
      this.signingKey = signingKey;
      verification.verificationKey(signingKey);
    }

    /**
     * Adds an older key whose tokens are still accepted.
     *
     * @param key the key
     * @return this builder
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if a different key with the same id was added
     */
    public Builder verificationKey(SigningKey key) {
      verification.verificationKey(key);
      return this;
    }

    /**
     * Sets the clock that expiry is set and judged by.
     *
     * @param clock the clock
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     */
    public Builder clock(Clock clock) {
      verification.clock(clock);
      return this;
    }

    /**
     * As {@link TokenVerifier.Builder#allowedClockSkew(Duration)}.
     *
     * @param allowedClockSkew zero to {@link TokenVerifier.Builder#MAX_ALLOWED_CLOCK_SKEW}
     * @return this builder
     * @throws NullPointerException if {@code allowedClockSkew} is null
     * @throws IllegalArgumentException if it is negative or too large
     */
    public Builder allowedClockSkew(Duration allowedClockSkew) {
      verification.allowedClockSkew(allowedClockSkew);
      return this;
    }

    /**
     * As {@link TokenVerifier.Builder#maximumTokenLength(int)}; {@link TokenSigner#sign} refuses
     * payloads that would make a longer token.
     *
     * @param maximumTokenLength in characters
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder maximumTokenLength(int maximumTokenLength) {
      verification.maximumTokenLength(maximumTokenLength);
      return this;
    }

    /**
     * Builds the signer; later changes to this builder do not affect it.
     *
     * @return the signer
     */
    public TokenSigner build() {
      return new HmacTokenSigner(signingKey, new HmacTokenVerifier(verification));
    }
  }
}
