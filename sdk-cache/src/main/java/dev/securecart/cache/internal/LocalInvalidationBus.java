package dev.securecart.cache.internal;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import dev.securecart.cache.Invalidation;
import dev.securecart.cache.InvalidationBus;
import dev.securecart.cache.InvalidationListener;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The in-process bus: delivers each message synchronously, on the publisher's thread. */
public final class LocalInvalidationBus implements InvalidationBus {

  private static final Logger logger = LoggerFactory.getLogger(LocalInvalidationBus.class);

  private final List<InvalidationListener> listeners = new CopyOnWriteArrayList<>();

  @Override
  public CompletableFuture<Void> publish(Invalidation invalidation) {
    requireNonNull(invalidation, "invalidation");
    for (InvalidationListener listener : listeners) {
      try {
        listener.onInvalidation(invalidation);
      } catch (RuntimeException e) {
        logger.warn("An invalidation listener threw; ignoring it", e);
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public Subscription subscribe(InvalidationListener listener) {
    requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Tells every listener that messages may have been lost, as a reconnecting bus would. */
  public void simulateReconnect() {
    for (InvalidationListener listener : listeners) {
      listener.onMessagesPossiblyLost();
    }
  }

  @Override
  public void close() {
    listeners.clear();
  }
}
