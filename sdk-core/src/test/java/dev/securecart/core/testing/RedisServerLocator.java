package dev.securecart.core.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Finds a real Redis server for the tests, in this order: the one {@code REDIS_URL} names; one
 * already answering on {@code localhost:6379}; a {@code redis-server} from {@code PATH}, started on
 * a free port; otherwise a failure that says how to get one.
 */
public final class RedisServerLocator {

  static final String HOW_TO_GET_REDIS =
      "No Redis server for the tests. Do one of: install it (Debian/Ubuntu: "
          + "'sudo apt-get install redis-server'; macOS: 'brew install redis') so the tests can start "
          + "redis-server themselves, start one on localhost:6379, or set REDIS_URL to a server "
          + "(for example REDIS_URL=redis://127.0.0.1:6379).";

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

  private final Map<String, String> environment;
  private final String localHost;
  private final int localPort;

  /**
   * @param environment the environment to read {@code REDIS_URL} and {@code PATH} from
   * @param localHost the host of the "already running" server to probe
   * @param localPort its port (6379 outside of the fixture's own tests)
   */
  public RedisServerLocator(Map<String, String> environment, String localHost, int localPort) {
    this.environment = Map.copyOf(environment);
    this.localHost = localHost;
    this.localPort = localPort;
  }

  /** The locator that the Redis extension uses: this process's environment and localhost:6379. */
  public static RedisServerLocator fromEnvironment() {
    return new RedisServerLocator(System.getenv(), "localhost", 6379);
  }

  /**
   * Finds or starts a server.
   *
   * @return the server, and the process to stop when the fixture started one
   * @throws IllegalStateException if {@code REDIS_URL} is set but does not answer, or no source
   *     works
   */
  public Located locate() {
    String url = environment.get("REDIS_URL");
    if (url != null && !url.isBlank()) {
      RedisTestServer server = RedisTestServer.parse(url, RedisTestServer.Source.REDIS_URL);
      if (!RespClient.answersPing(server, PROBE_TIMEOUT)) {
        // A user who named a server wants that one; silently testing another would mislead.
        throw new IllegalStateException(
            "REDIS_URL is set to "
                + RedisTestServer.redacted(url)
                + " but no Redis answers PING there.");
      }
      return new Located(server, null);
    }
    RedisTestServer local =
        new RedisTestServer(localHost, localPort, null, 0, false, RedisTestServer.Source.LOCALHOST);
    if (RespClient.answersPing(local, PROBE_TIMEOUT)) {
      return new Located(local, null);
    }
    Optional<Path> binary = redisServerOnPath();
    if (binary.isPresent()) {
      RedisProcess process = RedisProcess.start(binary.get());
      return new Located(process.server(), process);
    }
    throw new IllegalStateException(HOW_TO_GET_REDIS);
  }

  /** Returns the {@code redis-server} executable on this locator's {@code PATH}, if any. */
  public Optional<Path> redisServerOnPath() {
    String path = environment.getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator, -1)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * A located server, with the process that serves it when the fixture started it.
   *
   * @param server the server
   * @param process the started process, or {@code null} when the server was already running
   */
  public record Located(RedisTestServer server, @Nullable RedisProcess process)
      implements AutoCloseable {
    @Override
    public void close() {
      if (process != null) {
        process.close();
      }
    }
  }
}
