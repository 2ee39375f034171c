/**
 * The Redis implementations of the layered cache's shared parts, on Redis standalone or Redis
 * Cluster through {@link dev.securecart.core.redis.RedisConnector}: {@link
 * dev.securecart.cache.redis.RedisCacheStore} (the L2) and {@link
 * dev.securecart.cache.redis.RedisInvalidationBus} (pub/sub).
 */
@NullMarked
package dev.securecart.cache.redis;

import org.jspecify.annotations.NullMarked;
