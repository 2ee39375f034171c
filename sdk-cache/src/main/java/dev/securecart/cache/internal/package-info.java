/**
 * The implementation of the layered cache: {@link dev.securecart.cache.internal.LayeredCacheImpl}
 * and the in-process store and bus. Not part of the API: anything here may change in any release.
 */
@NullMarked
package dev.securecart.cache.internal;

import org.jspecify.annotations.NullMarked;
