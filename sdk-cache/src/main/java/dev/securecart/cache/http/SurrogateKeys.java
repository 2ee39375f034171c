package dev.securecart.cache.http;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Headers that tell a CDN which tags a response carries, so that purging a tag at the CDN and
 * {@code LayeredCache.invalidateTag(tag)} name the same things: {@code Surrogate-Key} (Fastly,
 * space-separated) and {@code Cache-Tag} (Cloudflare, comma-separated). Akamai reads neither (see
 * below). Each tag becomes one key ({@link #key}), the keys are sorted, and a header never goes
 * past what the CDN reads.
 *
 * <p>Nothing is left out silently: when a response has more tags than the header can carry, the
 * header carries as many keys as fit and then the key of an overflow tag (yours, or {@link
 * #DEFAULT_OVERFLOW_TAG}), and {@link Header#omitted()} lists the tags whose keys it does not
 * carry. Purge the overflow tag's key whenever you purge a tag that can be omitted: with every
 * purge, for the default tag, or give each kind of page with many tags an overflow tag your purges
 * name anyway (a category page's {@code category:shoes}, purged with the category's products).
 *
 * <pre>{@code
 * SurrogateKeys.Header header = SurrogateKeys.surrogateKey(result.tags(), "category:" + slug);
 * response.setHeader("Surrogate-Key", header.value());
 * // the purge job, after cache.invalidateTag(tag): purge SurrogateKeys.key(tag) at the CDN
 * }</pre>
 */
public final class SurrogateKeys {

  /*
   * What the CDNs read, from their documentation:
   *
   * - Fastly: keys are space-separated; "Surrogate key size 1KB: requests to the purge API that
   *   cite longer keys will fail" and "Surrogate key header size 16KB: only keys that are entirely
   *   within the first 16KB of the surrogate key header value will be applied"
   *   (https://www.fastly.com/documentation/reference/vcl/constraints-and-limitations/,
   *   https://www.fastly.com/documentation/reference/http/http-headers/Surrogate-Key).
   * - Cloudflare: tags are comma-separated, whitespace around them is dropped, spaces are not
   *   allowed in them, they are case-insensitive, and the Cache-Tag value may hold at most 16 KB
   *   (commas counted) "or 1000 unique tags"
   *   (https://developers.cloudflare.com/cache/how-to/purge-cache/purge-by-tags/,
   *   https://support.cloudflare.com/hc/en-us/articles/206596608). Case-insensitivity only ever
   *   purges more (Tag and tag are one tag there).
   * - Akamai reads Edge-Cache-Tag, not Cache-Tag, and allows at most 128 tags of at most 128
   *   characters, from letters, digits and !#$%'+./^_`|~- only: no ':', which tags such as
   *   "product:42" have (https://techdocs.akamai.com/purge-cache/docs/assign-cache-tags,
   *   https://techdocs.akamai.com/property-mgr/reference/ga-cache-tag). Not supported here: it
   *   needs another key function, and we have no Akamai user to try it with.
   *
   * So one key function serves both headers (visible ASCII, no space, comma or quote), keys are at
   * most 1 KiB, a header at most 16,000 characters, and a Cache-Tag at most 1,000 keys.
   */

  /** The longest header value produced: 16 KiB minus a margin. */
  public static final int MAX_HEADER_LENGTH = 16_000;

  /** The longest key produced: Fastly's purge API refuses keys over 1 KiB. */
  public static final int MAX_KEY_LENGTH = 1_024;

  /**
   * The overflow tag of {@link #surrogateKey(Collection)} and {@link #cacheTag(Collection)}: its
   * key stands in for the tags a header had no room for.
   */
  public static final String DEFAULT_OVERFLOW_TAG = "securecart-overflow";

  /** Cloudflare reads at most this many tags. */
  private static final int MAX_CACHE_TAG_KEYS = 1_000;

  /** How much of a hashed tag's encoding its key keeps, for people reading headers. */
  private static final int HASHED_HEAD_LENGTH = 64;

  private SurrogateKeys() {}

  /**
   * A header value and the tags it could not carry.
   *
   * @param value the header value: the keys of the tags that fit, sorted, then the overflow tag's
   *     key if any tag was omitted
   * @param omitted the tags whose keys the value does not carry, sorted; empty when it carries all
   */
  public record Header(String value, List<String> omitted) {

    /**
     * @throws NullPointerException if an argument is null
     */
    public Header {
      requireNonNull(value, "value");
      omitted = List.copyOf(requireNonNull(omitted, "omitted"));
    }

    /** Whether the value carries every tag's key (no overflow key stands in for any). */
    public boolean isComplete() {
      return omitted.isEmpty();
    }
  }

  /**
   * The {@code Surrogate-Key} value, with {@link #DEFAULT_OVERFLOW_TAG} as the overflow tag.
   *
   * @param tags the entry's tags
   * @return the header: space-separated keys
   * @throws IllegalArgumentException if a tag is empty
   */
  public static Header surrogateKey(Collection<String> tags) {
    return surrogateKey(tags, DEFAULT_OVERFLOW_TAG);
  }

  /**
   * The {@code Surrogate-Key} value.
   *
   * @param tags the entry's tags
   * @param overflowTag the tag whose key stands in for the tags there is no room for
   * @return the header: space-separated keys
   * @throws IllegalArgumentException if a tag or the overflow tag is empty
   */
  public static Header surrogateKey(Collection<String> tags, String overflowTag) {
    return join(tags, overflowTag, ' ', Integer.MAX_VALUE);
  }

  /**
   * The {@code Cache-Tag} value, with {@link #DEFAULT_OVERFLOW_TAG} as the overflow tag.
   *
   * @param tags the entry's tags
   * @return the header: comma-separated keys
   * @throws IllegalArgumentException if a tag is empty
   */
  public static Header cacheTag(Collection<String> tags) {
    return cacheTag(tags, DEFAULT_OVERFLOW_TAG);
  }

  /**
   * The {@code Cache-Tag} value: at most 1,000 keys, as Cloudflare reads no more.
   *
   * @param tags the entry's tags
   * @param overflowTag the tag whose key stands in for the tags there is no room for
   * @return the header: comma-separated keys
   * @throws IllegalArgumentException if a tag or the overflow tag is empty
   */
  public static Header cacheTag(Collection<String> tags, String overflowTag) {
    return join(tags, overflowTag, ',', MAX_CACHE_TAG_KEYS);
  }

  /**
   * The key a header carries for {@code tag}, and so the key to purge at the CDN when the tag is
   * invalidated: the tag's UTF-8 bytes with every byte outside visible ASCII, and space, comma,
   * quote, percent and tilde, percent-encoded ({@code product:42} stays {@code product:42}). A
   * longer encoding than {@link #MAX_KEY_LENGTH} becomes its first 64 characters, {@code ~} and the
   * hex SHA-256 of the tag: the same tag always gives the same key, and no short tag's key can look
   * like it (a tag's own {@code ~} is encoded).
   *
   * @param tag the tag
   * @return its key
   * @throws IllegalArgumentException if the tag is empty
   */
  public static String key(String tag) {
    requireNonNull(tag, "tag");
    requireArgument(!tag.isEmpty(), "a tag must not be empty");
    String encoded = encode(tag);
    if (encoded.length() <= MAX_KEY_LENGTH) {
      return encoded;
    }
    int head = HASHED_HEAD_LENGTH;
    // Never cut an escape in two.
    if (encoded.charAt(head - 1) == '%') {
      head -= 1;
    } else if (encoded.charAt(head - 2) == '%') {
      head -= 2;
    }
    return encoded.substring(0, head) + '~' + HexFormat.of().formatHex(sha256(tag));
  }

  private static Header join(
      Collection<String> tags, String overflowTag, char separator, int maxKeys) {
    requireNonNull(tags, "tags");
    String overflowKey = key(overflowTag);
    // Distinct tags have distinct keys (the encoding is one-to-one, the hash collision-free).
    TreeMap<String, String> keysByTag = new TreeMap<>();
    int length = -1;
    for (String tag : tags) {
      String key = key(requireNonNull(tag, "tag"));
      if (keysByTag.put(tag, key) == null) {
        length += 1 + key.length();
      }
    }
    String joiner = String.valueOf(separator);
    if (length <= MAX_HEADER_LENGTH && keysByTag.size() <= maxKeys) {
      return new Header(String.join(joiner, keysByTag.values()), List.of());
    }
    // Room is kept for the overflow key, which goes last; every tag that does not fit is named.
    StringJoiner value = new StringJoiner(joiner);
    List<String> omitted = new ArrayList<>();
    int room = MAX_HEADER_LENGTH - overflowKey.length();
    int count = 0;
    for (Map.Entry<String, String> tagAndKey : keysByTag.entrySet()) {
      String key = tagAndKey.getValue();
      if (key.equals(overflowKey)) {
        continue; // carried as the overflow key
      }
      if (count < maxKeys - 1 && value.length() + 1 + key.length() + 1 <= room) {
        value.add(key);
        count++;
      } else {
        omitted.add(tagAndKey.getKey());
      }
    }
    return new Header(value.add(overflowKey).toString(), omitted);
  }

  /**
   * Keeps visible ASCII except space, comma, quote, percent and tilde (the hashed keys' mark);
   * percent-encodes the rest.
   */
  private static String encode(String tag) {
    StringBuilder out = new StringBuilder(tag.length());
    for (byte b : tag.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c > 0x20 && c < 0x7f && c != ',' && c != '"' && c != '%' && c != '~') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        out.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }

  private static byte[] sha256(String tag) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(tag.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
