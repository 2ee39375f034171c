package dev.securecart.cache;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

/**
 * One message on an {@link InvalidationBus}: cache {@code cache} on every node but {@code origin}
 * must drop the entry whose L2 key is {@code target} ({@link
 * CacheStatsCounter.InvalidationKind#KEY}), every entry tagged {@code target} ({@link
 * CacheStatsCounter.InvalidationKind#TAG}), or every entry ({@link
 * CacheStatsCounter.InvalidationKind#ALL}, whose target is {@link #ALL_TARGET}).
 *
 * @param cache the cache name
 * @param origin the id of the cache instance that published it, so that it can skip its own
 * @param kind what {@code target} names
 * @param target the mapped key, the tag, or {@link #ALL_TARGET}
 */
public record Invalidation(
    String cache, String origin, CacheStatsCounter.InvalidationKind kind, String target) {

  /** The target of an {@link CacheStatsCounter.InvalidationKind#ALL} message. */
  public static final String ALL_TARGET = "*";

  /**
   * @throws IllegalArgumentException if a field is empty, {@code cache} or {@code origin} contains
   *     {@code '|'}, or an {@code ALL} message's target is not {@link #ALL_TARGET}
   */
  public Invalidation {
    requireNonNull(cache, "cache");
    requireNonNull(origin, "origin");
    requireNonNull(kind, "kind");
    requireNonNull(target, "target");
    requireArgument(!cache.isEmpty() && cache.indexOf('|') < 0, "bad cache name '%s'", cache);
    requireArgument(!origin.isEmpty() && origin.indexOf('|') < 0, "bad origin '%s'", origin);
    requireArgument(!target.isEmpty(), "target must not be empty");
    requireArgument(
        kind != CacheStatsCounter.InvalidationKind.ALL || target.equals(ALL_TARGET),
        "the target of an ALL invalidation must be '%s'",
        ALL_TARGET);
  }

  /**
   * The wire form: {@code 1|cache|origin|K, T or A|target}.
   *
   * @return the encoded message
   */
  public String encode() {
    return "1|" + cache + '|' + origin + '|' + code(kind) + '|' + target;
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
    CacheStatsCounter.InvalidationKind kind =
        switch (message.charAt(c + 1)) {
          case 'K' -> CacheStatsCounter.InvalidationKind.KEY;
          case 'T' -> CacheStatsCounter.InvalidationKind.TAG;
          case 'A' -> CacheStatsCounter.InvalidationKind.ALL;
          default -> throw new IllegalArgumentException("malformed invalidation message");
        };
    return new Invalidation(
        message.substring(a + 1, b), message.substring(b + 1, c), kind, message.substring(d + 1));
  }

  private static char code(CacheStatsCounter.InvalidationKind kind) {
    return switch (kind) {
      case KEY -> 'K';
      case TAG -> 'T';
      case ALL -> 'A';
    };
  }
}
