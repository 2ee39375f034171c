package dev.securecart.core.idempotency;

import java.time.Duration;

/**
 * Records, per idempotency key, that a request is <i>in progress</i> and then <i>completed</i> with
 * its response, so that a request with the same key takes effect once however often it is sent.
 *
 * <pre>{@code
 * IdempotencyStore store = IdempotencyStore.inMemory();   // or RedisIdempotencyStore for many nodes
 * // Entries are found by key alone: fingerprint who asks and what, so another caller's reuse of
 * // the key is a Mismatch rather than a replay of this caller's response.
 * BeginResult result = store.begin(key, RequestFingerprint.sha256(principal, method, path, body));
 * if (result instanceof BeginResult.Started started) {
 *   try {
 *     StoredResponse response = perform();
 *     if (!store.complete(key, started.token(), response)) {
 *       // The lease ran out and another request took over: this one's effect may be doubled.
 *       alertAndReconcile(key);                               // and answer what begin() now says
 *     }
 *     return response;
 *   } catch (SafeToRetryException e) {
 *     store.release(key, started.token());                 // nothing happened: a retry may start
 *     throw e;
 *   }
 * }
 * }</pre>
 *
 * <p>The contract, which every implementation passes ({@code IdempotencyStoreContractTest}):
 *
 * <ul>
 *   <li><b>One owner at a time.</b> Of any number of concurrent {@code begin} calls for a key, on
 *       any number of threads or nodes sharing the store, exactly one gets {@link
 *       BeginResult.Started}; the others get {@link BeginResult.InProgress}, or {@link
 *       BeginResult.Completed} once the owner completed.
 *   <li><b>Leases.</b> The owner holds the key for the store's {@code lease}. If it dies without
 *       completing or releasing, the next {@code begin} after the lease ran out takes over ({@link
 *       BeginResult.Started#takeover()}), never before: the lease must outlast the slowest request.
 *   <li><b>Owner tokens.</b> {@code complete} and {@code release} act only when given the token of
 *       the current owner. An owner whose lease ran out may still finish as long as nobody took
 *       over; once another request took over, the late owner's {@code complete} returns {@code
 *       false} and cannot overwrite the result of the request that replaced it.
 *   <li><b>Retention.</b> A completed key replays its response for the store's {@code retention}
 *       after completion; then it is forgotten and the key can start again. An entry in progress is
 *       kept for its lease plus the retention, so that for a whole retention after its lease a new
 *       {@code begin} is told it takes over (and must ask the provider whether the owner got
 *       through) rather than starting afresh. A bounded store may forget a completed entry sooner
 *       to make room ({@code LocalIdempotencyStore} when full), never one in progress.
 *   <li><b>Fingerprints.</b> A key held for one request fingerprint answers {@link
 *       BeginResult.Mismatch} to any other fingerprint, in progress or completed.
 *   <li><b>Unknown outcomes.</b> A {@code begin} that throws may have claimed the key; a {@code
 *       begin} with the token it tried ({@link IdempotencyStoreException#attemptedToken()}) takes
 *       the claim back instead of waiting out the lease and taking over a request that never ran.
 * </ul>
 *
 * <p>Implementations are thread-safe.
 */
public interface IdempotencyStore {

  /** How long a completed response is kept by default: 24 hours. */
  Duration DEFAULT_RETENTION = Duration.ofHours(24);

  /** How long an in-progress lease lasts by default: 30 seconds. */
  Duration DEFAULT_LEASE = Duration.ofSeconds(30);

  /** The longest lease or retention a store accepts: 366 days. */
  Duration MAX_DURATION = Duration.ofDays(366);

  /**
   * Claims {@code key} for a request with {@code fingerprint}, or reports why it cannot; the same
   * as {@link #begin(IdempotencyKey, RequestFingerprint, LeaseToken)} with a fresh {@link
   * LeaseToken#random()}.
   *
   * @param key the request's idempotency key
   * @param fingerprint what the request asks for
   * @return {@link BeginResult.Started} if the caller now owns the key, else what holds it
   * @throws NullPointerException if an argument is null
   * @throws IdempotencyStoreException if the store's storage fails; the key may then be in progress
   *     under the token the call tried ({@link IdempotencyStoreException#attemptedToken()}), which
   *     the three-argument {@code begin} takes back
   */
  default BeginResult begin(IdempotencyKey key, RequestFingerprint fingerprint) {
    return begin(key, fingerprint, LeaseToken.random());
  }

  /**
   * Claims {@code key} for a request with {@code fingerprint} under the caller's {@code token}, or
   * reports why it cannot; and hands back a claim that this token already holds.
   *
   * <p>This is how a caller gets out of a {@code begin} whose outcome it does not know. A {@code
   * begin} that fails with {@link IdempotencyStoreException} (Redis answered after the command
   * timeout, the reply was lost) may have recorded its claim all the same; every other caller then
   * sees {@link BeginResult.InProgress} for the whole lease, and after it a takeover of a request
   * that never ran. Calling {@code begin} again with the token that call tried (its {@link
   * IdempotencyStoreException#attemptedToken()}, or the token the caller passed) returns {@link
   * BeginResult.Started} with a fresh lease when the key is in progress under that token, whether
   * or not its lease has run out, and with the {@code takeover()} that claim had (true when it took
   * the key over from an earlier request, which may have acted); it starts the key when the first
   * call never reached the storage; and it answers like the two-argument {@code begin} otherwise
   * ({@link BeginResult.Completed} once that token completed the key, {@link BeginResult.Mismatch}
   * for another fingerprint).
   *
   * <p>A token stands for one attempt that has not acted yet: pass a fresh {@link
   * LeaseToken#random()} or the attempted token of a {@code begin} that threw, and give it to no
   * other request. Never pass the token of a {@code Started} after work was done under it: the
   * store would hand the key back as if nothing had happened.
   *
   * @param key the request's idempotency key
   * @param fingerprint what the request asks for
   * @param token the owner token to record, and to recognise as the caller's own
   * @return {@link BeginResult.Started} with {@code token} if the caller now owns the key, else
   *     what holds it
   * @throws NullPointerException if an argument is null
   * @throws IdempotencyStoreException if the store's storage fails; when the outcome is unknown its
   *     {@link IdempotencyStoreException#attemptedToken()} is {@code token}, and calling this
   *     method again with it is safe
   */
  BeginResult begin(IdempotencyKey key, RequestFingerprint fingerprint, LeaseToken token);

  /**
   * Records {@code response} as the outcome of the request that owns {@code key}, to be replayed to
   * every later {@code begin} with the same fingerprint during the retention window.
   *
   * <p>Acts only for the current owner: returns {@code false} and changes nothing if {@code token}
   * is not the token of the request that holds the key, in particular when this owner's lease ran
   * out and another request took over, or when the key was released or has expired. Calling it
   * again with the same token after it succeeded returns {@code true} and keeps the first response,
   * so a caller may retry it after an {@link IdempotencyStoreException}.
   *
   * @param key the key the owner began
   * @param token the token from {@link BeginResult.Started}
   * @param response the outcome to replay
   * @return whether {@code response} (or an earlier response from the same owner) is now stored
   * @throws NullPointerException if an argument is null
   * @throws IdempotencyStoreException if the store's storage fails; the response may or may not
   *     have been stored
   */
  boolean complete(IdempotencyKey key, LeaseToken token, StoredResponse response);

  /**
   * Gives up the key after a failure that is safe to retry (nothing took effect), so that the next
   * {@code begin} starts at once, with any fingerprint, instead of waiting for the lease to end.
   *
   * <p>Except after a takeover ({@link BeginResult.Started#takeover()}): the request before the
   * owner may have acted, which this owner's release cannot undo. The key then stays, without an
   * owner and with its lease over, so the next {@code begin} with the same fingerprint is again
   * {@code Started} with {@code takeover() == true}, and another fingerprint is a {@link
   * BeginResult.Mismatch}.
   *
   * <p>Acts only for the current owner of a key in progress: returns {@code false} and changes
   * nothing for any other token, and for a key that is already completed.
   *
   * @param key the key the owner began
   * @param token the token from {@link BeginResult.Started}
   * @return whether the key was released
   * @throws NullPointerException if an argument is null
   * @throws IdempotencyStoreException if the store's storage fails
   */
  boolean release(IdempotencyKey key, LeaseToken token);

  /**
   * Returns an in-process store with the default lease and retention, as {@code
   * LocalIdempotencyStore.builder().build()} makes. Nodes do not share it: use {@code
   * RedisIdempotencyStore} when a service runs on several.
   *
   * @return a new, empty store
   */
  static IdempotencyStore inMemory() {
    return LocalIdempotencyStore.builder().build();
  }
}
