package dev.securecart.core.idempotency;

import dev.securecart.core.SecureCartException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Thrown when an {@link IdempotencyStore} cannot reach or use its storage (Redis timed out, the
 * connection is closed, an entry is corrupt, an in-process store is full of requests in progress).
 * The outcome of the call is then unknown: a {@code begin} may have started a lease that nobody
 * holds (the key reports {@link BeginResult.InProgress} until the lease ends, so the request never
 * runs twice), and a {@code complete} may have been recorded (calling it again with the same token
 * is safe).
 *
 * <p>A {@code begin} whose outcome is unknown carries the owner token it tried ({@link
 * #attemptedToken()}): calling {@link IdempotencyStore#begin(IdempotencyKey, RequestFingerprint,
 * LeaseToken)} with it takes back a claim the failed call may have recorded, instead of waiting for
 * its lease to end.
 *
 * <p>The message names the operation and the idempotency key, never fingerprints, tokens or
 * response bodies; the storage's own exception is kept as the cause.
 */
public class IdempotencyStoreException extends SecureCartException {

  private static final long serialVersionUID = 1L;

  private final String key;
  // Text, not LeaseToken: an exception is Serializable and a record that is not would break it.
  private final @Nullable String attemptedToken;

  /**
   * For a failure of the store itself, with no storage exception behind it (a full in-process
   * store).
   *
   * @param message what failed, naming the operation and the key
   * @param key the idempotency key the call was for
   */
  public IdempotencyStoreException(String message, IdempotencyKey key) {
    super(message);
    this.key = key.value();
    this.attemptedToken = null;
  }

  /**
   * @param message what failed, naming the operation and the key
   * @param key the idempotency key the call was for
   * @param cause the storage's exception
   */
  public IdempotencyStoreException(String message, IdempotencyKey key, Throwable cause) {
    super(message, cause);
    this.key = key.value();
    this.attemptedToken = null;
  }

  /**
   * For a {@code begin} whose outcome is unknown: it may have recorded its claim under {@code
   * attemptedToken}.
   *
   * @param message what failed, naming the operation and the key; never the token
   * @param key the idempotency key the call was for
   * @param attemptedToken the owner token the call tried to record
   * @param cause the storage's exception
   */
  public IdempotencyStoreException(
      String message, IdempotencyKey key, LeaseToken attemptedToken, Throwable cause) {
    super(message, cause);
    this.key = key.value();
    this.attemptedToken = attemptedToken.value();
  }

  /**
   * Returns the idempotency key the failed call was for.
   *
   * @return the key
   */
  public IdempotencyKey key() {
    return IdempotencyKey.of(key);
  }

  /**
   * Returns the owner token under which the failed call may have claimed the key: present when a
   * {@code begin} failed with an unknown outcome (Redis timed out or the reply was lost), empty
   * when the call certainly claimed nothing (a full in-process store, a corrupt stored response)
   * and for {@code complete} and {@code release}. Pass it to {@link IdempotencyStore#begin(
   * IdempotencyKey, RequestFingerprint, LeaseToken)} to take the claim back. Kept out of the
   * message, as tokens are kept out of logs.
   *
   * @return the attempted token, if the key may now be claimed under it
   */
  public Optional<LeaseToken> attemptedToken() {
    return Optional.ofNullable(attemptedToken).map(LeaseToken::of);
  }
}
