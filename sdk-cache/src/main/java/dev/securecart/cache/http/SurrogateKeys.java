package dev.securecart.cache.http;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.TreeSet;

/**
 * Headers that tell a CDN which tags a response carries, so that purging a tag at the CDN and
 * {@code LayeredCache.invalidateTag(tag)} name the same things: {@code Surrogate-Key} (Fastly,
 * space-separated) and {@code Cache-Tag} (Cloudflare, comma-separated). Akamai reads neither (see
 * below). Tags are sorted, characters a header cannot carry are percent-encoded, and tags that
 * would push the value past the CDNs' 16 KiB limit are left out (never cut in half).
 */
public final class SurrogateKeys {

  /*
   * Akamai reads Edge-Cache-Tag, not Cache-Tag, and allows at most 128 tags of at most 128
   * characters, from letters, digits and !#$%'+./^_`|~- only: no ':', which tags such as
   * "product:42" have (https://techdocs.akamai.com/purge-cache/docs/assign-cache-tags,
   * https://techdocs.akamai.com/property-mgr/reference/ga-cache-tag). Not supported here: it
   * needs another key function, and we have no Akamai user to try it with.
   */

  /** The largest header value produced: 16 KiB minus a margin. */
  public static final int MAX_HEADER_LENGTH = 16_000;

  private SurrogateKeys() {}

  /**
   * The {@code Surrogate-Key} value.
   *
   * @param tags the entry's tags
   * @return space-separated tags
   */
  public static String surrogateKey(Collection<String> tags) {
    return join(tags, " ");
  }

  /**
   * The {@code Cache-Tag} value.
   *
   * @param tags the entry's tags
   * @return comma-separated tags
   */
  public static String cacheTag(Collection<String> tags) {
    return join(tags, ",");
  }

  private static String join(Collection<String> tags, String separator) {
    requireNonNull(tags, "tags");
    StringBuilder value = new StringBuilder();
    for (String tag : new TreeSet<>(tags)) {
      String encoded = encode(tag);
      if (encoded.isEmpty()) {
        continue;
      }
      int added = (value.length() == 0 ? 0 : separator.length()) + encoded.length();
      if (value.length() + added > MAX_HEADER_LENGTH) {
        break;
      }
      if (value.length() > 0) {
        value.append(separator);
      }
      value.append(encoded);
    }
    return value.toString();
  }

  /** Keeps visible ASCII except space, comma, quote and percent; percent-encodes the rest. */
  static String encode(String tag) {
    StringBuilder out = new StringBuilder(tag.length());
    for (byte b : tag.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c > 0x20 && c < 0x7f && c != ',' && c != '"' && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        out.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
