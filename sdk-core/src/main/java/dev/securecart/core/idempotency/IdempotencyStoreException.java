package dev.securecart.core.idempotency;

import dev.securecart.core.SecureCartException;

/**
 * Thrown when an {@link IdempotencyStore} cannot reach or use its storage (Redis timed out, the
 * connection is closed, an entry is corrupt, an in-process store is full). The outcome of the call
 * is then unknown: a {@code begin} may have started a lease that nobody holds (the key reports
 * {@link BeginResult.InProgress} until the lease ends, so the request never runs twice), and a
 * {@code complete} may have been recorded (calling it again with the same token is safe).
 *
 * <p>The message names the operation and the idempotency key, never fingerprints, tokens or
 * response bodies; the storage's own exception is kept as the cause.
 */
public class IdempotencyStoreException extends SecureCartException {

  private static final long serialVersionUID = 1L;

  private final String key;

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
  }

  /**
   * @param message what failed, naming the operation and the key
   * @param key the idempotency key the call was for
   * @param cause the storage's exception
   */
  public IdempotencyStoreException(String message, IdempotencyKey key, Throwable cause) {
    super(message, cause);
    this.key = key.value();
  }

  /**
   * Returns the idempotency key the failed call was for.
   *
   * @return the key
   */
  public IdempotencyKey key() {
    return IdempotencyKey.of(key);
  }
}
