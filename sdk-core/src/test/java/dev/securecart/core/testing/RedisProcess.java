package dev.securecart.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A {@code redis-server} process that a fixture started on a free loopback port, with nothing
 * persisted, in its own temporary directory. {@link #close()} stops it; a JVM shutdown hook stops
 * any that a crashed test run left behind.
 */
public final class RedisProcess implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
  private static final Set<RedisProcess> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> RUNNING.forEach(RedisProcess::close), "redis-fixture-shutdown"));
  }

  private final Process process;
  private final int port;
  private final Path directory;
  private final Path binary;
  private final List<String> extraArgs;

  private RedisProcess(
      Process process, int port, Path directory, Path binary, List<String> extraArgs) {
    this.process = process;
    this.port = port;
    this.directory = directory;
    this.binary = binary;
    this.extraArgs = extraArgs;
  }

  /**
   * Starts {@code binary} on a free port with the given extra arguments (for example {@code
   * --cluster-enabled yes}) and waits until it answers {@code PING}.
   */
  public static RedisProcess start(Path binary, String... extraArgs) {
    RuntimeException last = null;
    // A free port can be taken between probing and binding; a second port almost always works.
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        return startOnce(binary, freePort(), extraArgs);
      } catch (RuntimeException e) {
        last = e;
      }
    }
    throw last;
  }

  private static RedisProcess startOnce(Path binary, int port, String... extraArgs) {
    Path directory;
    try {
      directory = Files.createTempDirectory("securecart-redis-" + port + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return startIn(directory, binary, port, List.of(extraArgs));
  }

  /**
   * Starts this server again, after {@link #kill()}, on the same port and in the same directory (so
   * a cluster node comes back with its {@code nodes.conf}, as a restarted machine would), and waits
   * until it answers {@code PING}.
   *
   * @return the restarted server
   * @throws IllegalStateException if this server still runs
   */
  public RedisProcess restart() {
    if (process.isAlive()) {
      throw new IllegalStateException("redis-server on port " + port + " still runs");
    }
    return startIn(directory, binary, port, extraArgs);
  }

  /**
   * Starts this server again, after {@link #kill()}, in the same directory but on another free
   * port: a cluster node comes back with its {@code nodes.conf} (its id) at a new address, as a
   * restarted pod with a new IP would.
   *
   * @return the restarted server
   * @throws IllegalStateException if this server still runs
   */
  public RedisProcess restartOnNewPort() {
    if (process.isAlive()) {
      throw new IllegalStateException("redis-server on port " + port + " still runs");
    }
    return startIn(directory, binary, freePort(), extraArgs);
  }

  private static RedisProcess startIn(
      Path directory, Path binary, int port, List<String> extraArgs) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(
        List.of(
            "--port", Integer.toString(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--protected-mode", "no",
            "--dir", directory.toString(),
            "--logfile", directory.resolve("redis.log").toString()));
    command.addAll(extraArgs);
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(directory.resolve("stdout.log").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary + ": " + e.getMessage(), e);
    }
    RedisProcess redis = new RedisProcess(process, port, directory, binary, extraArgs);
    RUNNING.add(redis);
    RedisTestServer server = redis.server();
    try {
      Awaitility.await("redis-server on port " + port + " answers PING")
          .atMost(START_TIMEOUT)
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> !process.isAlive() || RespClient.answersPing(server, Duration.ofMillis(500)));
    } catch (ConditionTimeoutException e) {
      redis.close();
      throw new IllegalStateException("redis-server did not start: " + redis.logTail(), e);
    }
    if (!process.isAlive()) {
      String log = redis.logTail();
      redis.close();
      throw new IllegalStateException("redis-server exited at start: " + log);
    }
    return redis;
  }

  /** The TCP port this server listens on. */
  public int port() {
    return port;
  }

  /** The directory holding this server's log and, in cluster mode, its nodes.conf. */
  public Path directory() {
    return directory;
  }

  /** Whether the process is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** This server as a test server description. */
  public RedisTestServer server() {
    return new RedisTestServer(
        "127.0.0.1", port, null, 0, false, RedisTestServer.Source.STARTED_FROM_PATH);
  }

  /** Kills the process at once (SIGKILL), as a crashed or unplugged server would vanish. */
  public void kill() {
    process.destroyForcibly();
    waitForExit();
    RUNNING.remove(this);
  }

  /** Stops the server and deletes its directory. Safe to call more than once. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      if (!waitForExit()) {
        process.destroyForcibly();
        waitForExit();
      }
    }
    RUNNING.remove(this);
    deleteRecursively(directory);
  }

  private boolean waitForExit() {
    try {
      return process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private String logTail() {
    try {
      Path log = directory.resolve("redis.log");
      Path out = directory.resolve("stdout.log");
      StringBuilder text = new StringBuilder();
      for (Path file : List.of(out, log)) {
        if (Files.exists(file)) {
          text.append(Files.readString(file, StandardCharsets.UTF_8));
        }
      }
      String all = text.toString().strip();
      return all.length() > 2000 ? all.substring(all.length() - 2000) : all;
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Returns a TCP port that was free on the loopback interface a moment ago. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              path -> {
                try {
                  Files.deleteIfExists(path);
                } catch (IOException ignored) {
                  // A temp directory left behind is harmless; the OS cleans /tmp.
                }
              });
    } catch (IOException ignored) {
      // As above.
    }
  }
}
