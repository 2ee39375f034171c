package dev.securecart.cache.redis;

import dev.securecart.core.testing.RespClient;
import java.util.List;

/** Reads a Redis server's {@code ACL LOG}: what the refused-resubscription tests wait for. */
final class AclLog {

  private AclLog() {}

  /** Subscriptions to {@code channel} that the server refused, counted in its ACL log. */
  static long refusedSubscriptions(RespClient admin, String channel) {
    long refused = 0;
    for (Object entry : admin.callList("ACL", "LOG")) {
      List<?> fields = (List<?>) entry;
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        if ("object".equals(String.valueOf(fields.get(i)))
            && channel.equals(String.valueOf(fields.get(i + 1)))) {
          refused += countOf(fields);
        }
      }
    }
    return refused;
  }

  private static long countOf(List<?> fields) {
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      if ("count".equals(String.valueOf(fields.get(i)))) {
        return (Long) fields.get(i + 1);
      }
    }
    return 1;
  }
}
