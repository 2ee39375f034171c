package dev.securecart.ratelimit.internal;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import dev.securecart.ratelimit.InvalidKeyException;
import dev.securecart.ratelimit.InvalidPermitsException;
import dev.securecart.ratelimit.Keys;
import dev.securecart.ratelimit.RateLimit;
import dev.securecart.ratelimit.RateLimiterConfig;
import java.util.Locale;
import java.util.Map;

/** Checks of call arguments shared by the in-process and the Redis limiter. */
public final class Requests {

  private final String limiter;
  private final String[] limitNames;
  private final long minBurst;
  private final String minBurstLimit;

  /**
   * @param config the limiter's configuration
   */
  public Requests(RateLimiterConfig config) {
    this.limiter = config.name();
    this.limitNames = config.limits().keySet().toArray(String[]::new);
    long min = Long.MAX_VALUE;
    String minName = limitNames[0];
    for (Map.Entry<String, RateLimit> entry : config.limits().entrySet()) {
      if (entry.getValue().burst() < min) {
        min = entry.getValue().burst();
        minName = entry.getKey();
      }
    }
    this.minBurst = min;
    this.minBurstLimit = minName;
  }

  /** Throws unless {@code permits} is between 1 and the smallest burst. */
  public void checkPermits(long permits) {
    if (permits < 1) {
      throw new InvalidPermitsException(
          limiter, permits, "permits must be greater than 0, but was " + permits);
    }
    if (permits > minBurst) {
      throw new InvalidPermitsException(
          limiter,
          permits,
          String.format(
              Locale.ROOT,
              "permits must be at most the burst of limit '%s' (%d), or the request could never"
                  + " be granted, but was %d",
              minBurstLimit,
              minBurst,
              permits));
    }
  }

  /** Throws unless {@code key} is a valid key for {@code limit}. */
  public void checkKey(String limit, String key) {
    requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new InvalidKeyException(limiter, limit, "the key for limit '" + limit + "' is empty");
    }
    if (key.length() > RateLimiterConfig.MAX_KEY_LENGTH) {
      throw new InvalidKeyException(
          limiter,
          limit,
          String.format(
              Locale.ROOT,
              "the key for limit '%s' must be at most %d characters, but was %d",
              limit,
              RateLimiterConfig.MAX_KEY_LENGTH,
              key.length()));
    }
  }

  /** Checks {@code key} for every limit. */
  public void checkKey(String key) {
    checkKey(limitNames[0], key);
  }

  /** The key of each limit, in declaration order, from {@code keys}. */
  public String[] resolve(Keys keys) {
    requireNonNull(keys, "keys");
    String[] resolved = new String[limitNames.length];
    for (int i = 0; i < limitNames.length; i++) {
      String key = keys.asMap().get(limitNames[i]);
      if (key == null) {
        throw new InvalidKeyException(
            limiter, limitNames[i], "no key was given for limit '" + limitNames[i] + "'");
      }
      checkKey(limitNames[i], key);
      resolved[i] = key;
    }
    if (keys.size() != limitNames.length) {
      for (String name : keys.asMap().keySet()) {
        if (!java.util.Arrays.asList(limitNames).contains(name)) {
          throw new InvalidKeyException(
              limiter,
              name,
              "a key was given for limit '" + name + "', which this limiter does not have");
        }
      }
    }
    return resolved;
  }

  /** The limit names, in declaration order. */
  public String[] limitNames() {
    return limitNames.clone();
  }
}
