/**
 * The SecureCart core: what every other SDK module builds on. Resilience policies, idempotency,
 * signing and the Redis connection helper live in its subpackages; this package holds the small
 * shared types such as {@link dev.securecart.core.Ticker}.
 */
@NullMarked
package dev.securecart.core;

import org.jspecify.annotations.NullMarked;
