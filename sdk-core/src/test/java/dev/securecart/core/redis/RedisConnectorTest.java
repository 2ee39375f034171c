package dev.securecart.core.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.testing.FaultProxy;
import dev.securecart.core.testing.RedisExtension;
import dev.securecart.core.testing.RedisNamespace;
import dev.securecart.core.testing.RedisTestServer;
import dev.securecart.core.testing.RespClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisExtension.class)
final class RedisConnectorTest {

  @Test
  void connectsToARealServer(RedisTestServer server, RedisNamespace ns) {
    try (RedisConnector connector =
            RedisConnector.create(
                RedisSettings.builder(server.uri()).clientName("sc-test").build());
        RedisConnection<String, String> connection = connector.connect()) {
      connection.sync().set(ns.key("k"), "v");

      assertThat(connection.sync().get(ns.key("k"))).isEqualTo("v");
      assertThat(connection.isCluster()).isFalse();
      assertThat(connection.isOpen()).isTrue();
      assertThat(connection.sync().clientGetname()).isEqualTo("sc-test");
    }
  }

  @Test
  void commandsIssuedWhileDisconnectedFailAtOnceAndAreNeverReplayed(
      RedisTestServer server, RedisNamespace ns) throws Exception {
    String key = ns.key("counter");
    try (FaultProxy proxy = FaultProxy.startFor(server);
        RedisConnector connector = RedisConnector.create(settingsVia(proxy, server));
        RedisConnection<String, String> connection = connector.connect()) {
      AtomicInteger reconnects = new AtomicInteger();
      connector.addConnectionListener(
          new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(
                io.lettuce.core.RedisChannelHandler<?, ?> c, SocketAddress address) {
              reconnects.incrementAndGet();
            }
          });
      assertThat(connection.sync().ping()).isEqualTo("PONG");

      proxy.refuseConnections(true);
      proxy.resetConnections();
      await().until(() -> !isConnected(connection));

      long started = System.nanoTime();
      assertThatThrownBy(() -> connection.async().incr(key).get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(RedisException.class);
      // Rejected, not queued until the command timeout.
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(500));

      proxy.heal();
      await().atMost(Duration.ofSeconds(30)).until(() -> reconnects.get() >= 1);
      await().until(() -> isConnected(connection));
      assertThat(connection.sync().incr(key)).isEqualTo(1);
    }
  }

  @Test
  void aCommandWhoseReplyWasLostIsNotAppliedTwice(RedisTestServer server, RedisNamespace ns)
      throws Exception {
    String key = ns.key("applied-once");
    try (FaultProxy proxy = FaultProxy.startFor(server);
        RedisConnector connector = RedisConnector.create(settingsVia(proxy, server));
        RedisConnection<String, String> connection = connector.connect();
        RespClient direct = RespClient.connect(server, Duration.ofSeconds(5))) {
      assertThat(connection.sync().ping()).isEqualTo("PONG");

      // The command reaches Redis and is applied; its reply is still on the way when the
      // connection dies. Plain Lettuce would re-send it after reconnecting.
      proxy.latency(Duration.ofMillis(700));
      var incr = connection.async().incr(key);
      await()
          .pollInterval(Duration.ofMillis(5))
          .atMost(Duration.ofSeconds(5))
          .until(() -> "1".equals(direct.call("GET", key)));
      proxy.resetConnections();
      proxy.heal();

      assertThatThrownBy(() -> incr.get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
      await().atMost(Duration.ofSeconds(30)).until(() -> isConnected(connection));
      assertThat(connection.sync().ping()).isEqualTo("PONG");
      assertThat(direct.call("GET", key)).isEqualTo("1");
    }
  }

  @Test
  void aFrozenServerFailsCommandsAfterTheCommandTimeout(RedisTestServer server) {
    try (FaultProxy proxy = FaultProxy.startFor(server);
        RedisConnector connector =
            RedisConnector.create(
                RedisSettings.builder(proxy.proxied(server).uri())
                    .commandTimeout(Duration.ofMillis(800))
                    .build());
        // The command timeout also bounds Lettuce's connection handshake, which a loaded
        // machine can miss (the connection then fails or drops and reconnects); the timeout of
        // commands is what this test is about, so first wait for a connection that answers.
        RedisConnection<String, String> connection =
            await()
                .atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(connector::connect, Objects::nonNull)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> tryPing(connection));
      proxy.blackHole(true);

      long started = System.nanoTime();
      assertThatThrownBy(() -> connection.sync().ping())
          .isInstanceOf(RedisException.class)
          .hasMessageContaining("timed out");
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isGreaterThanOrEqualTo(Duration.ofMillis(800))
          .isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void aConnectionWhoseServerVanishedWithoutAResetIsReconnected(RedisTestServer server) {
    try (FaultProxy proxy = FaultProxy.startFor(server);
        RedisConnector connector =
            connectorVia(proxy, server, Duration.ofMillis(300), Duration.ofMillis(500));
        RedisConnection<String, String> connection = answeringConnection(connector)) {
      long accepted = proxy.acceptedConnections();

      // The old connection stays open and silent: nothing tells Lettuce or TCP that it is dead.
      proxy.abandonConnections();
      assertThatThrownBy(() -> connection.sync().ping())
          .isInstanceOf(RedisException.class)
          .hasMessageContaining("timed out");

      await().atMost(Duration.ofSeconds(15)).until(() -> tryPing(connection));
      assertThat(proxy.acceptedConnections()).isGreaterThan(accepted);
    }
  }

  @Test
  void anIdleConnectionIsNotTakenForADeadOne(RedisTestServer server) {
    try (FaultProxy proxy = FaultProxy.startFor(server);
        RedisConnector connector =
            connectorVia(proxy, server, Duration.ofSeconds(1), Duration.ofSeconds(1));
        RedisConnection<String, String> connection = answeringConnection(connector)) {
      long accepted = proxy.acceptedConnections();

      // Idle for three times the unanswered timeout: the silence that counts starts with a command.
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(5))
          .until(() -> proxy.acceptedConnections() == accepted);

      // A slow answer, but within the timeout: the watch looks at the connection while it waits.
      proxy.latency(Duration.ofMillis(300));
      assertThat(connection.sync().ping()).isEqualTo("PONG");
      assertThat(proxy.acceptedConnections()).isEqualTo(accepted);
    }
  }

  @Test
  void repliesThatKeepComingKeepABusyConnectionOpen(RedisTestServer server) throws Exception {
    try (FaultProxy proxy = FaultProxy.startFor(server);
        RedisConnector connector =
            connectorVia(proxy, server, Duration.ofSeconds(1), Duration.ofSeconds(1));
        RedisConnection<String, String> connection = answeringConnection(connector)) {
      long accepted = proxy.acceptedConnections();
      proxy.latency(Duration.ofMillis(50));

      // For three times the timeout, some command always waits for its reply; replies keep coming.
      List<CompletableFuture<String>> pings = new ArrayList<>();
      long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      while (System.nanoTime() - end < 0) {
        if (pings.size() >= 20) {
          pings.get(pings.size() - 20).get(5, TimeUnit.SECONDS); // 20 in flight at most
        }
        pings.add(connection.async().ping().toCompletableFuture());
      }

      for (CompletableFuture<String> ping : pings) {
        assertThat(ping.get(5, TimeUnit.SECONDS)).isEqualTo("PONG");
      }
      assertThat(proxy.acceptedConnections()).isEqualTo(accepted);
    }
  }

  private static RedisConnector connectorVia(
      FaultProxy proxy, RedisTestServer server, Duration commandTimeout, Duration unanswered) {
    return RedisConnector.create(
        RedisSettings.builder(proxy.proxied(server).uri())
            .commandTimeout(commandTimeout)
            .unansweredTimeout(unanswered)
            .connectTimeout(Duration.ofMillis(500))
            .build());
  }

  /**
   * A connection that has answered a ping. Short timeouts also bound Lettuce's handshake, which a
   * loaded machine can miss (the connect then fails, or the connection drops and reconnects).
   */
  private static RedisConnection<String, String> answeringConnection(RedisConnector connector) {
    RedisConnection<String, String> connection =
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(connector::connect, Objects::nonNull);
    await().atMost(Duration.ofSeconds(30)).until(() -> tryPing(connection));
    return connection;
  }

  private static RedisSettings settingsVia(FaultProxy proxy, RedisTestServer server) {
    return RedisSettings.builder(proxy.proxied(server).uri())
        .commandTimeout(Duration.ofSeconds(3))
        .connectTimeout(Duration.ofMillis(500))
        .build();
  }

  private static boolean isConnected(RedisConnection<?, ?> connection) {
    return tryPing(connection);
  }

  private static boolean tryPing(RedisConnection<?, ?> connection) {
    try {
      return "PONG".equals(connection.async().ping().get(1, TimeUnit.SECONDS));
    } catch (Exception e) {
      return false;
    }
  }
}
