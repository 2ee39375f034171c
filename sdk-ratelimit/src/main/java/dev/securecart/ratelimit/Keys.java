package dev.securecart.ratelimit;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The key to use for each named limit of a multi-limit decision, for example the user for the
 * {@code "user"} limit and the client address for the {@code "ip"} limit:
 *
 * <pre>{@code
 * limiter.tryAcquire(Keys.of("user", userId, "ip", clientIp), 1);
 * }</pre>
 *
 * <p>Every limit of the limiter must be given a key; a limit that should be global takes a constant
 * key ({@code "global", "checkout"}). Immutable.
 */
public final class Keys {

  private final Map<String, String> byLimit;

  private Keys(Map<String, String> byLimit) {
    this.byLimit = byLimit;
  }

  /** One limit's key. */
  public static Keys of(String limit, String key) {
    return of(Map.of(requireNonNull(limit, "limit"), requireNonNull(key, "key")));
  }

  /** Two limits' keys. */
  public static Keys of(String limit1, String key1, String limit2, String key2) {
    Map<String, String> map = new LinkedHashMap<>();
    put(map, limit1, key1);
    put(map, limit2, key2);
    return new Keys(map);
  }

  /** Three limits' keys. */
  public static Keys of(
      String limit1, String key1, String limit2, String key2, String limit3, String key3) {
    Map<String, String> map = new LinkedHashMap<>();
    put(map, limit1, key1);
    put(map, limit2, key2);
    put(map, limit3, key3);
    return new Keys(map);
  }

  /**
   * The keys of a map from limit name to key.
   *
   * @throws NullPointerException if the map, a name or a key is null
   */
  public static Keys of(Map<String, String> byLimit) {
    requireNonNull(byLimit, "byLimit");
    Map<String, String> map = new LinkedHashMap<>();
    byLimit.forEach((limit, key) -> put(map, limit, key));
    return new Keys(map);
  }

  private static void put(Map<String, String> map, String limit, String key) {
    requireNonNull(limit, "limit");
    requireNonNull(key, "key");
    requireArgument(map.put(limit, key) == null, "limit '%s' is given twice", limit);
  }

  /** The number of limits given a key. */
  public int size() {
    return byLimit.size();
  }

  /** The keys by limit name, in the order given. */
  public Map<String, String> asMap() {
    return java.util.Collections.unmodifiableMap(byLimit);
  }

  /** Lists the limit names only: keys may identify people and are not for logs. */
  @Override
  public String toString() {
    return "Keys" + byLimit.keySet();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Keys keys && keys.byLimit.equals(byLimit);
  }

  @Override
  public int hashCode() {
    return byLimit.hashCode();
  }
}
