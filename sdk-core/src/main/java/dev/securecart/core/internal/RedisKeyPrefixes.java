package dev.securecart.core.internal;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

/**
 * The one rule for the Redis key prefixes that the SDK's Redis-backed parts take: bounded length,
 * and no braces, which Redis Cluster reads as a hash tag and which would move every key of a part
 * into one slot (or split the keys that a script must find in one slot).
 */
public final class RedisKeyPrefixes {

  /** The longest key prefix accepted, in characters. */
  public static final int MAX_LENGTH = 256;

  private RedisKeyPrefixes() {}

  /**
   * Returns {@code keyPrefix} if it follows the rule.
   *
   * @param keyPrefix the prefix to check
   * @return {@code keyPrefix}
   * @throws NullPointerException if {@code keyPrefix} is null
   * @throws IllegalArgumentException if it is longer than {@link #MAX_LENGTH} or has a brace
   */
  public static String requireValid(String keyPrefix) {
    requireNonNull(keyPrefix, "keyPrefix");
    requireArgument(
        keyPrefix.length() <= MAX_LENGTH,
        "keyPrefix must be at most %d characters, but had %d",
        MAX_LENGTH,
        keyPrefix.length());
    requireArgument(
        keyPrefix.indexOf('{') < 0 && keyPrefix.indexOf('}') < 0,
        "keyPrefix must not contain '{' or '}' (Redis Cluster reads them as a hash tag), but was"
            + " '%s'",
        keyPrefix);
    return keyPrefix;
  }
}
