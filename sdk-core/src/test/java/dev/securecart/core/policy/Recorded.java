package dev.securecart.core.policy;

import dev.securecart.core.policy.event.PolicyEvent;
import dev.securecart.core.policy.event.PolicyEventListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A listener that keeps what it receives, in order (OkHttp's RecordingCallback, for events). */
final class Recorded<E extends PolicyEvent> implements PolicyEventListener<E> {

  private final List<E> events = new CopyOnWriteArrayList<>();

  @Override
  public void onEvent(E event) {
    events.add(event);
  }

  List<E> events() {
    return List.copyOf(events);
  }
}
