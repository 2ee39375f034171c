/**
 * The Redis-backed rate limiter, shared by every node of a service: {@link
 * dev.securecart.ratelimit.redis.RedisRateLimiter#create}. Works on Redis standalone and Redis
 * Cluster through the SDK's {@link dev.securecart.core.redis.RedisConnection}.
 */
@NullMarked
package dev.securecart.ratelimit.redis;

import org.jspecify.annotations.NullMarked;
