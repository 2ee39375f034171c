/**
 * The layered cache (Caffeine in the process, Redis shared by all nodes) with
 * stale-while-revalidate, stale-if-error and invalidation by key and tag. Not built yet: see the
 * module README.
 */
@NullMarked
package dev.securecart.cache;

import org.jspecify.annotations.NullMarked;
