/**
 * The layered cache: {@link dev.securecart.cache.LayeredCache} (Caffeine in the process, an
 * optional {@link dev.securecart.cache.CacheStore} shared by every node, the origin loader behind
 * them) with stale-while-revalidate, stale-if-error, request coalescing and invalidation by key and
 * tag across nodes through an {@link dev.securecart.cache.InvalidationBus}. Start with {@link
 * dev.securecart.cache.LayeredCache#builder} and {@link
 * dev.securecart.cache.CachePolicy#builder()}.
 */
@NullMarked
package dev.securecart.cache;

import org.jspecify.annotations.NullMarked;
