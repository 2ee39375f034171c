package dev.securecart.cache.redis;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

import dev.securecart.cache.CacheException;
import dev.securecart.cache.Invalidation;
import dev.securecart.cache.InvalidationBus;
import dev.securecart.cache.InvalidationListener;
import dev.securecart.core.internal.LogThrottle;
import dev.securecart.core.redis.RedisConnection;
import dev.securecart.core.redis.RedisConnector;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link InvalidationBus} on Redis pub/sub: publishing on one connection, subscribed on another,
 * both from the caller's {@link RedisConnector}.
 *
 * <ul>
 *   <li>Standalone Redis: {@code PUBLISH} and {@code SUBSCRIBE}.
 *   <li>Redis Cluster 7.0 or later: sharded pub/sub, {@code SPUBLISH} and {@code SSUBSCRIBE}. The
 *       channel hashes to one slot; every node's subscriber and every publish go to the node that
 *       serves it, so a message never crosses the cluster bus. (Classic {@code PUBLISH} on a
 *       Cluster is broadcast node to node over the cluster bus, which held messages for up to 40 ms
 *       on a local Cluster; sharded delivery has the latency of a standalone server.) When the slot
 *       moves, Redis ends the subscription and the bus subscribes again at the new owner; when its
 *       master dies, the bus subscribes at the replica that takes over as soon as Lettuce's
 *       topology refresh names it, asking for refreshes itself while the master is down.
 *   <li>Redis Cluster before 7.0 (no {@code SSUBSCRIBE}): classic pub/sub, logged once at INFO. The
 *       subscription sits on Lettuce's default connection; when its node dies, Lettuce reconnects
 *       that connection to another node and subscribes again.
 * </ul>
 *
 * <p>Pub/sub forgets what it publishes while a subscriber is away. Lettuce reconnects and
 * subscribes again by itself; this bus notices the second subscription confirmation on its channel
 * and calls {@link InvalidationListener#onMessagesPossiblyLost()}, logging the reconnect once at
 * WARN, so that caches drop what they may have missed.
 *
 * <p>Messages are {@link Invalidation#encode()} strings. Thread-safe; {@link #close()} closes the
 * two connections, not the connector.
 */
public final class RedisInvalidationBus implements InvalidationBus {

  private static final Logger logger = LoggerFactory.getLogger(RedisInvalidationBus.class);

  /** The longest wait between attempts to subscribe again after Redis ended a subscription. */
  private static final long RESUBSCRIBE_MAX_DELAY_MILLIS = 1000;

  /** How long after a reconnect the bus waits for Lettuce's own resubscription to be confirmed. */
  private static final long CONFIRMATION_WINDOW_MILLIS = 2000;

  /** How often a sharded bus compares the channel's master with the one it subscribed at. */
  private static final long OWNER_CHECK_MILLIS = 250;

  /** How often a sharded bus asks for a topology refresh while the channel's master is down. */
  private static final long DOWN_REFRESH_MILLIS = 500;

  /** How often the bus pings the connection that carries its subscription. */
  private static final long HEARTBEAT_MILLIS = 1000;

  private final String channel;
  private final RedisConnection<String, String> publisher;
  private final StatefulRedisPubSubConnection<String, String> subscriber;
  private final List<InvalidationListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean subscribedOnce = new AtomicBoolean();
  private final AtomicLong resubscriptions = new AtomicLong();

  /** Messages on the channel that could not be read: warned of at most once a minute. */
  private final LogThrottle unreadable = new LogThrottle(Duration.ofMinutes(1));

  private final @Nullable RedisClusterClient cluster;
  private final AbstractRedisClient client;

  /** Lettuce's event executors, for the bus's own timers. */
  private final ScheduledExecutorService scheduler;

  private final int slot;
  private volatile boolean sharded;
  private volatile boolean closed;

  /** The id of the master the sharded subscription was sent to; null before, or not sharded. */
  private volatile @Nullable String owner;

  /**
   * The node connection that carries the sharded subscription (Lettuce keeps one per node), for the
   * {@link ConnectionWatch}; null before it is known, or not sharded.
   */
  private volatile @Nullable StatefulRedisPubSubConnection<String, String> ownerConnection;

  /** The node the bus unsubscribed from after following its channel elsewhere, if any. */
  private volatile @Nullable String left;

  private volatile @Nullable Future<?> ownerCheck;

  private volatile @Nullable Future<?> heartbeat;

  /** The refresh the owner check last asked for, or null; only the owner check uses it. */
  private @Nullable CompletableFuture<Void> downRefresh;

  /** When the owner check last asked for a topology refresh; only the owner check uses it. */
  private long lastDownRefresh =
      System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(DOWN_REFRESH_MILLIS);

  /**
   * Set when the subscriber connection drops, cleared by the next subscription confirmation. Still
   * set a while after the reconnect means Lettuce's own resubscribe was refused (it only logs
   * that).
   */
  private volatile boolean awaitingConfirmation;

  private final ConnectionWatch connectionWatch = new ConnectionWatch();

  private RedisInvalidationBus(
      String channel,
      RedisConnection<String, String> publisher,
      StatefulRedisPubSubConnection<String, String> subscriber,
      AbstractRedisClient client) {
    this.channel = channel;
    this.publisher = publisher;
    this.subscriber = subscriber;
    this.client = client;
    this.cluster = client instanceof RedisClusterClient c ? c : null;
    this.scheduler = client.getResources().eventExecutorGroup();
    this.slot = SlotHash.getSlot(channel);
  }

  /**
   * Opens the bus: connects, subscribes to {@code channel} and returns once subscribed.
   *
   * @param connector the connector (standalone or Cluster)
   * @param channel the channel every node of the caches uses
   * @return the bus
   * @throws CacheException if Redis cannot be reached
   */
  public static RedisInvalidationBus create(RedisConnector connector, String channel) {
    return open(connector, channel, true);
  }

  /**
   * Opens a bus that uses classic pub/sub even on a Cluster that has sharded pub/sub: what a
   * Cluster before Redis 7.0 gets, for tests on the local 7.x Cluster.
   */
  static RedisInvalidationBus createClassic(RedisConnector connector, String channel) {
    return open(connector, channel, false);
  }

  private static RedisInvalidationBus open(
      RedisConnector connector, String channel, boolean shardedIfAvailable) {
    requireNonNull(connector, "connector");
    requireNonNull(channel, "channel");
    requireArgument(!channel.isEmpty(), "channel must not be empty");
    RedisConnection<String, String> publisher = null;
    StatefulRedisPubSubConnection<String, String> subscriber = null;
    RedisInvalidationBus bus = null;
    try {
      publisher = connector.connect();
      subscriber = connector.connectPubSub(StringCodec.UTF8);
      bus = new RedisInvalidationBus(channel, publisher, subscriber, connector.client());
      subscriber.addListener(bus.new Listener());
      connector.client().addListener(bus.connectionWatch);
      if (subscriber instanceof StatefulRedisClusterPubSubConnection<String, String> nodes) {
        nodes.addListener(bus.new NodeListener());
      }
      bus.subscribe(shardedIfAvailable);
      bus.startHeartbeat();
      return bus;
    } catch (RuntimeException e) {
      // Whatever failed, the connections opened so far are closed and the listener registered on
      // the connector's client is removed, not leaked: a service may retry at startup.
      if (bus != null) {
        bus.close();
      } else {
        if (subscriber != null) {
          subscriber.close();
        }
        if (publisher != null) {
          publisher.close();
        }
      }
      if (e instanceof RedisException) {
        throw new CacheException("redis-bus", "cannot subscribe the invalidation bus", e);
      }
      throw e;
    }
  }

  private void subscribe(boolean shardedIfAvailable) {
    if (cluster != null && shardedIfAvailable) {
      try {
        sharded = true;
        owner = currentOwner();
        subscriber.sync().ssubscribe(channel);
        watchOwnerConnection();
        scheduleOwnerCheck();
        // Said once per bus: nodes on different transports do not hear each other (see README).
        logger.info("Invalidation bus on channel {} uses sharded pub/sub (SPUBLISH)", channel);
        return;
      } catch (RedisCommandExecutionException e) {
        if (!isUnknownCommand(e)) {
          throw e;
        }
        sharded = false;
        logger.info(
            "Redis Cluster has no sharded pub/sub (before 7.0); invalidation bus on channel {} uses"
                + " PUBLISH, which the cluster bus relays between nodes",
            channel);
      }
    }
    subscriber.sync().subscribe(channel);
  }

  /**
   * Watches which master serves the channel's slot. When it dies, Redis sends nothing: the
   * subscription simply stops, and Lettuce keeps reconnecting to the dead node. Once Lettuce's
   * topology refresh (periodic, or set off by those reconnects) names another master, the bus
   * subscribes there.
   */
  private void scheduleOwnerCheck() {
    ownerCheck =
        scheduler.scheduleWithFixedDelay(
            this::checkOwner, OWNER_CHECK_MILLIS, OWNER_CHECK_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void checkOwner() {
    try {
      refreshWhileOwnerIsDown();
      watchOwnerConnection();
      String now = currentOwner();
      String before = owner;
      if (!closed && now != null && !now.equals(before)) {
        owner = now;
        logger.warn(
            "The master serving channel {} changed (node {} to {}); subscribing at the new one",
            channel,
            before,
            now);
        resubscribeSharded(1, before);
      }
    } catch (RuntimeException e) {
      // Never let an exception cancel the periodic check.
      logger.debug("Checking the master of channel {} failed", channel, e);
    }
  }

  private void startHeartbeat() {
    heartbeat =
        scheduler.scheduleWithFixedDelay(
            this::heartbeat, HEARTBEAT_MILLIS, HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * Pings the connection that carries the subscription. A subscriber only reads, so a server gone
   * without a reset (a network partition, a Redis pod replaced behind the same address) would leave
   * it looking alive, and every invalidation lost, until TCP keepalive gives up: about 30 s with
   * the connector's defaults, for good behind a proxy that stays up. An unanswered ping lets the
   * connector's unanswered-command watch close the connection after its {@code unansweredTimeout};
   * Lettuce reconnects, the subscription is renewed, and the caches drop what they may have missed.
   */
  @SuppressWarnings("FutureReturnValueIgnored") // a failed ping is what the watch acts on
  private void heartbeat() {
    StatefulRedisPubSubConnection<String, String> watched = sharded ? ownerConnection : subscriber;
    if (closed || watched == null || !watched.isOpen()) {
      return; // disconnected: Lettuce is reconnecting, and the confirmation reports the gap
    }
    try {
      watched
          .async()
          .ping()
          .whenComplete(
              (pong, error) -> {
                if (error != null) {
                  logger.debug("Pinging the subscription of channel {} failed", channel, error);
                }
              });
    } catch (RuntimeException e) {
      // Never let an exception cancel the periodic ping.
      logger.debug("Pinging the subscription of channel {} failed", channel, e);
    }
  }

  /**
   * Lettuce refreshes the topology on its own reconnect attempts, and those back off to seconds
   * apart while a dead master waits for the cluster to promote its replica, so the promotion would
   * be noticed up to two seconds late, with every invalidation published meanwhile lost to this
   * node. While the connection to the channel's master is down the bus asks for a refresh itself,
   * every {@link #DOWN_REFRESH_MILLIS}, and follows the channel within a fraction of a second.
   */
  @SuppressWarnings("FutureReturnValueIgnored") // a failed refresh is retried on the next check
  private void refreshWhileOwnerIsDown() {
    StatefulRedisPubSubConnection<String, String> connection = ownerConnection;
    RedisClusterClient client = cluster;
    long now = System.nanoTime();
    if (connection == null
        || client == null
        || connection.isOpen()
        || now - lastDownRefresh < TimeUnit.MILLISECONDS.toNanos(DOWN_REFRESH_MILLIS)
        || client.isTopologyRefreshInProgress()
        || (downRefresh != null && !downRefresh.isDone())) {
      // One at a time: against an unreachable host a refresh lasts its connect timeout, and a
      // slow one holding the view from before the promotion could land after a newer one.
      return;
    }
    lastDownRefresh = now;
    downRefresh = client.refreshPartitionsAsync().toCompletableFuture();
    downRefresh.whenComplete(
        (ignored, error) -> {
          if (error != null) {
            logger.debug("Refreshing the topology for channel {} failed", channel, error);
          }
        });
  }

  /**
   * Notes the connection through which Lettuce reaches the channel's master, where the sharded
   * subscription lives, when none is noted yet or the noted one is closed. A closed one that
   * Lettuce has replaced means the node kept its id but moved to another address (a restarted pod),
   * and the subscription, which was on the old connection, is gone: the bus subscribes again.
   */
  @SuppressWarnings("FutureReturnValueIgnored") // a failure is retried on the next owner check
  private void watchOwnerConnection() {
    String current = owner;
    StatefulRedisPubSubConnection<String, String> watched = ownerConnection;
    if (current == null
        || (watched != null && watched.isOpen())
        || !(subscriber instanceof StatefulRedisClusterPubSubConnection<String, String> nodes)) {
      return;
    }
    CompletableFuture<StatefulRedisPubSubConnection<String, String>> connection =
        nodeConnection(nodes, current);
    if (connection == null) {
      return;
    }
    connection.thenAccept(
        now -> {
          if (closed || now == watched || !current.equals(owner)) {
            return; // the same connection, reconnecting (or not yet): the watch covers it
          }
          ownerConnection = now;
          if (watched != null) {
            logger.warn(
                "Lettuce replaced its connection to the master serving channel {}; subscribing"
                    + " again",
                channel);
            resubscribeSharded(1, null);
          }
        });
  }

  /** The wait before subscription attempt {@code attempt + 1}: 100 ms doubling, at most 1 s. */
  private static long retryDelayMillis(int attempt) {
    return Math.min(RESUBSCRIBE_MAX_DELAY_MILLIS, 50L << Math.min(attempt, 5));
  }

  private @Nullable String currentOwner() {
    RedisClusterClient client = cluster;
    if (client == null) {
      return null;
    }
    RedisClusterNode master = client.getPartitions().getMasterBySlot(slot);
    return master == null ? null : master.getNodeId();
  }

  private static boolean isUnknownCommand(RedisCommandExecutionException e) {
    String message = e.getMessage();
    return message != null && message.toLowerCase(Locale.ROOT).contains("unknown command");
  }

  /** The channel. */
  public String channel() {
    return channel;
  }

  /**
   * Whether the bus uses sharded pub/sub ({@code SPUBLISH}/{@code SSUBSCRIBE}): on a Redis Cluster
   * 7.0 or later.
   */
  public boolean isSharded() {
    return sharded;
  }

  /**
   * How often the subscription was re-established after a disconnect (counted after the listeners
   * were told).
   */
  public long resubscriptions() {
    return resubscriptions.get();
  }

  @Override
  public CompletableFuture<Void> publish(Invalidation invalidation) {
    requireNonNull(invalidation, "invalidation");
    try {
      String message = invalidation.encode();
      return (sharded
              ? publisher.async().spublish(channel, message)
              : publisher.async().publish(channel, message))
          .toCompletableFuture()
          .thenApply(receivers -> null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public Subscription subscribe(InvalidationListener listener) {
    requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public void close() {
    closed = true;
    client.removeListener(connectionWatch);
    for (Future<?> timer : new Future<?>[] {ownerCheck, heartbeat}) {
      if (timer != null) {
        timer.cancel(false);
      }
    }
    listeners.clear();
    subscriber.close();
    publisher.close();
  }

  @Override
  public String toString() {
    return "RedisInvalidationBus[" + channel + (sharded ? ", sharded]" : "]");
  }

  private final class Listener extends RedisPubSubAdapter<String, String> {
    @Override
    public void message(String from, String message) {
      deliver(from, message);
    }

    @Override
    public void smessage(String from, String message) {
      deliver(from, message);
    }

    @Override
    public void subscribed(String to, long count) {
      confirmed(to);
    }

    @Override
    public void ssubscribed(String to, long count) {
      confirmed(to);
    }

    private void deliver(String from, String message) {
      if (!channel.equals(from)) {
        return;
      }
      Invalidation invalidation = decode(message);
      if (invalidation != null) {
        forEachListener(listener -> listener.onInvalidation(invalidation));
      } else {
        // It may have been an invalidation (a newer format during a rolling deploy, say) of any
        // cache on the channel: treated as lost, so the caches drop what it may have ended.
        forEachListener(InvalidationListener::onMessagesPossiblyLost);
      }
    }

    private @Nullable Invalidation decode(String message) {
      try {
        return Invalidation.decode(message);
      } catch (IllegalArgumentException e) {
        long count = unreadable.record(System.nanoTime());
        if (count > 0) {
          logger.warn(
              "Invalidation bus on channel {} got {} message(s) it could not read ({}); each is"
                  + " treated as a lost invalidation (reported at most once a minute)",
              channel,
              count,
              e.getMessage());
        }
        return null;
      }
    }

    private void confirmed(String to) {
      if (!channel.equals(to)) {
        return;
      }
      awaitingConfirmation = false;
      if (subscribedOnce.compareAndSet(false, true)) {
        return;
      }
      logger.warn(
          "Invalidation bus on channel {} subscribed again after a disconnect; messages published"
              + " meanwhile are lost",
          channel);
      forEachListener(InvalidationListener::onMessagesPossiblyLost);
      // Counted once the listeners have acted, so that whoever sees the count sees its effect.
      resubscriptions.incrementAndGet();
    }
  }

  /**
   * Watches the subscriber connection. Lettuce subscribes again by itself after a reconnect, but
   * when Redis refuses that (an error reply: {@code -NOPERM} after an ACL change, {@code -BUSY}
   * during a long script, {@code -CLUSTERDOWN}) it only logs it, and the bus would stay subscribed
   * nowhere, publishing fine and hearing nothing, until the next disconnect. So a reconnect that is
   * not followed by a confirmation within {@link #CONFIRMATION_WINDOW_MILLIS} makes the bus
   * subscribe itself, retrying until Redis accepts; the confirmation then reports the gap. The
   * connection watched is the subscriber's own one, or on a sharded bus the connection to the node
   * that serves the channel (the subscriber's own one then carries no subscription).
   */
  private final class ConnectionWatch implements RedisConnectionStateListener {
    @Override
    public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
      if (isWatched(connection)) {
        awaitingConfirmation = true;
      }
    }

    @Override
    @SuppressWarnings("FutureReturnValueIgnored") // checkConfirmed handles its own failures
    public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
      if (isWatched(connection) && !closed) {
        scheduler.schedule(
            () -> checkConfirmed(1), CONFIRMATION_WINDOW_MILLIS, TimeUnit.MILLISECONDS);
      }
    }
  }

  private boolean isWatched(RedisChannelHandler<?, ?> connection) {
    return sharded ? connection == ownerConnection : connection == subscriber;
  }

  @SuppressWarnings("FutureReturnValueIgnored") // failures are handled in whenComplete
  private void checkConfirmed(int attempt) {
    StatefulRedisPubSubConnection<String, String> watched = sharded ? ownerConnection : subscriber;
    if (closed || !awaitingConfirmation || watched == null || !watched.isOpen()) {
      return; // confirmed, or disconnected again (the next reconnect checks again)
    }
    if (attempt == 1) {
      logger.warn(
          "Invalidation bus on channel {} was not subscribed again after a reconnect (Redis"
              + " refused it); subscribing until it accepts",
          channel);
    }
    if (sharded) {
      resubscribeSharded(1, null); // retries by itself
      return;
    }
    CompletableFuture<Void> done;
    try {
      done = subscriber.async().subscribe(channel).toCompletableFuture();
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    done.whenComplete(
        (ignored, error) -> {
          if (error != null && !closed) {
            logger.debug("Subscribing to channel {} failed; retrying", channel, error);
            scheduler.schedule(
                () -> checkConfirmed(attempt + 1),
                retryDelayMillis(attempt),
                TimeUnit.MILLISECONDS);
          }
        });
  }

  /** Sharded subscriptions end per node, so on a Cluster the bus needs to know which node. */
  private final class NodeListener extends RedisClusterPubSubAdapter<String, String> {
    @Override
    public void ssubscribed(RedisClusterNode node, String to, long count) {
      if (!channel.equals(to) || closed || node == null) {
        return;
      }
      String id = node.getNodeId();
      if (id != null && id.equals(left) && !id.equals(owner)) {
        // The node the bus left was down then, so the unsubscribe failed, and Lettuce subscribed
        // there again when it came back (as a replica, which serves the channel too): leave again,
        // or every message would arrive twice from now on. Subscribed at the owner first, then
        // left, so that a subscription that a stale topology routed there is never the last one.
        resubscribeSharded(1, id);
      }
    }

    @Override
    public void sunsubscribed(RedisClusterNode node, String from, long count) {
      if (!channel.equals(from) || closed) {
        return;
      }
      if (node != null && node.getNodeId().equals(left)) {
        return; // the bus left that node itself after following the channel elsewhere
      }
      // Redis ended the subscription because the channel's slot moved to another node
      // (resharding, failover). Subscribe again; the topology refresh that the move triggers
      // routes it to the new owner, and the confirmation reports the possible loss.
      logger.warn(
          "Redis ended the sharded subscription to channel {} (its slot moved); subscribing again",
          channel);
      resubscribeSharded(1, null);
    }
  }

  /** Tells every listener; one that throws is logged and skipped, never stops the others. */
  private void forEachListener(Consumer<InvalidationListener> action) {
    for (InvalidationListener listener : listeners) {
      try {
        action.accept(listener);
      } catch (RuntimeException e) {
        logger.warn("An invalidation listener threw; ignoring it", e);
      }
    }
  }

  /**
   * Subscribes again at the channel's master, retrying until it succeeds or the bus closes; then
   * leaves {@code previous}, the node the bus was subscribed at, if the channel is no longer there.
   */
  @SuppressWarnings("FutureReturnValueIgnored") // failures are handled in whenComplete
  private void resubscribeSharded(int attempt, @Nullable String previous) {
    if (closed) {
      return;
    }
    // Where Lettuce routes the subscription: the slot's master in its topology as of now. Noted
    // as the owner once subscribed, not the master of a later topology: a subscription sent just
    // before a refresh lands on the old master (after a coordinated failover, a replica that still
    // delivers), and the owner check must then see the difference, subscribe at the new master and
    // leave the old one. When the topology already names the new master, the owner check has
    // nothing to do (and reports no second gap).
    String target = currentOwner();
    CompletableFuture<Void> done;
    try {
      done = subscriber.async().ssubscribe(channel).toCompletableFuture();
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    done.whenComplete(
        (ignored, error) -> {
          if (error == null) {
            owner = target;
            ownerConnection = null; // another node's, or renewed: not a replaced one
            watchOwnerConnection();
            if (target != null && target.equals(left)) {
              left = null; // subscribed again at a node the bus had left
            }
            if (previous != null && !previous.equals(target)) {
              leave(previous);
            }
          } else if (!closed) {
            logger.debug("Subscribing again to channel {} failed; retrying", channel, error);
            scheduler.schedule(
                () -> resubscribeSharded(attempt + 1, previous),
                retryDelayMillis(attempt),
                TimeUnit.MILLISECONDS);
          }
        });
  }

  /**
   * Unsubscribes from a node that no longer serves the channel. After a coordinated failover the
   * old master, now a replica, keeps delivering the channel's messages; without this every message
   * would arrive twice once the bus also subscribed at the new master. On a dead node the command
   * fails (logged at debug) and Lettuce subscribes there again when the node comes back; the {@link
   * NodeListener} then sees the confirmation from the node it left and leaves again.
   */
  @SuppressWarnings("FutureReturnValueIgnored") // failures are logged in whenComplete
  private void leave(String node) {
    if (!(subscriber instanceof StatefulRedisClusterPubSubConnection<String, String> nodes)) {
      return;
    }
    left = node; // noted even when it cannot be reached now: it is left again if it comes back
    CompletableFuture<StatefulRedisPubSubConnection<String, String>> connection =
        nodeConnection(nodes, node);
    if (connection == null) {
      return; // gone from the topology: Lettuce closes its connections itself
    }
    CompletableFuture<?> done;
    try {
      done = connection.thenCompose(c -> c.async().sunsubscribe(channel));
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    done.whenComplete(
        (ignored, error) -> {
          if (error != null) {
            logger.debug("Leaving channel {} on node {} failed", channel, node, error);
          }
        });
  }

  /**
   * The connection through which Lettuce routes this bus's sharded commands to {@code node}: the
   * one it keys by address (one opened by node id is another connection, where a subscribe or an
   * unsubscribe would change nothing), or null when the node has left the topology.
   */
  private @Nullable CompletableFuture<StatefulRedisPubSubConnection<String, String>> nodeConnection(
      StatefulRedisClusterPubSubConnection<String, String> nodes, String node) {
    RedisClusterNode known =
        requireNonNull(cluster, "cluster").getPartitions().getPartitionByNodeId(node);
    if (known == null || known.getUri() == null) {
      return null;
    }
    RedisURI uri = known.getUri();
    try {
      return nodes.getConnectionAsync(uri.getHost(), uri.getPort());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
