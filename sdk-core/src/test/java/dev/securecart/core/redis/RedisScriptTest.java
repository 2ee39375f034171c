package dev.securecart.core.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.core.testing.RedisExtension;
import dev.securecart.core.testing.RedisNamespace;
import dev.securecart.core.testing.RedisTestServer;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A script goes by its SHA-1, and whole only when Redis does not have it. Which command a
 * connection sent last, Redis itself says ({@code CLIENT LIST ID}'s {@code cmd=}).
 */
@ExtendWith(RedisExtension.class)
final class RedisScriptTest {

  /** A script no server has seen yet: a comment makes its SHA-1 new. */
  private static RedisScript freshScript(String body) {
    return RedisScript.of(
        "-- sctest " + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "\n" + body);
  }

  private static String lastCommand(long clientId, RedisConnector connector) {
    try (RedisConnection<String, String> admin = connector.connect()) {
      String line = admin.sync().clientList(io.lettuce.core.ClientListArgs.Builder.ids(clientId));
      for (String field : line.trim().split(" ")) {
        if (field.startsWith("cmd=")) {
          return field.substring("cmd=".length());
        }
      }
      throw new AssertionError("no cmd= in " + line);
    }
  }

  private static String appendAsync(
      RedisScript script, RedisConnection<String, String> connection, String[] keys, String arg)
      throws Exception {
    return script
        .<String, String, String>evalAsync(
            connection, ScriptOutputType.VALUE, keys, new String[] {arg})
        .get(5, TimeUnit.SECONDS);
  }

  @Test
  void sendsTheSourceOnlyWhenRedisDoesNotHaveTheScript(RedisTestServer server, RedisNamespace ns)
      throws Exception {
    RedisScript script = freshScript("return ARGV[1] .. redis.call('INCR', KEYS[1])");
    String[] keys = {ns.key("counter")};
    try (RedisConnector connector = RedisConnector.create(RedisSettings.of(server.uri()));
        RedisConnection<String, String> connection = connector.connect()) {
      long id = connection.sync().clientId(); // asked first: CLIENT is a command too
      assertThat(connection.sync().scriptExists(script.sha1())).containsExactly(false);

      assertThat(appendAsync(script, connection, keys, "a")).isEqualTo("a1");
      assertThat(lastCommand(id, connector)).as("NOSCRIPT, then the source").isEqualTo("eval");

      assertThat(appendAsync(script, connection, keys, "b")).isEqualTo("b2");
      assertThat(lastCommand(id, connector)).isEqualTo("evalsha");

      Object third = script.eval(connection, ScriptOutputType.VALUE, keys, new String[] {"c"});
      assertThat(third).isEqualTo("c3");
      assertThat(lastCommand(id, connector)).isEqualTo("evalsha");
    }
  }

  @Test
  void theSynchronousCallAlsoSendsTheSourceWhenRedisDoesNotHaveIt(
      RedisTestServer server, RedisNamespace ns) {
    RedisScript script = freshScript("return redis.call('INCR', KEYS[1])");
    try (RedisConnector connector = RedisConnector.create(RedisSettings.of(server.uri()));
        RedisConnection<String, String> connection = connector.connect()) {
      long id = connection.sync().clientId(); // asked first: CLIENT is a command too
      Object reply =
          script.eval(
              connection, ScriptOutputType.INTEGER, new String[] {ns.key("n")}, new String[0]);
      assertThat(reply).isEqualTo(1L);
      assertThat(lastCommand(id, connector)).isEqualTo("eval");
    }
  }

  @Test
  void aScriptErrorIsPassedOnAndNotRetried(RedisTestServer server, RedisNamespace ns)
      throws Exception {
    RedisScript script = freshScript("return redis.call('INCR', KEYS[1])");
    try (RedisConnector connector = RedisConnector.create(RedisSettings.of(server.uri()));
        RedisConnection<String, String> connection = connector.connect()) {
      long id = connection.sync().clientId(); // asked first: CLIENT is a command too
      String[] counter = {ns.key("counter")};
      script.evalAsync(connection, ScriptOutputType.INTEGER, counter, new String[0]).get();
      String[] text = {ns.key("text")};
      connection.sync().set(text[0], "not a number");

      assertThatThrownBy(
              () ->
                  script
                      .evalAsync(connection, ScriptOutputType.INTEGER, text, new String[0])
                      .join())
          .isInstanceOf(CompletionException.class)
          .hasCauseInstanceOf(RedisCommandExecutionException.class)
          .hasMessageContaining("not an integer");
      assertThat(lastCommand(id, connector)).isEqualTo("evalsha");
    }
  }

  @Test
  void aBlankSourceIsRefused() {
    assertThatThrownBy(() -> RedisScript.of(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("source");
  }
}
