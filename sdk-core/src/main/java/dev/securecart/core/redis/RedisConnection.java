package dev.securecart.core.redis;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/**
 * A Lettuce connection opened by {@link RedisConnector}, seen through the command interfaces that
 * standalone and Cluster connections share, so that SDK code is written once for both. Thread-safe,
 * like the Lettuce connection it wraps: share one per component rather than opening one per call.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class RedisConnection<K, V> implements AutoCloseable {

  private final StatefulConnection<K, V> connection;
  private final RedisClusterAsyncCommands<K, V> async;
  private final RedisClusterCommands<K, V> sync;
  private final boolean cluster;

  RedisConnection(
      StatefulConnection<K, V> connection,
      RedisClusterAsyncCommands<K, V> async,
      RedisClusterCommands<K, V> sync,
      boolean cluster) {
    this.connection = connection;
    this.async = async;
    this.sync = sync;
    this.cluster = cluster;
  }

  /** The asynchronous commands; each returns a future that fails after the command timeout. */
  public RedisClusterAsyncCommands<K, V> async() {
    return async;
  }

  /** The synchronous commands; each blocks for at most the command timeout. */
  public RedisClusterCommands<K, V> sync() {
    return sync;
  }

  /** The underlying Lettuce connection, for what the shared interfaces do not cover. */
  public StatefulConnection<K, V> stateful() {
    return connection;
  }

  /** Whether this connection talks to a Redis Cluster. */
  public boolean isCluster() {
    return cluster;
  }

  /** Whether the connection is open (connected, or reconnecting after a failure). */
  public boolean isOpen() {
    return connection.isOpen();
  }

  @Override
  public void close() {
    connection.close();
  }
}
