/**
 * Rate limiting for commerce endpoints: {@link dev.securecart.ratelimit.RateLimiter#tryAcquire}
 * returns a {@link dev.securecart.ratelimit.Decision} that maps to the IETF {@code
 * RateLimit-Policy} / {@code RateLimit} header fields and {@code Retry-After}. A limiter is
 * configured with {@link dev.securecart.ratelimit.RateLimiterConfig} (one or several named {@link
 * dev.securecart.ratelimit.RateLimit}s checked and consumed together) and created with {@link
 * dev.securecart.ratelimit.RateLimiter#local} (in-process) or {@code
 * dev.securecart.ratelimit.redis.RedisRateLimiter#create} (shared by every node, with a local
 * fallback).
 */
@NullMarked
package dev.securecart.ratelimit;

import org.jspecify.annotations.NullMarked;
