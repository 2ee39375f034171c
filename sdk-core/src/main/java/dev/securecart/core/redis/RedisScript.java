package dev.securecart.core.redis;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A Lua script that runs by its SHA-1 ({@code EVALSHA}) and is sent whole ({@code EVAL}, which
 * caches it) only when the server answers {@code NOSCRIPT}: on first use, and after a restart, a
 * failover or {@code SCRIPT FLUSH}. Sending the source with every call would cost every call its
 * bytes on the wire and a SHA-1 of them on the one Redis thread that every node shares.
 *
 * <p>Immutable and thread-safe: keep one per script, as a constant. Other errors (a script error, a
 * timeout, a closed connection) are passed on as Lettuce reports them, never retried here.
 */
public final class RedisScript {

  private final String source;
  private final String sha1;

  private RedisScript(String source) {
    this.source = source;
    this.sha1 = sha1(source);
  }

  /**
   * A script with this Lua source.
   *
   * @param source the Lua source, not empty
   * @return the script
   */
  public static RedisScript of(String source) {
    requireNonNull(source, "source");
    requireArgument(!source.isBlank(), "source must not be blank");
    return new RedisScript(source);
  }

  /** The Lua source. */
  public String source() {
    return source;
  }

  /** The SHA-1 of the source in lower-case hex, as {@code EVALSHA} and {@code SCRIPT} use it. */
  public String sha1() {
    return sha1;
  }

  /**
   * Runs the script without blocking: {@code EVALSHA}, then {@code EVAL} if the server answers
   * {@code NOSCRIPT}.
   *
   * @param connection the connection (standalone or Cluster; on a Cluster every key must hash to
   *     one slot)
   * @param output how Lettuce decodes the reply
   * @param keys the keys the script touches
   * @param args the other arguments
   * @return the reply; it fails as the command failed
   */
  public <K, V, T> CompletableFuture<T> evalAsync(
      RedisConnection<K, V> connection, ScriptOutputType output, K[] keys, V[] args) {
    CompletableFuture<T> bySha;
    try {
      bySha = connection.async().<T>evalsha(sha1, output, keys, args).toCompletableFuture();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return bySha.exceptionallyCompose(
        error ->
            unwrap(error) instanceof RedisNoScriptException
                ? connection.async().<T>eval(source, output, keys, args).toCompletableFuture()
                : CompletableFuture.failedFuture(error));
  }

  /**
   * Runs the script and waits for the reply (at most the command timeout): {@code EVALSHA}, then
   * {@code EVAL} if the server answers {@code NOSCRIPT}.
   *
   * @param connection the connection (standalone or Cluster; on a Cluster every key must hash to
   *     one slot)
   * @param output how Lettuce decodes the reply
   * @param keys the keys the script touches
   * @param args the other arguments
   * @return the reply, as Lettuce decodes {@code output}
   * @throws io.lettuce.core.RedisException as the command failed
   */
  public <K, V> Object eval(
      RedisConnection<K, V> connection, ScriptOutputType output, K[] keys, V[] args) {
    try {
      return connection.sync().<Object>evalsha(sha1, output, keys, args);
    } catch (RedisNoScriptException e) {
      return connection.sync().<Object>eval(source, output, keys, args);
    }
  }

  @Override
  public String toString() {
    return "RedisScript[" + sha1 + "]";
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static String sha1(String source) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-1", e);
    }
  }
}
