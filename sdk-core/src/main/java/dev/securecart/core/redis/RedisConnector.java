package dev.securecart.core.redis;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import dev.securecart.core.internal.UnansweredCommandWatch;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Opens Lettuce connections to the Redis that {@link RedisSettings} describe, with the same
 * production defaults for every Redis-backed part of the SDK:
 *
 * <ul>
 *   <li><b>Commands are never replayed after a reconnect.</b> Lettuce by default buffers commands
 *       while disconnected and re-sends, after reconnecting, those whose reply was lost; for a
 *       rate-limit {@code INCR} or an idempotency script that was already applied, that applies it
 *       twice. Here commands issued while disconnected fail at once ({@code
 *       DisconnectedBehavior.REJECT_COMMANDS}) and commands in flight when the connection dropped
 *       fail instead of being replayed. Callers see a failure and decide; nothing happens twice
 *       behind their back.
 *   <li>Every command has a timeout ({@link RedisSettings#commandTimeout()}), connects have one
 *       too, the request queue is bounded, and TCP keepalive finds dead peers.
 *   <li>Reconnects happen automatically, with Lettuce's backoff.
 *   <li>For a Cluster, the topology is refreshed periodically and on every adaptive trigger
 *       (MOVED/ASK redirects, reconnects, unknown nodes), so a failover is followed within moments.
 * </ul>
 *
 * <p>One connector owns one Lettuce client and its threads; {@link #close()} releases them. Open
 * few connections and share them: Lettuce connections are thread-safe and pipeline concurrent
 * commands. This class is thread-safe.
 */
public final class RedisConnector implements AutoCloseable {

  private final RedisSettings settings;
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final List<RedisURI> redisUris;

  private RedisConnector(RedisSettings settings) {
    this.settings = settings;
    this.redisUris = new ArrayList<>();
    for (String uri : settings.uris()) {
      RedisURI redisUri = RedisURI.create(uri);
      redisUri.setTimeout(settings.commandTimeout());
      settings.clientName().ifPresent(redisUri::setClientName);
      redisUris.add(redisUri);
    }
    this.resources =
        DefaultClientResources.builder()
            .nettyCustomizer(UnansweredCommandWatch.customizer(settings.unansweredTimeout()))
            .build();
    if (settings.isCluster()) {
      RedisClusterClient cluster = RedisClusterClient.create(resources, redisUris);
      cluster.setOptions(clusterOptions(settings));
      this.client = cluster;
    } else {
      RedisClient standalone = RedisClient.create(resources);
      standalone.setOptions(clientOptions(settings));
      this.client = standalone;
    }
  }

  /**
   * Creates a connector; no connection is opened until one is asked for.
   *
   * @param settings where Redis is and how to behave
   * @return the connector
   */
  public static RedisConnector create(RedisSettings settings) {
    requireNonNull(settings, "settings");
    return new RedisConnector(settings);
  }

  /** The settings this connector was created with. */
  public RedisSettings settings() {
    return settings;
  }

  /** Whether this connector talks to a Redis Cluster. */
  public boolean isCluster() {
    return settings.isCluster();
  }

  /**
   * Opens a connection with string keys and values.
   *
   * @return an open connection
   * @throws io.lettuce.core.RedisConnectionException if Redis cannot be reached
   */
  public RedisConnection<String, String> connect() {
    return connect(StringCodec.UTF8);
  }

  /**
   * Opens a connection whose keys and values pass through {@code codec}.
   *
   * @param codec the codec
   * @return an open connection
   * @throws io.lettuce.core.RedisConnectionException if Redis cannot be reached
   */
  public <K, V> RedisConnection<K, V> connect(RedisCodec<K, V> codec) {
    requireNonNull(codec, "codec");
    if (client instanceof RedisClusterClient cluster) {
      StatefulRedisClusterConnection<K, V> connection = cluster.connect(codec);
      return new RedisConnection<>(connection, connection.async(), connection.sync(), true);
    }
    StatefulRedisConnection<K, V> connection =
        ((RedisClient) client).connect(codec, redisUris.get(0));
    return new RedisConnection<>(connection, connection.async(), connection.sync(), false);
  }

  /**
   * Opens a publish/subscribe connection. On a Cluster, messages published on any node reach a
   * subscriber connected to any node (Redis broadcasts {@code PUBLISH} across the cluster).
   * Subscriptions are re-established after a reconnect, but messages published while disconnected
   * are lost: listen with {@link #addConnectionListener} and treat a reconnect as "may have missed
   * messages".
   *
   * @param codec the codec for channels and messages
   * @return an open connection
   * @throws io.lettuce.core.RedisConnectionException if Redis cannot be reached
   */
  public <K, V> StatefulRedisPubSubConnection<K, V> connectPubSub(RedisCodec<K, V> codec) {
    requireNonNull(codec, "codec");
    if (client instanceof RedisClusterClient cluster) {
      return cluster.connectPubSub(codec);
    }
    return ((RedisClient) client).connectPubSub(codec, redisUris.get(0));
  }

  /**
   * Registers a listener for connects, disconnects and reconnects of every connection this
   * connector opens.
   *
   * @param listener the listener; it runs on Lettuce's I/O threads and must return quickly
   */
  public void addConnectionListener(RedisConnectionStateListener listener) {
    requireNonNull(listener, "listener");
    client.addListener(listener);
  }

  /** The underlying Lettuce client, for what this class does not cover. */
  public AbstractRedisClient client() {
    return client;
  }

  /** Closes every connection this connector opened and releases its threads. */
  @Override
  public void close() {
    client.shutdown(0, 2, TimeUnit.SECONDS);
    // Waiting for the threads to stop keeps a closed connector from leaking them into the next
    // test.
    resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  @Override
  public String toString() {
    return "RedisConnector[" + settings + "]";
  }

  private static SocketOptions socketOptions(RedisSettings settings) {
    return SocketOptions.builder()
        .connectTimeout(settings.connectTimeout())
        .keepAlive(
            SocketOptions.KeepAliveOptions.builder()
                .enable()
                .idle(settings.keepAliveIdle())
                .interval(settings.keepAliveIdle().dividedBy(3))
                .count(3)
                .build())
        .tcpNoDelay(true)
        .build();
  }

  private static ClientOptions clientOptions(RedisSettings settings) {
    return ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .replayFilter(command -> true)
        .requestQueueSize(settings.requestQueueSize())
        .socketOptions(socketOptions(settings))
        .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
        .build();
  }

  private static ClusterClientOptions clusterOptions(RedisSettings settings) {
    ClusterClientOptions.Builder builder =
        ClusterClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .requestQueueSize(settings.requestQueueSize())
            .socketOptions(socketOptions(settings))
            .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
            .topologyRefreshOptions(
                ClusterTopologyRefreshOptions.builder()
                    .enablePeriodicRefresh(settings.topologyRefreshPeriod())
                    .enableAllAdaptiveRefreshTriggers()
                    .adaptiveRefreshTriggersTimeout(Duration.ofMillis(500))
                    .build());
    // replayFilter is declared on the base builder only, so it cannot sit in the chain above.
    builder.replayFilter(command -> true);
    return builder.build();
  }
}
