package dev.securecart.cache;

/**
 * Receives what an {@link InvalidationBus} delivers. Called on the bus's I/O thread: return
 * quickly, do not block. An exception is logged and otherwise ignored.
 */
public interface InvalidationListener {

  /**
   * An invalidation arrived (including this node's own; filter by {@link Invalidation#origin()}).
   *
   * @param invalidation the message
   */
  void onInvalidation(Invalidation invalidation);

  /**
   * The bus was disconnected and is subscribed again: messages published meanwhile are lost, so
   * anything cached before may have been invalidated.
   */
  default void onMessagesPossiblyLost() {}
}
