/**
 * Resilience policies: named rules around calls to one dependency (an overall timeout, retries with
 * full-jitter backoff, a retry budget and {@code Retry-After}, a circuit breaker, a bulkhead and a
 * per-call fallback), composed on Failsafe. Start with {@link
 * dev.securecart.core.policy.PolicyConfig#builder()} and {@link
 * dev.securecart.core.policy.PolicyRegistry#of(PolicyConfig, java.util.Map)}, then call {@link
 * dev.securecart.core.policy.ResiliencePolicy#get(CheckedSupplier)}; {@link
 * dev.securecart.core.policy.PolicyMetrics} binds the policies to Micrometer. Listener payloads
 * live in {@code dev.securecart.core.policy.event}.
 */
@NullMarked
package dev.securecart.core.policy;

import org.jspecify.annotations.NullMarked;
