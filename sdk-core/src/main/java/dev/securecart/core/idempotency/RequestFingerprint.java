package dev.securecart.core.idempotency;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * A digest of what a request asks for, so that a store can tell a retry of a request (same key,
 * same fingerprint) from a different request that reuses a key (same key, different fingerprint:
 * {@link BeginResult.Mismatch}). The store keeps the fingerprint, never the request: request bodies
 * may hold card data.
 *
 * <p>Callers decide what identifies a request and compute the digest with {@link
 * #sha256(byte[]...)}, {@link #hmacSha256(byte[], byte[]...)}, or their own hash through {@link
 * #of(byte[])}. A store finds entries by the idempotency key alone and replays a stored response to
 * anyone who sends the key with the same fingerprint, so include who asks (the tenant and the
 * authenticated principal) and the operation (method and path) as well as the body: then another
 * caller who reuses a key gets {@link BeginResult.Mismatch}, not the first caller's response. Leave
 * out what changes between retries, such as a timestamp or a trace id.
 *
 * <p><b>Use {@link #hmacSha256} when the request holds low-entropy secrets.</b> An unkeyed SHA-256
 * of a request whose only unknown part is a card number can be reversed by trying every card
 * number; a keyed hash cannot without the key, which is why PCI DSS asks for keyed hashes of PANs.
 *
 * <p>Immutable and thread-safe.
 */
public final class RequestFingerprint {

  /** The shortest fingerprint accepted, in bytes (128 bits): shorter digests collide. */
  public static final int MIN_LENGTH = 16;

  /** The longest fingerprint accepted, in bytes (512 bits): a digest, not a request. */
  public static final int MAX_LENGTH = 64;

  private static final int MIN_HMAC_KEY_LENGTH = 32;

  private final byte[] digest;

  private RequestFingerprint(byte[] digest) {
    this.digest = digest;
  }

  /**
   * Returns the fingerprint with the given digest bytes, computed by the caller.
   *
   * @param digest {@value #MIN_LENGTH} to {@value #MAX_LENGTH} bytes; copied
   * @return the fingerprint
   * @throws NullPointerException if {@code digest} is null
   * @throws IllegalArgumentException if {@code digest} is shorter or longer than allowed
   */
  public static RequestFingerprint of(byte[] digest) {
    requireNonNull(digest, "digest");
    requireArgument(
        digest.length >= MIN_LENGTH && digest.length <= MAX_LENGTH,
        "a request fingerprint must be %d to %d bytes (a digest, not the request), but was %d",
        MIN_LENGTH,
        MAX_LENGTH,
        digest.length);
    return new RequestFingerprint(digest.clone());
  }

  /**
   * Returns the SHA-256 of {@code parts}. Each part is framed with its length, so {@code ("ab",
   * "c")} and {@code ("a", "bc")} differ.
   *
   * @param parts what identifies the request, for example the method, path and body
   * @return the fingerprint
   * @throws NullPointerException if {@code parts} or one of them is null
   */
  public static RequestFingerprint sha256(byte[]... parts) {
    requireNonNull(parts, "parts");
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    for (byte[] part : parts) {
      requireNonNull(part, "part");
      sha256.update(ByteBuffer.allocate(4).putInt(part.length).array());
      sha256.update(part);
    }
    return new RequestFingerprint(sha256.digest());
  }

  /**
   * Returns the HMAC-SHA256 of {@code parts} under {@code key}, framed as {@link #sha256} frames
   * them. Use one key for all nodes of a service (a fingerprint computed on one node is compared on
   * another), kept as secret as any other key.
   *
   * @param key at least 32 bytes of secret key; not retained
   * @param parts what identifies the request
   * @return the fingerprint
   * @throws NullPointerException if {@code key}, {@code parts} or one of them is null
   * @throws IllegalArgumentException if {@code key} is shorter than 32 bytes
   */
  public static RequestFingerprint hmacSha256(byte[] key, byte[]... parts) {
    requireNonNull(key, "key");
    requireNonNull(parts, "parts");
    requireArgument(
        key.length >= MIN_HMAC_KEY_LENGTH,
        "key must be at least %d bytes, but was %d",
        MIN_HMAC_KEY_LENGTH,
        key.length);
    Mac hmac;
    try {
      hmac = Mac.getInstance("HmacSHA256");
      hmac.init(new SecretKeySpec(key, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has HmacSHA256", e);
    }
    for (byte[] part : parts) {
      requireNonNull(part, "part");
      hmac.update(ByteBuffer.allocate(4).putInt(part.length).array());
      hmac.update(part);
    }
    return new RequestFingerprint(hmac.doFinal());
  }

  /**
   * Returns the digest bytes.
   *
   * @return a copy of the digest
   */
  public byte[] bytes() {
    return digest.clone();
  }

  /**
   * Returns the number of digest bytes.
   *
   * @return the length of {@link #bytes()}
   */
  public int length() {
    return digest.length;
  }

  /**
   * Returns whether this fingerprint has the digest {@code other}, compared in constant time.
   *
   * @param other digest bytes
   * @return whether they equal this fingerprint's digest
   */
  public boolean matches(byte[] other) {
    return MessageDigest.isEqual(digest, other);
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof RequestFingerprint that && MessageDigest.isEqual(digest, that.digest);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(digest);
  }

  /** Shows the first four bytes only, enough to tell fingerprints apart in a log. */
  @Override
  public String toString() {
    return "RequestFingerprint["
        + HexFormat.of().formatHex(digest, 0, 4)
        + "..., "
        + digest.length
        + " bytes]";
  }
}
