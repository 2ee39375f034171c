package dev.securecart.core.idempotency.internal;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requirePositive;
import static dev.securecart.core.internal.Preconditions.requireState;

import dev.securecart.core.idempotency.IdempotencyStore;
import java.time.Duration;

/** The checks every idempotency store builder applies to its lease and retention. */
public final class IdempotencySettings {

  private IdempotencySettings() {}

  /**
   * Returns {@code duration} if it is positive and at most {@link IdempotencyStore#MAX_DURATION}.
   *
   * @throws NullPointerException if {@code duration} is null
   * @throws IllegalArgumentException otherwise
   */
  public static Duration checkDuration(Duration duration, String name) {
    requirePositive(duration, name);
    requireArgument(
        duration.compareTo(IdempotencyStore.MAX_DURATION) <= 0,
        "%s must be at most %s, but was %s",
        name,
        IdempotencyStore.MAX_DURATION,
        duration);
    return duration;
  }

  /**
   * Checks, at {@code build()} time, that entries outlive their leases.
   *
   * @throws IllegalStateException if {@code retention} is shorter than {@code lease}
   */
  public static void checkRetentionCoversLease(Duration retention, Duration lease) {
    requireState(
        retention.compareTo(lease) >= 0,
        "retention (%s) must not be shorter than lease (%s)",
        retention,
        lease);
  }
}
