package dev.securecart.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fault-injecting TCP proxy for tests: put it between a client and a real server ({@code client →
 * 127.0.0.1:proxy.port() → target}) and, while the test runs, add latency, black-hole the traffic,
 * refuse, drop or reset connections, or cut each connection after a number of bytes. Toxiproxy and
 * netem are not needed; everything is plain blocking Java I/O.
 *
 * <p>Faults apply to traffic in both directions and take effect for the next chunk forwarded on
 * existing connections as well as on new ones. {@link #heal()} removes them all. Thread-safe.
 */
public final class FaultProxy implements AutoCloseable {

  private static final int BUFFER_SIZE = 16 * 1024;

  private final String targetHost;
  private final int targetPort;
  private final ServerSocket listener;
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicLong acceptedConnections = new AtomicLong();

  private volatile long latencyNanos;
  private volatile boolean blackHole;
  private volatile boolean refuseConnections;
  private volatile long cutAfterBytes = -1;
  private volatile boolean closed;

  private FaultProxy(String targetHost, int targetPort, ServerSocket listener) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.listener = listener;
  }

  /** Starts a proxy on a free loopback port that forwards to {@code targetHost:targetPort}. */
  public static FaultProxy start(String targetHost, int targetPort) {
    try {
      ServerSocket listener = new ServerSocket();
      listener.setReuseAddress(true);
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      FaultProxy proxy = new FaultProxy(targetHost, targetPort, listener);
      Thread acceptor =
          new Thread(proxy::acceptLoop, "fault-proxy-accept-" + listener.getLocalPort());
      acceptor.setDaemon(true);
      acceptor.start();
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts a proxy in front of a Redis test server. */
  public static FaultProxy startFor(RedisTestServer server) {
    return start(server.host(), server.port());
  }

  /** The loopback address clients connect to. */
  public String host() {
    return "127.0.0.1";
  }

  /** The port clients connect to. */
  public int port() {
    return listener.getLocalPort();
  }

  /** A copy of {@code server} that points at this proxy instead. */
  public RedisTestServer proxied(RedisTestServer server) {
    return new RedisTestServer(
        host(), port(), server.password(), server.database(), server.tls(), server.source());
  }

  /**
   * Delays every chunk of data by {@code latency} before forwarding it ({@code ZERO} removes it).
   */
  public FaultProxy latency(Duration latency) {
    this.latencyNanos = latency.toNanos();
    return this;
  }

  /**
   * While on, connections are accepted and kept open, but everything they send is read and thrown
   * away: the peer sees a server that has frozen. Turning it off resumes forwarding of new data.
   */
  public FaultProxy blackHole(boolean on) {
    this.blackHole = on;
    return this;
  }

  /** While on, new connections are reset as soon as they are accepted. */
  public FaultProxy refuseConnections(boolean on) {
    this.refuseConnections = on;
    return this;
  }

  /**
   * Each connection forwards at most {@code bytes} bytes (both directions together) and is then
   * reset. A negative value removes the limit.
   */
  public FaultProxy cutAfterBytes(long bytes) {
    this.cutAfterBytes = bytes;
    return this;
  }

  /** Closes every open connection gracefully (FIN to both peers). */
  public void dropConnections() {
    connections.forEach(c -> c.close(false));
  }

  /**
   * Every connection open now stops forwarding for good, in both directions, and is never closed
   * (until the proxy is): its client sees a server that vanished without a reset, as after a
   * network partition or a server replaced behind the same address. New connections are forwarded
   * as usual. Unlike {@link #blackHole}, nothing undoes it.
   */
  public void abandonConnections() {
    connections.forEach(c -> c.abandoned = true);
  }

  /** Resets every open connection (RST to both peers). */
  public void resetConnections() {
    connections.forEach(c -> c.close(true));
  }

  /** Removes every fault; open connections stay open. */
  public FaultProxy heal() {
    latencyNanos = 0;
    blackHole = false;
    refuseConnections = false;
    cutAfterBytes = -1;
    return this;
  }

  /** The number of connections currently open through the proxy. */
  public int openConnections() {
    return connections.size();
  }

  /** The number of connections accepted since the proxy started (refused ones included). */
  public long acceptedConnections() {
    return acceptedConnections.get();
  }

  /** Stops listening and resets every connection. */
  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // Already closed.
    }
    resetConnections();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // the listener was closed
      }
      acceptedConnections.incrementAndGet();
      if (refuseConnections) {
        reset(client);
        continue;
      }
      Socket upstream = new Socket();
      try {
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        upstream.connect(new InetSocketAddress(targetHost, targetPort), 5_000);
      } catch (IOException e) {
        reset(client);
        reset(upstream);
        continue;
      }
      Connection connection = new Connection(client, upstream);
      connections.add(connection);
      connection.start();
    }
  }

  private static void reset(Socket socket) {
    try {
      if (!socket.isClosed()) {
        socket.setSoLinger(true, 0);
        socket.close();
      }
    } catch (IOException ignored) {
      // The socket is gone either way.
    }
  }

  /** One proxied connection: a pump thread per direction. */
  private final class Connection {
    private final Socket client;
    private final Socket upstream;
    private final AtomicLong forwarded = new AtomicLong();
    private volatile boolean finished;
    private volatile boolean abandoned;

    Connection(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void start() {
      startPump(client, upstream, "up");
      startPump(upstream, client, "down");
    }

    private void startPump(Socket from, Socket to, String direction) {
      Thread pump = new Thread(() -> pump(from, to), "fault-proxy-" + port() + "-" + direction);
      pump.setDaemon(true);
      pump.start();
    }

    private void pump(Socket from, Socket to) {
      byte[] buffer = new byte[BUFFER_SIZE];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        while (true) {
          int read = in.read(buffer);
          if (read < 0) {
            if (abandoned) {
              return; // the client must not hear of it: the peer it knew is gone without a trace
            }
            to.shutdownOutput();
            if (from.isOutputShutdown() || to.isInputShutdown()) {
              close(false);
            }
            return;
          }
          if (blackHole || abandoned) {
            continue;
          }
          delay();
          long limit = cutAfterBytes;
          int allowed = read;
          if (limit >= 0) {
            long before = forwarded.getAndAdd(read);
            allowed = (int) Math.max(0, Math.min(read, limit - before));
          }
          if (allowed > 0) {
            out.write(buffer, 0, allowed);
            out.flush();
          }
          if (allowed < read) {
            close(true);
            return;
          }
        }
      } catch (IOException e) {
        if (!abandoned) {
          close(true);
        }
      }
    }

    private void delay() {
      long delay = latencyNanos;
      if (delay <= 0) {
        return;
      }
      // Injecting latency is the point here, so the pump parks until the chunk is due.
      long due = System.nanoTime() + delay;
      for (long left = delay; left > 0; left = due - System.nanoTime()) {
        LockSupport.parkNanos(left);
      }
    }

    void close(boolean withReset) {
      if (finished) {
        return;
      }
      finished = true;
      connections.remove(this);
      if (withReset) {
        reset(client);
        reset(upstream);
      } else {
        try {
          client.close();
        } catch (IOException ignored) {
          // Closing anyway.
        }
        try {
          upstream.close();
        } catch (IOException ignored) {
          // Closing anyway.
        }
      }
    }
  }

  @Override
  public String toString() {
    return "FaultProxy[127.0.0.1:"
        + port()
        + " -> "
        + targetHost
        + ":"
        + targetPort
        + ", latency="
        + TimeUnit.NANOSECONDS.toMillis(latencyNanos)
        + "ms, blackHole="
        + blackHole
        + ", refuse="
        + refuseConnections
        + ", cutAfterBytes="
        + cutAfterBytes
        + "]";
  }
}
