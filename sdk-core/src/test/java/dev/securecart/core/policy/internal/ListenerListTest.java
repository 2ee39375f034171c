package dev.securecart.core.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.core.policy.CircuitBreakerState;
import dev.securecart.core.policy.event.CircuitBreakerStateChangedEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

final class ListenerListTest {

  private final RecordingLogger logger = new RecordingLogger();
  private final ListenerList<CircuitBreakerStateChangedEvent> listeners =
      new ListenerList<>("policy 'payments'", logger);

  private static CircuitBreakerStateChangedEvent opened() {
    return new CircuitBreakerStateChangedEvent(
        "payments", Instant.EPOCH, CircuitBreakerState.CLOSED, CircuitBreakerState.OPEN);
  }

  @Test
  void aFailingListenerIsLoggedOnceAtWarnThenAtDebugAndNeverThrows() {
    IllegalStateException bug = new IllegalStateException("listener bug");
    listeners.add(
        event -> {
          throw bug;
        });
    List<CircuitBreakerStateChangedEvent> received = new ArrayList<>();
    listeners.add(received::add);

    listeners.dispatch(opened());
    listeners.dispatch(opened());
    listeners.dispatch(opened());

    assertThat(received).hasSize(3);
    assertThat(logger.entries())
        .extracting(RecordingLogger.Entry::level)
        .containsExactly(Level.WARN, Level.DEBUG, Level.DEBUG);
    RecordingLogger.Entry warning = logger.entries().get(0);
    assertThat(warning.message())
        .contains("of policy 'payments' threw on CircuitBreakerStateChangedEvent")
        .contains("later failures of this listener are logged at DEBUG");
    assertThat(warning.throwable()).isSameAs(bug);
  }

  @Test
  void eachFailingListenerGetsItsOwnWarning() {
    listeners.add(
        event -> {
          throw new IllegalStateException("first");
        });
    listeners.add(
        event -> {
          throw new IllegalStateException("second");
        });

    listeners.dispatch(opened());

    assertThat(logger.entries())
        .extracting(RecordingLogger.Entry::level)
        .containsExactly(Level.WARN, Level.WARN);
  }

  @Test
  void isEmptyUntilAListenerIsAdded() {
    assertThat(listeners.isEmpty()).isTrue();
    listeners.add(event -> {});
    assertThat(listeners.isEmpty()).isFalse();
  }
}
