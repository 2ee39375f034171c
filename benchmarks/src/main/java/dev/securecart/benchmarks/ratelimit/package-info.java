/**
 * Rate-limiter benchmarks against Bucket4j, Resilience4j and Redisson: {@link
 * dev.securecart.benchmarks.ratelimit.RateLimiterBenchmark} (in process) and {@link
 * dev.securecart.benchmarks.ratelimit.RedisRateLimiterBenchmark} (on Redis).
 */
@NullMarked
package dev.securecart.benchmarks.ratelimit;

import org.jspecify.annotations.NullMarked;
