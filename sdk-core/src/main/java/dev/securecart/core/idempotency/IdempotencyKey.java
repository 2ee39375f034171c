package dev.securecart.core.idempotency;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.util.Locale;

/**
 * The key that identifies one logical request across its retries: a client sends the same key every
 * time it retries a call, and the receiver performs the call once. Keys are 1 to {@value
 * #MAX_LENGTH} printable ASCII characters ({@code ' '} to {@code '~'}, as the {@code
 * Idempotency-Key} HTTP header carries them); a UUID from {@link IdempotencyKeyGenerator} is the
 * usual choice.
 *
 * <p>A key is not a secret: it appears in error messages and, under a prefix, as a Redis key. Do
 * not build keys from card numbers or other sensitive data.
 *
 * @param value the key's text
 */
public record IdempotencyKey(String value) {

  /** The longest key accepted, in characters. */
  public static final int MAX_LENGTH = 255;

  /**
   * Validates {@code value}.
   *
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is empty, longer than {@value #MAX_LENGTH}
   *     characters, or holds a character outside printable ASCII; the message says which rule was
   *     broken and where, without echoing the value, so it can go back to an HTTP client as is
   */
  public IdempotencyKey {
    requireNonNull(value, "value");
    String problem = problemWith(value);
    if (!problem.isEmpty()) {
      throw new IllegalArgumentException(problem);
    }
  }

  /**
   * Returns the key for {@code value}.
   *
   * @param value the key's text, for example the {@code Idempotency-Key} header of a request
   * @return the key
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is not a valid key (see {@link
   *     #isValid(String)})
   */
  public static IdempotencyKey of(String value) {
    return new IdempotencyKey(value);
  }

  /**
   * Returns whether {@code value} is a valid key: 1 to {@value #MAX_LENGTH} printable ASCII
   * characters. Lets request-parsing code check a header without catching an exception.
   *
   * @param value the candidate
   * @return whether {@link #of(String)} would accept it
   */
  public static boolean isValid(String value) {
    return problemWith(value).isEmpty();
  }

  /**
   * Returns a new random key (a UUIDv4), as {@link IdempotencyKeyGenerator#uuidV4()} makes.
   *
   * @return a fresh key
   */
  public static IdempotencyKey random() {
    return IdempotencyKeyGenerator.uuidV4().next();
  }

  @Override
  public String toString() {
    return value;
  }

  /** Returns what is wrong with {@code value}, or an empty string if nothing is. */
  private static String problemWith(String value) {
    int length = value.length();
    if (length == 0 || length > MAX_LENGTH) {
      return String.format(
          Locale.ROOT,
          "an idempotency key must be 1 to %d printable ASCII characters, but had %d characters",
          MAX_LENGTH,
          length);
    }
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return String.format(
            Locale.ROOT,
            "an idempotency key must be printable ASCII (' ' to '~'), but had U+%04X at index %d",
            (int) c,
            i);
      }
    }
    return "";
  }
}
