package dev.securecart.core.signing;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A secret HMAC-SHA256 key and the id that tokens name it by. Its material cannot be read back, is
 * never printed ({@link #toString()} shows the id only) and never appears in an exception message.
 * At least {@value #MIN_LENGTH} bytes: shorter keys are refused (RFC 2104 asks for at least the
 * hash's output length).
 *
 * <p>Every node that verifies a key's tokens needs the same material under the same id; load it
 * from your secret store with {@link #ofBase64(String, String)}. Immutable and thread-safe.
 */
public final class SigningKey {

  /** The shortest key accepted, in bytes. */
  public static final int MIN_LENGTH = 32;

  /** The longest key id accepted, in characters. */
  public static final int MAX_ID_LENGTH = 64;

  static final String ALGORITHM = "HmacSHA256";

  private final String id;
  private final SecretKeySpec secret;
  private final Mac prototype;

  private SigningKey(String id, byte[] material) {
    this.id = id;
    this.secret = new SecretKeySpec(material, ALGORITHM);
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(secret);
      this.prototype = mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has " + ALGORITHM, e);
    }
  }

  /**
   * Returns the key {@code id} with {@code material}.
   *
   * @param id 1 to {@value #MAX_ID_LENGTH} characters from {@code [A-Za-z0-9_-]}, for example
   *     {@code "2026-01"}
   * @param material at least {@value #MIN_LENGTH} secret bytes; copied
   * @return the key
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code id} is malformed or {@code material} too short
   */
  public static SigningKey of(String id, byte[] material) {
    checkId(id);
    requireNonNull(material, "material");
    requireArgument(
        material.length >= MIN_LENGTH,
        "a signing key must be at least %d bytes, but key '%s' has %d",
        MIN_LENGTH,
        id,
        material.length);
    return new SigningKey(id, material);
  }

  /**
   * Returns the key {@code id} whose material is {@code base64} (standard or URL-safe alphabet,
   * padding optional), as secret stores and environment variables usually hold it.
   *
   * @param id the key id, as for {@link #of(String, byte[])}
   * @param base64 the encoded material, at least {@value #MIN_LENGTH} bytes once decoded
   * @return the key
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code id} is malformed, or {@code base64} is not base64 or
   *     too short; the message never quotes {@code base64}
   */
  @SuppressWarnings("UnusedException") // its message would quote the secret
  public static SigningKey ofBase64(String id, String base64) {
    checkId(id);
    requireNonNull(base64, "base64");
    byte[] material;
    try {
      material = Base64.getDecoder().decode(base64.trim().replace('-', '+').replace('_', '/'));
    } catch (IllegalArgumentException e) {
      // The decoder's message quotes the offending character of the secret: drop it and its cause.
      throw new IllegalArgumentException(
          "the material of signing key '" + id + "' is not valid base64");
    }
    return of(id, material);
  }

  /**
   * Returns the key id that tokens signed with this key carry.
   *
   * @return the id
   */
  public String id() {
    return id;
  }

  /** Returns a MAC initialised with this key, for one thread's use. */
  Mac newMac() {
    try {
      return (Mac) prototype.clone();
    } catch (CloneNotSupportedException e) {
      try {
        Mac mac = Mac.getInstance(ALGORITHM);
        mac.init(secret);
        return mac;
      } catch (GeneralSecurityException impossible) {
        throw new IllegalStateException("every Java platform has " + ALGORITHM, impossible);
      }
    }
  }

  /** Whether {@code other} has the same material, compared in constant time. */
  boolean hasSameMaterialAs(SigningKey other) {
    return MessageDigest.isEqual(secret.getEncoded(), other.secret.getEncoded());
  }

  /** Shows the id only, never the material. */
  @Override
  public String toString() {
    return "SigningKey[id=" + id + "]";
  }

  static boolean isWellFormedId(String id) {
    if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static void checkId(String id) {
    requireNonNull(id, "id");
    if (!isWellFormedId(id)) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "a key id must be 1 to %d characters from [A-Za-z0-9_-], but had %d characters",
              MAX_ID_LENGTH,
              id.length()));
    }
  }
}
