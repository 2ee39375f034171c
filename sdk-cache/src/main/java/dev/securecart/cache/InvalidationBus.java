package dev.securecart.cache;

import dev.securecart.cache.internal.LocalInvalidationBus;
import java.util.concurrent.CompletableFuture;

/**
 * Carries invalidations between the nodes that share a cache: {@link #inProcess()} for caches in
 * one JVM, {@link dev.securecart.cache.redis.RedisInvalidationBus} (Redis pub/sub, standalone or
 * Cluster) between processes. Delivery is at most once; a bus that may have lost messages says so
 * with {@link InvalidationListener#onMessagesPossiblyLost()}, and the cache then drops its L1.
 * Implementations are thread-safe; one bus may serve many caches.
 */
public interface InvalidationBus extends AutoCloseable {

  /**
   * Publishes an invalidation to every subscriber.
   *
   * @param invalidation the message
   * @return a future that completes when the bus accepted the message, or fails if it could not
   */
  CompletableFuture<Void> publish(Invalidation invalidation);

  /**
   * Subscribes a listener.
   *
   * @param listener the listener
   * @return the subscription; close it to unsubscribe
   */
  Subscription subscribe(InvalidationListener listener);

  /** Closes the bus and the connections it owns. */
  @Override
  void close();

  /** A listener's registration on a bus. */
  interface Subscription extends AutoCloseable {
    /** Stops delivering to the listener. */
    @Override
    void close();
  }

  /**
   * A bus that delivers synchronously to subscribers in this JVM: for a single node, and for tests
   * that run several caches as nodes.
   *
   * @return a new bus
   */
  static InvalidationBus inProcess() {
    return new LocalInvalidationBus();
  }
}
