package dev.securecart.cache;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

/**
 * One message on an {@link InvalidationBus}: cache {@code cache} on every node but {@code origin}
 * must drop the entry whose L2 key is {@code target} ({@link
 * CacheStatsCounter.InvalidationKind#KEY}) or every entry tagged {@code target} ({@link
 * CacheStatsCounter.InvalidationKind#TAG}).
 *
 * @param cache the cache name
 * @param origin the id of the cache instance that published it, so that it can skip its own
 * @param kind what {@code target} names
 * @param target the mapped key or the tag
 */
public record Invalidation(
    String cache, String origin, CacheStatsCounter.InvalidationKind kind, String target) {

  /**
   * @throws IllegalArgumentException if a field is empty, or {@code cache} or {@code origin}
   *     contains {@code '|'}
   */
  public Invalidation {
    requireNonNull(cache, "cache");
    requireNonNull(origin, "origin");
    requireNonNull(kind, "kind");
    requireNonNull(target, "target");
    requireArgument(!cache.isEmpty() && cache.indexOf('|') < 0, "bad cache name '%s'", cache);
    requireArgument(!origin.isEmpty() && origin.indexOf('|') < 0, "bad origin '%s'", origin);
    requireArgument(!target.isEmpty(), "target must not be empty");
  }

  /**
   * The wire form: {@code 1|cache|origin|K or T|target}.
   *
   * @return the encoded message
   */
  public String encode() {
    return "1|"
        + cache
        + '|'
        + origin
        + '|'
        + (kind == CacheStatsCounter.InvalidationKind.KEY ? 'K' : 'T')
        + '|'
        + target;
  }

  /**
   * Parses {@link #encode()}'s form.
   *
   * @param message the message
   * @return the invalidation
   * @throws IllegalArgumentException if the message is malformed
   */
  public static Invalidation decode(String message) {
    requireNonNull(message, "message");
    int a = message.indexOf('|');
    int b = a < 0 ? -1 : message.indexOf('|', a + 1);
    int c = b < 0 ? -1 : message.indexOf('|', b + 1);
    int d = c < 0 ? -1 : message.indexOf('|', c + 1);
    requireArgument(
        d > 0 && message.startsWith("1|") && d == c + 2, "malformed invalidation message");
    char kind = message.charAt(c + 1);
    requireArgument(kind == 'K' || kind == 'T', "malformed invalidation message");
    return new Invalidation(
        message.substring(a + 1, b),
        message.substring(b + 1, c),
        kind == 'K'
            ? CacheStatsCounter.InvalidationKind.KEY
            : CacheStatsCounter.InvalidationKind.TAG,
        message.substring(d + 1));
  }
}
