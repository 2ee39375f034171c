package dev.securecart.core.idempotency;

import static dev.securecart.core.internal.Preconditions.requireNonNegative;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.time.Duration;

/**
 * What {@link IdempotencyStore#begin} found for a key: one of four records. On Java 21 a {@code
 * switch} over them is checked for exhaustiveness; on Java 17, test with {@code instanceof}:
 *
 * <pre>{@code
 * BeginResult result = store.begin(key, fingerprint);
 * if (result instanceof BeginResult.Started started) {
 *   // this caller owns the key: do the work, then complete(...) or release(...) with started.token()
 * } else if (result instanceof BeginResult.Completed completed) {
 *   // a request with this key already finished: replay completed.response()
 * } else if (result instanceof BeginResult.InProgress inProgress) {
 *   // another request with this key is running: answer 409, retry after inProgress.leaseRemaining()
 * } else {
 *   // Mismatch: the key was used for a different request: answer 422, do not perform it
 * }
 * }</pre>
 */
public sealed interface BeginResult
    permits BeginResult.Started,
        BeginResult.InProgress,
        BeginResult.Completed,
        BeginResult.Mismatch {

  /**
   * The caller now owns the key's in-progress lease and must perform the request, then call {@link
   * IdempotencyStore#complete} or {@link IdempotencyStore#release} with {@code token}.
   *
   * <p>{@code takeover() == false} means that <i>no earlier attempt is known to this store</i>, not
   * that there was none. A store knows only what its storage kept: the Redis store answers as soon
   * as the master ran its script, so a failover before the replica got the write, or an eviction
   * under a {@code maxmemory-policy} other than {@code noeviction}, loses the claim or the stored
   * response, and the next {@code begin} starts the key as new; an in-process store forgets on
   * restart; every store forgets after the retention. A payment client must therefore send the same
   * idempotency key to the gateway on every attempt, takeover or not, so that the gateway
   * de-duplicates what the store lost.
   *
   * @param token the owner token for {@code complete} and {@code release}
   * @param takeover {@code true} when an earlier request began with this key and its lease ran out
   *     before it completed or released: that request may have done part of its work (a payment
   *     client should ask the gateway, which knows the same key, before charging again). It stays
   *     true for the key until it completes: a begin that hands the claim back to its own token and
   *     a begin after the owner released it say so again. {@code false} when the store knows of no
   *     earlier attempt
   */
  record Started(LeaseToken token, boolean takeover) implements BeginResult {
    /**
     * @throws NullPointerException if {@code token} is null
     */
    public Started {
      requireNonNull(token, "token");
    }
  }

  /**
   * Another request with the same key and fingerprint holds an unexpired lease. The caller must not
   * perform the request now; it may retry later.
   *
   * @param leaseRemaining how long the current lease lasts at most; the owner may finish sooner
   */
  record InProgress(Duration leaseRemaining) implements BeginResult {
    /**
     * @throws NullPointerException if {@code leaseRemaining} is null
     * @throws IllegalArgumentException if {@code leaseRemaining} is negative
     */
    public InProgress {
      requireNonNegative(leaseRemaining, "leaseRemaining");
    }
  }

  /**
   * A request with the same key and fingerprint completed within the retention window; the caller
   * must not perform the request again, and replays {@code response} instead.
   *
   * @param response the stored response
   */
  record Completed(StoredResponse response) implements BeginResult {
    /**
     * @throws NullPointerException if {@code response} is null
     */
    public Completed {
      requireNonNull(response, "response");
    }
  }

  /**
   * The key is held (in progress or completed) by a request with a different fingerprint: a client
   * reused a key for a different request. The caller must not perform the request; HTTP services
   * answer 422.
   */
  record Mismatch() implements BeginResult {}
}
