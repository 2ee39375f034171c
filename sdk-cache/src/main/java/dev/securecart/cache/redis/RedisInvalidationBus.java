package dev.securecart.cache.redis;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

import dev.securecart.cache.CacheException;
import dev.securecart.cache.Invalidation;
import dev.securecart.cache.InvalidationBus;
import dev.securecart.cache.InvalidationListener;
import dev.securecart.core.redis.RedisConnection;
import dev.securecart.core.redis.RedisConnector;
import io.lettuce.core.RedisException;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link InvalidationBus} on Redis pub/sub: {@code PUBLISH} on one connection, {@code SUBSCRIBE}
 * on another, both from the caller's {@link RedisConnector} (standalone or Cluster; on a Cluster a
 * message published on any node reaches subscribers on every node).
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

  private final String channel;
  private final RedisConnection<String, String> publisher;
  private final StatefulRedisPubSubConnection<String, String> subscriber;
  private final List<InvalidationListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean subscribedOnce = new AtomicBoolean();
  private final AtomicLong resubscriptions = new AtomicLong();

  private RedisInvalidationBus(
      String channel,
      RedisConnection<String, String> publisher,
      StatefulRedisPubSubConnection<String, String> subscriber) {
    this.channel = channel;
    this.publisher = publisher;
    this.subscriber = subscriber;
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
    requireNonNull(connector, "connector");
    requireNonNull(channel, "channel");
    requireArgument(!channel.isEmpty(), "channel must not be empty");
    RedisConnection<String, String> publisher = null;
    StatefulRedisPubSubConnection<String, String> subscriber = null;
    try {
      publisher = connector.connect();
      subscriber = connector.connectPubSub(StringCodec.UTF8);
      RedisInvalidationBus bus = new RedisInvalidationBus(channel, publisher, subscriber);
      subscriber.addListener(bus.new Listener());
      subscriber.sync().subscribe(channel);
      return bus;
    } catch (RedisException e) {
      if (subscriber != null) {
        subscriber.close();
      }
      if (publisher != null) {
        publisher.close();
      }
      throw new CacheException("redis-bus", "cannot subscribe the invalidation bus", e);
    }
  }

  /** The channel. */
  public String channel() {
    return channel;
  }

  /** How often the subscription was re-established after a disconnect. */
  public long resubscriptions() {
    return resubscriptions.get();
  }

  @Override
  public CompletableFuture<Void> publish(Invalidation invalidation) {
    requireNonNull(invalidation, "invalidation");
    try {
      return publisher
          .async()
          .publish(channel, invalidation.encode())
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
    listeners.clear();
    subscriber.close();
    publisher.close();
  }

  @Override
  public String toString() {
    return "RedisInvalidationBus[" + channel + "]";
  }

  private final class Listener extends RedisPubSubAdapter<String, String> {
    @Override
    public void message(String from, String message) {
      if (!channel.equals(from)) {
        return;
      }
      Invalidation invalidation;
      try {
        invalidation = Invalidation.decode(message);
      } catch (IllegalArgumentException e) {
        logger.debug("Ignoring a malformed message on channel {}", channel);
        return;
      }
      for (InvalidationListener listener : listeners) {
        try {
          listener.onInvalidation(invalidation);
        } catch (RuntimeException e) {
          logger.warn("An invalidation listener threw; ignoring it", e);
        }
      }
    }

    @Override
    public void subscribed(String to, long count) {
      if (!channel.equals(to) || subscribedOnce.compareAndSet(false, true)) {
        return;
      }
      resubscriptions.incrementAndGet();
      logger.warn(
          "Invalidation bus on channel {} subscribed again after a disconnect; messages published"
              + " meanwhile are lost",
          channel);
      for (InvalidationListener listener : listeners) {
        try {
          listener.onMessagesPossiblyLost();
        } catch (RuntimeException e) {
          logger.warn("An invalidation listener threw; ignoring it", e);
        }
      }
    }
  }
}
