package dev.securecart.core.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;
import org.jspecify.annotations.Nullable;

/**
 * A minimal blocking RESP2 client for the fixtures themselves: probing, cluster formation and key
 * cleanup. It depends on nothing but the JDK so that the fixtures never depend on the client
 * library under test. Not thread-safe; one instance per thread.
 */
public final class RespClient implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RespClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = new BufferedOutputStream(socket.getOutputStream());
  }

  /** Connects to {@code host:port} without TLS, authentication or database selection. */
  public static RespClient connect(String host, int port, Duration timeout) {
    return connect(
        new RedisTestServer(host, port, null, 0, false, RedisTestServer.Source.GIVEN), timeout);
  }

  /** Connects to the server, authenticating and selecting its database where it says so. */
  public static RespClient connect(RedisTestServer server, Duration timeout) {
    Socket socket = null;
    try {
      socket = server.tls() ? SSLSocketFactory.getDefault().createSocket() : new Socket();
      socket.connect(new InetSocketAddress(server.host(), server.port()), (int) timeout.toMillis());
      socket.setSoTimeout((int) Math.max(timeout.toMillis(), 1));
      socket.setTcpNoDelay(true);
      RespClient client = new RespClient(socket);
      String password = server.password();
      if (password != null) {
        client.call("AUTH", password);
      }
      if (server.database() != 0) {
        client.call("SELECT", Integer.toString(server.database()));
      }
      return client;
    } catch (IOException e) {
      closeQuietly(socket);
      throw new UncheckedIOException(
          "cannot connect to Redis at "
              + server.host()
              + ":"
              + server.port()
              + ": "
              + e.getMessage(),
          e);
    } catch (RuntimeException e) {
      closeQuietly(socket);
      throw e;
    }
  }

  /**
   * Returns whether a Redis server at {@code host:port} answers {@code PING} within the timeout.
   */
  public static boolean answersPing(RedisTestServer server, Duration timeout) {
    try (RespClient client = connect(server, timeout)) {
      return "PONG".equals(client.call("PING"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * Sends one command and returns its reply: a {@code String} for simple and bulk strings, a {@code
   * Long} for integers, a {@code List<Object>} for arrays and {@code null} for a nil reply.
   *
   * @throws RespException if the server answers with an error
   */
  public @Nullable Object call(String... args) {
    try {
      writeCommand(args);
      out.flush();
      return readReply();
    } catch (IOException e) {
      throw new UncheckedIOException("Redis command " + args[0] + " failed: " + e.getMessage(), e);
    }
  }

  /** Sends one command whose reply is a string (bulk or simple) and returns it, never null. */
  public String callString(String... args) {
    Object reply = call(args);
    if (reply instanceof String string) {
      return string;
    }
    throw new IllegalStateException(args[0] + " answered " + reply + ", expected a string");
  }

  /** Sends one command whose reply is an array and returns it. */
  @SuppressWarnings("unchecked")
  public List<Object> callList(String... args) {
    Object reply = call(args);
    if (!(reply instanceof List)) {
      throw new IllegalStateException(args[0] + " answered " + reply + ", expected an array");
    }
    return (List<Object>) reply;
  }

  private void writeCommand(String... args) throws IOException {
    writeLine("*" + args.length);
    for (String arg : args) {
      byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
      writeLine("$" + bytes.length);
      out.write(bytes);
      out.write('\r');
      out.write('\n');
    }
  }

  private void writeLine(String line) throws IOException {
    out.write(line.getBytes(StandardCharsets.US_ASCII));
    out.write('\r');
    out.write('\n');
  }

  private @Nullable Object readReply() throws IOException {
    int type = in.read();
    if (type < 0) {
      throw new IOException("connection closed by the server");
    }
    String line = readLine();
    return switch (type) {
      case '+' -> line;
      case '-' -> throw new RespException(line);
      case ':' -> Long.parseLong(line);
      case '$' -> readBulk(Integer.parseInt(line));
      case '*' -> readArray(Integer.parseInt(line));
      default -> throw new IOException("unexpected RESP type byte " + type);
    };
  }

  private @Nullable String readBulk(int length) throws IOException {
    if (length < 0) {
      return null;
    }
    byte[] data = in.readNBytes(length);
    readLine();
    return new String(data, StandardCharsets.UTF_8);
  }

  private @Nullable List<@Nullable Object> readArray(int count) throws IOException {
    if (count < 0) {
      return null;
    }
    List<@Nullable Object> items = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      items.add(readReply());
    }
    return items;
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed mid-reply");
      }
      if (b == '\r') {
        int lf = in.read();
        if (lf != '\n') {
          throw new IOException("malformed RESP line ending");
        }
        return line.toString(StandardCharsets.UTF_8);
      }
      line.write(b);
    }
  }

  @Override
  public void close() {
    closeQuietly(socket);
  }

  private static void closeQuietly(@Nullable Socket socket) {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Closing a fixture connection: nothing useful to do with a failure here.
      }
    }
  }

  /** An error reply from the server ({@code -ERR …}). */
  public static final class RespException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RespException(String message) {
      super(message);
    }
  }
}
