/**
 * HTTP helpers that give a CDN the same advice the layered cache follows: {@link
 * dev.securecart.cache.http.CacheControl} values with {@code stale-while-revalidate} and {@code
 * stale-if-error}, weak {@link dev.securecart.cache.http.ETags}, {@link
 * dev.securecart.cache.http.SurrogateKeys} headers from an entry's tags (so a CDN purges by the
 * same tags), and a {@link dev.securecart.cache.http.UrlNormalizer} for cache keys.
 */
@NullMarked
package dev.securecart.cache.http;

import org.jspecify.annotations.NullMarked;
