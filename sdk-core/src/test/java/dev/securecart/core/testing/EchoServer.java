package dev.securecart.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A TCP server on a free loopback port that writes back every byte it reads. For proxy tests. */
public final class EchoServer implements AutoCloseable {

  private final ServerSocket listener;

  private EchoServer(ServerSocket listener) {
    this.listener = listener;
  }

  /** Starts the server. */
  public static EchoServer start() {
    try {
      ServerSocket listener = new ServerSocket();
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      EchoServer server = new EchoServer(listener);
      Thread acceptor = new Thread(server::acceptLoop, "echo-accept-" + listener.getLocalPort());
      acceptor.setDaemon(true);
      acceptor.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The port the server listens on. */
  public int port() {
    return listener.getLocalPort();
  }

  private void acceptLoop() {
    while (true) {
      Socket socket;
      try {
        socket = listener.accept();
      } catch (IOException e) {
        return;
      }
      Thread echo = new Thread(() -> echo(socket), "echo-" + socket.getPort());
      echo.setDaemon(true);
      echo.start();
    }
  }

  private static void echo(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      byte[] buffer = new byte[8192];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException ignored) {
      // The peer went away; the test decides whether that was expected.
    }
  }

  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }
}
