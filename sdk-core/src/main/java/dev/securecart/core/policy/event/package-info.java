/**
 * Immutable events that policies and registries publish to typed {@link
 * dev.securecart.core.policy.event.PolicyEventListener}s: circuit-breaker state changes, retries
 * scheduled or skipped, and policies added to a registry.
 */
@NullMarked
package dev.securecart.core.policy.event;

import org.jspecify.annotations.NullMarked;
