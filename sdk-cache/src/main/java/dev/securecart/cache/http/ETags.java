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
   * {@code *}, or any listed tag whose opaque part equals the ETag's, weak or strong. Members that
   * are not entity tags are ignored, so a malformed header matches less, never more.
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
    if (opaque.isEmpty()) {
      return false;
    }
    // A comma may sit inside an opaque tag, so members end only at a comma outside quotes. An
    // unclosed quote runs to the end: that member, and what follows it, is ignored.
    int start = 0;
    boolean quoted = false;
    for (int i = 0; i <= header.length(); i++) {
      if (i == header.length() || (header.charAt(i) == ',' && !quoted)) {
        String member = header.substring(start, i).trim();
        if (isEntityTag(member) && opaque(member).equals(opaque)) {
          return true;
        }
        start = i + 1;
      } else if (header.charAt(i) == '"') {
        quoted = !quoted;
      }
    }
    return false;
  }

  /** {@code [W/] DQUOTE *etagc DQUOTE}; {@code *} is only valid as the whole header. */
  private static boolean isEntityTag(String member) {
    String tag = opaque(member);
    if (tag.length() < 2 || tag.charAt(0) != '"' || tag.charAt(tag.length() - 1) != '"') {
      return false;
    }
    for (int i = 1; i < tag.length() - 1; i++) {
      char c = tag.charAt(i);
      if (c <= 0x20 || c == '"' || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  private static String opaque(String tag) {
    return tag.startsWith("W/") ? tag.substring(2) : tag;
  }
}
