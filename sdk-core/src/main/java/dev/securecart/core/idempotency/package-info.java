/**
 * Idempotency keys and the store that makes a request with the same key take effect once.
 *
 * <p>Used on both sides of a call: a client that calls a payment gateway keeps one {@link
 * dev.securecart.core.idempotency.IdempotencyKey} across its retries, and a service de-duplicates
 * its own endpoints (a checkout submitted twice). The entry point is {@link
 * dev.securecart.core.idempotency.IdempotencyStore}: {@code begin} a key, then {@code complete} it
 * with the response to replay, or {@code release} it when the failure is safe to retry. {@link
 * dev.securecart.core.idempotency.IdempotencyStore#inMemory()} and {@link
 * dev.securecart.core.idempotency.LocalIdempotencyStore} keep entries in this process; {@code
 * dev.securecart.core.idempotency.redis.RedisIdempotencyStore} shares them between nodes.
 */
@NullMarked
package dev.securecart.core.idempotency;

import org.jspecify.annotations.NullMarked;
