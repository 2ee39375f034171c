package dev.securecart.core.policy.internal;

import dev.securecart.core.internal.Preconditions;
import dev.securecart.core.policy.event.PolicyEvent;
import dev.securecart.core.policy.event.PolicyEventListener;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * The listeners of one kind of event of one policy or registry. Dispatch never throws: a listener's
 * exception is logged, the first at WARN and later ones at DEBUG (so a broken listener neither
 * fails calls nor floods the log, yet never fails silently), and the other listeners still run.
 *
 * @param <E> the event type
 */
final class ListenerList<E extends PolicyEvent> {

  private final String owner;
  private final Logger logger;
  private final CopyOnWriteArrayList<Entry<E>> listeners = new CopyOnWriteArrayList<>();

  /**
   * @param owner what the listeners listen to, for log messages ("policy 'payments'")
   * @param logger where listener failures are logged
   */
  ListenerList(String owner, Logger logger) {
    this.owner = owner;
    this.logger = logger;
  }

  /** Adds {@code listener} and returns the entry that dispatches to it alone. */
  Entry<E> add(PolicyEventListener<? super E> listener) {
    Entry<E> entry = new Entry<>(Preconditions.requireNonNull(listener, "listener"), this);
    listeners.add(entry);
    return entry;
  }

  /** Whether no listener is registered, so that callers can skip building the event. */
  boolean isEmpty() {
    return listeners.isEmpty();
  }

  void dispatch(E event) {
    for (Entry<E> entry : listeners) {
      entry.dispatch(event);
    }
  }

  /** One registered listener and whether it has failed before. */
  static final class Entry<E extends PolicyEvent> {
    private final PolicyEventListener<? super E> listener;
    private final ListenerList<E> list;
    private final AtomicBoolean failedBefore = new AtomicBoolean();

    private Entry(PolicyEventListener<? super E> listener, ListenerList<E> list) {
      this.listener = listener;
      this.list = list;
    }

    void dispatch(E event) {
      try {
        listener.onEvent(event);
      } catch (Throwable t) {
        if (!failedBefore.getAndSet(true)) {
          list.logger.warn(
              "Listener {} of {} threw on {}; the call goes on and later failures of this listener"
                  + " are logged at DEBUG",
              listener,
              list.owner,
              event.getClass().getSimpleName(),
              t);
        } else {
          list.logger.debug(
              "Listener {} of {} threw again on {}",
              listener,
              list.owner,
              event.getClass().getSimpleName(),
              t);
        }
      }
    }
  }
}
