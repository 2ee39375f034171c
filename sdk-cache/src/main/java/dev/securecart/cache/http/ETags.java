package dev.securecart.cache.http;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Weak entity tags ({@code W/"…"}) and the weak comparison {@code If-None-Match} uses. A weak tag
 * says "semantically the same", which is what a cache entry's content or version gives.
 */
public final class ETags {

  private ETags() {}

  /**
   * A weak ETag from the content: the first 128 bits of its SHA-256, base64url.
   *
   * @param content the representation's bytes (or the encoded cache value)
   * @return for example {@code W/"q1x…"}
   */
  public static String weak(byte[] content) {
    requireNonNull(content, "content");
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);
      byte[] prefix = new byte[16];
      System.arraycopy(digest, 0, prefix, 0, prefix.length);
      return "W/\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(prefix) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * A weak ETag from a version string (a row version, an updated-at timestamp).
   *
   * @param version the version
   * @return the tag
   */
  public static String weakFromVersion(String version) {
    requireNonNull(version, "version");
    return weak(version.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Whether an {@code If-None-Match} header matches an ETag by weak comparison (RFC 9110 13.1.2):
   * {@code *}, or any listed tag whose opaque part equals the ETag's, weak or strong.
   *
   * @param ifNoneMatch the request header value
   * @param etag the current ETag
   * @return true if the client's copy is current (answer 304)
   */
  public static boolean matches(String ifNoneMatch, String etag) {
    requireNonNull(ifNoneMatch, "ifNoneMatch");
    requireNonNull(etag, "etag");
    String header = ifNoneMatch.trim();
    if (header.equals("*")) {
      return true;
    }
    String opaque = opaque(etag);
    for (String candidate : header.split(",", -1)) {
      if (opaque(candidate.trim()).equals(opaque) && !opaque.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  private static String opaque(String tag) {
    return tag.startsWith("W/") ? tag.substring(2) : tag;
  }
}
