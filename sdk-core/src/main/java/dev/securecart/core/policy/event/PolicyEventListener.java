package dev.securecart.core.policy.event;

/**
 * Receives one kind of {@link PolicyEvent}. Registered with {@code onX} methods such as {@link
 * dev.securecart.core.policy.ResiliencePolicy#onCircuitBreakerStateChanged(PolicyEventListener)}.
 *
 * <p>Listeners run synchronously on the thread where the event happened, often one making a call
 * through the policy, and may be called concurrently by several threads. They must be fast, must
 * not block and should not throw: an exception is caught and never fails the call, the first one a
 * listener throws is logged at WARN and later ones at DEBUG, and the listener stays registered.
 *
 * @param <E> the event type
 */
@FunctionalInterface
public interface PolicyEventListener<E extends PolicyEvent> {

  /**
   * Receives an event.
   *
   * @param event the event
   */
  void onEvent(E event);
}
