package dev.securecart.core.testing;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Where a test's Redis server is and how the fixture found it.
 *
 * @param host the host name or address
 * @param port the TCP port
 * @param password the password, or {@code null} when the server needs none
 * @param database the database index
 * @param tls whether the connection uses TLS ({@code rediss://})
 * @param source where the fixture found this server
 */
public record RedisTestServer(
    String host, int port, @Nullable String password, int database, boolean tls, Source source) {

  /** How the fixture came by a server, in the order it tries them. */
  public enum Source {
    /** The server that the {@code REDIS_URL} environment variable names. */
    REDIS_URL,
    /** A server already answering on {@code localhost:6379}. */
    LOCALHOST,
    /** A {@code redis-server} from {@code PATH} that the fixture started on a free port. */
    STARTED_FROM_PATH,
    /** Given directly by a test or another fixture. */
    GIVEN
  }

  /** Parses a {@code redis://[[user]:password@]host[:port][/database]} or {@code rediss://} URI. */
  public static RedisTestServer parse(String uri, Source source) {
    URI parsed = URI.create(uri.trim());
    String scheme = parsed.getScheme();
    if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
      throw new IllegalArgumentException(
          "a Redis URL must start with redis:// or rediss://, but was " + redacted(uri));
    }
    String host = parsed.getHost();
    if (host == null) {
      throw new IllegalArgumentException("the Redis URL has no host: " + redacted(uri));
    }
    int port = parsed.getPort() < 0 ? 6379 : parsed.getPort();
    String password = null;
    String userInfo = parsed.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      String raw = colon >= 0 ? userInfo.substring(colon + 1) : userInfo;
      password = raw.isEmpty() ? null : URLDecoder.decode(raw, StandardCharsets.UTF_8);
    }
    int database = 0;
    String path = parsed.getPath();
    if (path != null && path.length() > 1) {
      database = Integer.parseInt(path.substring(1));
    }
    return new RedisTestServer(host, port, password, database, "rediss".equals(scheme), source);
  }

  /** The server as a {@code redis://} URI that Lettuce and the SDK accept. */
  public String uri() {
    StringBuilder uri = new StringBuilder(tls ? "rediss://" : "redis://");
    if (password != null) {
      uri.append(':')
          .append(java.net.URLEncoder.encode(password, StandardCharsets.UTF_8))
          .append('@');
    }
    uri.append(host).append(':').append(port);
    if (database != 0) {
      uri.append('/').append(database);
    }
    return uri.toString();
  }

  /** Never prints the password. */
  @Override
  public String toString() {
    return (tls ? "rediss://" : "redis://")
        + (password != null ? "***@" : "")
        + host
        + ":"
        + port
        + (database != 0 ? "/" + database : "")
        + " ("
        + source
        + ")";
  }

  static String redacted(String uri) {
    return uri.replaceAll("//[^@/]*@", "//***@");
  }
}
