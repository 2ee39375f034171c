package dev.securecart.core.idempotency;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Proof that a caller owns the in-progress lease of an idempotency key: {@link
 * IdempotencyStore#begin} hands one out with {@link BeginResult.Started}, and {@link
 * IdempotencyStore#complete} and {@link IdempotencyStore#release} act only when given the token of
 * the current owner. An owner whose lease expired and whose key another request then took over
 * holds a stale token, so its late completion cannot overwrite the newer request's result.
 *
 * <p>A caller may choose the token itself with {@link IdempotencyStore#begin(IdempotencyKey,
 * RequestFingerprint, LeaseToken)}, so that it still knows the token when {@code begin} fails with
 * an unknown outcome and can take its claim back; use {@link #random()} for that, one per attempt.
 *
 * <p>Tokens are 128 random bits. They are not secrets, but they are capabilities: pass them only to
 * the code that finishes the request.
 *
 * @param value the token's text: 1 to 64 characters from {@code [0-9A-Za-z_-]}
 */
public record LeaseToken(String value) {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int MAX_LENGTH = 64;

  /**
   * Validates {@code value}.
   *
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is empty, too long or has other characters
   */
  public LeaseToken {
    requireNonNull(value, "value");
    if (!isWellFormed(value)) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "a lease token must be 1 to %d characters from [0-9A-Za-z_-], but had %d characters",
              MAX_LENGTH,
              value.length()));
    }
  }

  /**
   * Returns a new token of 128 bits from a {@link SecureRandom}, for stores and for callers that
   * choose their own token.
   *
   * @return a token no other call returned (with overwhelming probability)
   */
  public static LeaseToken random() {
    byte[] bits = new byte[16];
    RANDOM.nextBytes(bits);
    return new LeaseToken(HexFormat.of().formatHex(bits));
  }

  /**
   * Returns the token with the text {@code value}, for store implementations that read tokens back.
   *
   * @param value the token's text
   * @return the token
   * @throws IllegalArgumentException if {@code value} is not a well-formed token
   */
  public static LeaseToken of(String value) {
    return new LeaseToken(value);
  }

  private static boolean isWellFormed(String value) {
    if (value.isEmpty() || value.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok =
          (c >= '0' && c <= '9')
              || (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || c == '_'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
