package dev.securecart.core.signing;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNegative;
import static dev.securecart.core.internal.Preconditions.requireNonNull;
import static dev.securecart.core.internal.Preconditions.requireState;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Checks tokens made by a {@link TokenSigner}: that they are well formed, name a known key, carry
 * that key's MAC (compared in constant time) and have not expired. Holds several keys so that
 * tokens signed before a key rotation stay valid until they expire:
 *
 * <pre>{@code
 * TokenVerifier verifier = TokenVerifier.builder()
 *     .verificationKey(SigningKey.ofBase64("2026-02", current))
 *     .verificationKey(SigningKey.ofBase64("2026-01", previous))   // until its tokens expired
 *     .allowedClockSkew(Duration.ofSeconds(30))
 *     .build();
 * VerificationResult result = verifier.tryVerify(token);            // or verify(token), which throws
 * }</pre>
 *
 * <p>Tokens longer than {@link Builder#maximumTokenLength(int)} are refused before any decoding.
 * Implementations are thread-safe.
 */
public interface TokenVerifier {

  /** The longest token accepted by default, in characters. */
  int DEFAULT_MAXIMUM_TOKEN_LENGTH = 4096;

  /** How far past its expiry a token is still accepted by default, for clocks that disagree. */
  Duration DEFAULT_ALLOWED_CLOCK_SKEW = Duration.ofSeconds(30);

  /**
   * Verifies {@code token}.
   *
   * @param token a token from {@link TokenSigner#sign}
   * @return the verified token
   * @throws NullPointerException if {@code token} is null
   * @throws TokenVerificationException if the token is refused; {@link
   *     TokenVerificationException#reason()} says why
   */
  VerifiedToken verify(String token);

  /**
   * Verifies {@code token} without throwing for a refused token: for hot paths that refuse many.
   *
   * @param token any string
   * @return the verified token, or why it was refused
   * @throws NullPointerException if {@code token} is null
   */
  VerificationResult tryVerify(String token);

  /**
   * Returns the ids of the keys this verifier accepts.
   *
   * @return an unmodifiable set
   */
  Set<String> keyIds();

  /**
   * Returns a builder; give it at least one key.
   *
   * @return a new builder
   */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Configures a {@link TokenVerifier} (and, inside {@link TokenSigner.Builder}, a signer's
   * verification side). Each method checks its argument at once. This class is not thread-safe.
   */
  final class Builder {
    /** The shortest {@link #maximumTokenLength(int)} accepted: a header and a MAC fit. */
    public static final int MIN_MAXIMUM_TOKEN_LENGTH = 256;

    /** The longest {@link #maximumTokenLength(int)} accepted: 1 MiB. */
    public static final int MAX_MAXIMUM_TOKEN_LENGTH = 1 << 20;

    /** The largest {@link #allowedClockSkew(Duration)} accepted. */
    public static final Duration MAX_ALLOWED_CLOCK_SKEW = Duration.ofHours(1);

    final Map<String, SigningKey> keys = new LinkedHashMap<>();
    Clock clock = Clock.systemUTC();
    Duration allowedClockSkew = DEFAULT_ALLOWED_CLOCK_SKEW;
    int maximumTokenLength = DEFAULT_MAXIMUM_TOKEN_LENGTH;

    Builder() {}

    /**
     * Adds a key whose tokens are accepted. Adding the same key twice is harmless; two different
     * keys with one id are refused.
     *
     * @param key the key
     * @return this builder
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if a key with the same id but other material was added
     */
    public Builder verificationKey(SigningKey key) {
      requireNonNull(key, "key");
      SigningKey known = keys.get(key.id());
      requireArgument(
          known == null || known.hasSameMaterialAs(key),
          "two different keys have the id '%s'",
          key.id());
      keys.put(key.id(), key);
      return this;
    }

    /**
     * Sets the clock that expiry is judged by.
     *
     * @param clock the clock
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets how long past its expiry a token is still accepted, for signers and verifiers whose
     * clocks disagree.
     *
     * @param allowedClockSkew zero to {@link #MAX_ALLOWED_CLOCK_SKEW}
     * @return this builder
     * @throws NullPointerException if {@code allowedClockSkew} is null
     * @throws IllegalArgumentException if it is negative or too large
     */
    public Builder allowedClockSkew(Duration allowedClockSkew) {
      requireNonNegative(allowedClockSkew, "allowedClockSkew");
      requireArgument(
          allowedClockSkew.compareTo(MAX_ALLOWED_CLOCK_SKEW) <= 0,
          "allowedClockSkew must be at most %s, but was %s",
          MAX_ALLOWED_CLOCK_SKEW,
          allowedClockSkew);
      this.allowedClockSkew = allowedClockSkew;
      return this;
    }

    /**
     * Sets the longest token accepted (and, for a signer, produced); longer ones are refused as
     * {@link TokenVerificationException.Reason#MALFORMED} before any decoding.
     *
     * @param maximumTokenLength {@value #MIN_MAXIMUM_TOKEN_LENGTH} to {@value
     *     #MAX_MAXIMUM_TOKEN_LENGTH} characters
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder maximumTokenLength(int maximumTokenLength) {
      requireArgument(
          maximumTokenLength >= MIN_MAXIMUM_TOKEN_LENGTH
              && maximumTokenLength <= MAX_MAXIMUM_TOKEN_LENGTH,
          "maximumTokenLength must be %d to %d, but was %d",
          MIN_MAXIMUM_TOKEN_LENGTH,
          MAX_MAXIMUM_TOKEN_LENGTH,
          maximumTokenLength);
      this.maximumTokenLength = maximumTokenLength;
      return this;
    }

    /**
     * Builds the verifier; later changes to this builder do not affect it.
     *
     * @return the verifier
     * @throws IllegalStateException if no key was added
     */
    public TokenVerifier build() {
      requireState(!keys.isEmpty(), "a token verifier needs at least one verification key");
      return new HmacTokenVerifier(this);
    }
  }
}
