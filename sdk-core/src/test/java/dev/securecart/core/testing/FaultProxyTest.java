package dev.securecart.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class FaultProxyTest {

  private EchoServer echo;
  private FaultProxy proxy;

  @BeforeEach
  void start() {
    echo = EchoServer.start();
    proxy = FaultProxy.start("127.0.0.1", echo.port());
  }

  @AfterEach
  void stop() {
    proxy.close();
    echo.close();
  }

  @Test
  void forwardsBothWaysWhenHealthy() throws IOException {
    try (Socket socket = connect()) {
      assertThat(roundTrip(socket, "hello")).isEqualTo("hello");
    }
  }

  @Test
  void latencyDelaysEveryChunkInBothDirections() throws IOException {
    proxy.latency(Duration.ofMillis(150));
    try (Socket socket = connect()) {
      long started = System.nanoTime();
      assertThat(roundTrip(socket, "slow")).isEqualTo("slow");
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      // One delay on the way in and one on the way out.
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }
  }

  @Test
  void blackHoleSwallowsTrafficAndKeepsTheConnectionOpen() throws IOException {
    try (Socket socket = connect()) {
      proxy.blackHole(true);
      socket.getOutputStream().write("lost".getBytes(StandardCharsets.US_ASCII));
      socket.setSoTimeout(300);

      assertThatThrownBy(() -> socket.getInputStream().read())
          .isInstanceOf(SocketTimeoutException.class);
      assertThat(proxy.openConnections()).isEqualTo(1);

      proxy.blackHole(false);
      socket.setSoTimeout(5_000);
      assertThat(roundTrip(socket, "back")).isEqualTo("back");
    }
  }

  @Test
  void resetConnectionsResetsOpenConnections() throws IOException {
    try (Socket socket = connect()) {
      assertThat(roundTrip(socket, "a")).isEqualTo("a");

      proxy.resetConnections();

      assertThatThrownBy(() -> readAfterFault(socket))
          .isInstanceOf(SocketException.class)
          .hasMessageContaining("reset");
    }
  }

  @Test
  void dropConnectionsClosesOpenConnectionsGracefully() throws IOException {
    try (Socket socket = connect()) {
      assertThat(roundTrip(socket, "a")).isEqualTo("a");

      proxy.dropConnections();

      assertThat(readAfterFault(socket)).isEqualTo(-1);
    }
  }

  @Test
  void refusedConnectionsAreResetAtOnceAndHealingLetsThemIn() throws IOException {
    proxy.refuseConnections(true);
    try (Socket socket = connect()) {
      assertThatThrownBy(() -> readAfterFault(socket))
          .isInstanceOf(SocketException.class)
          .hasMessageContaining("reset");
    }
    await().until(() -> proxy.acceptedConnections() == 1);

    proxy.heal();
    try (Socket socket = connect()) {
      assertThat(roundTrip(socket, "in")).isEqualTo("in");
    }
  }

  @Test
  void cutAfterBytesForwardsThatManyBytesThenResets() throws IOException {
    // "abcd" up and "abcd" echoed down use 8 of the 10 bytes; "efgh" exhausts the budget.
    proxy.cutAfterBytes(10);
    try (Socket socket = connect()) {
      assertThat(roundTrip(socket, "abcd")).isEqualTo("abcd");

      socket.getOutputStream().write("efgh".getBytes(StandardCharsets.US_ASCII));

      assertThatThrownBy(() -> socket.getInputStream().read())
          .isInstanceOf(SocketException.class)
          .hasMessageContaining("reset");
    }
    await().until(() -> proxy.openConnections() == 0);
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket(proxy.host(), proxy.port());
    socket.setSoTimeout(5_000);
    return socket;
  }

  private static String roundTrip(Socket socket, String message) throws IOException {
    byte[] bytes = message.getBytes(StandardCharsets.US_ASCII);
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    byte[] reply = socket.getInputStream().readNBytes(bytes.length);
    return new String(reply, StandardCharsets.US_ASCII);
  }

  /** Returns what the next read gives; a reset connection throws instead. */
  private static int readAfterFault(Socket socket) throws IOException {
    socket.setSoTimeout(5_000);
    return socket.getInputStream().read();
  }
}
