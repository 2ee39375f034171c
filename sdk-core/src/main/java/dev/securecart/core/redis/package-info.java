/**
 * One way to connect to Redis for every Redis-backed part of the SDK, so that they all behave the
 * same under failure: {@link dev.securecart.core.redis.RedisSettings} describes the server
 * (standalone, TLS, Sentinel or Cluster) and {@link dev.securecart.core.redis.RedisConnector} opens
 * Lettuce connections with production defaults. Needs {@code io.lettuce:lettuce-core} on the
 * classpath (an optional dependency of sdk-core).
 */
@NullMarked
package dev.securecart.core.redis;

import org.jspecify.annotations.NullMarked;
