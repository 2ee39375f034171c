package dev.securecart.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.ratelimit.RateLimit;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Giving back the permits of a multi-limit decision whose other limits failed to commit, after
 * other decisions moved the state: the interleavings a concurrent test meets only by chance.
 */
final class GcraTest {

  /** 10 permits a second, burst 10: t = 100 ms. */
  private final Spec spec = new Spec("test", 0, RateLimit.of(10, Duration.ofSeconds(1)));

  @Test
  void aRefundBeforeAnyOtherDecisionRestoresTheStateItFound() {
    long taken = Gcra.next(spec, Gcra.EMPTY, 0, 1);

    assertThat(Gcra.refund(spec, Gcra.EMPTY, taken, taken, 0, 1)).isEqualTo(Gcra.EMPTY);
  }

  @Test
  void aRefundAfterALaterDecisionFoundTheKeyIdleKeepsThatDecisionsPermits() {
    // Decision A takes a permit of an idle key at 0, and its other limit then fails to commit.
    long taken = Gcra.next(spec, Gcra.EMPTY, 0, 1);
    // Before A gives its permit back, decision B finds the key idle again at 2t: it starts from
    // its own time, so A's permit no longer shows in the state.
    long later = 2 * spec.t;
    long current = Gcra.next(spec, taken, later, 1);

    long refunded = Gcra.refund(spec, Gcra.EMPTY, taken, current, later, 1);

    assertThat(Gcra.remaining(spec, refunded, later)).isEqualTo(spec.b - 1);
  }

  @Test
  void aRefundAfterLaterDecisionsOnABusyKeyGivesBackExactlyItsPermits() {
    // The key is busy: two permits taken at 0, so its state lies 2t in the future.
    long busy = Gcra.next(spec, Gcra.EMPTY, 0, 2);
    long taken = Gcra.next(spec, busy, 0, 3);
    long current = Gcra.next(spec, taken, spec.t, 1);

    long refunded = Gcra.refund(spec, busy, taken, current, spec.t, 3);

    // As if only the two first permits and the later one had been taken.
    assertThat(refunded).isEqualTo(Gcra.next(spec, busy, spec.t, 1));
  }
}
