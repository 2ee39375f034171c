/**
 * The Redis-backed {@link dev.securecart.core.idempotency.IdempotencyStore}, shared by every node
 * of a service: {@link dev.securecart.core.idempotency.redis.RedisIdempotencyStore}. Works on Redis
 * standalone and Redis Cluster through {@link dev.securecart.core.redis.RedisConnection}; needs
 * {@code io.lettuce:lettuce-core} on the classpath (an optional dependency of sdk-core).
 */
@NullMarked
package dev.securecart.core.idempotency.redis;

import org.jspecify.annotations.NullMarked;
