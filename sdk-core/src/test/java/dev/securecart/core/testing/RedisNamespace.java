package dev.securecart.core.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One test's share of a Redis server: a key prefix no other test uses, and the deletion of every
 * key under it when the test ends. Give {@link #prefix()} to the component under test as its key
 * prefix, or build keys with {@link #key(String)}.
 */
public final class RedisNamespace implements AutoCloseable {

  private final RedisTestServer server;
  private final String prefix;

  RedisNamespace(RedisTestServer server, String label) {
    this.server = server;
    this.prefix =
        "sctest:"
            + label.replaceAll("[^A-Za-z0-9_.-]", "_")
            + ":"
            + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL)
            + ":";
  }

  /** The server this namespace lives on. */
  public RedisTestServer server() {
    return server;
  }

  /** The prefix every key of this test starts with, ending in {@code ':'}. */
  public String prefix() {
    return prefix;
  }

  /** Returns {@code prefix() + name}. */
  public String key(String name) {
    return prefix + name;
  }

  /** Returns the keys that currently exist under this namespace. */
  public List<String> keys() {
    List<String> keys = new ArrayList<>();
    try (RespClient redis = RespClient.connect(server, Duration.ofSeconds(5))) {
      String cursor = "0";
      do {
        List<Object> page = redis.callList("SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000");
        cursor = (String) page.get(0);
        for (Object key : (List<?>) page.get(1)) {
          keys.add((String) key);
        }
      } while (!"0".equals(cursor));
    }
    return keys;
  }

  /** Deletes every key under this namespace. */
  public void deleteKeys() {
    List<String> keys = keys();
    if (keys.isEmpty()) {
      return;
    }
    try (RespClient redis = RespClient.connect(server, Duration.ofSeconds(5))) {
      for (int from = 0; from < keys.size(); from += 500) {
        List<String> batch = keys.subList(from, Math.min(keys.size(), from + 500));
        List<String> command = new ArrayList<>(batch.size() + 1);
        command.add("DEL");
        command.addAll(batch);
        redis.call(command.toArray(String[]::new));
      }
    }
  }

  @Override
  public void close() {
    deleteKeys();
  }
}
