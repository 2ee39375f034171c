/**
 * Implementation of the in-process limiter and the pieces the Redis limiter shares with it; not
 * part of the API.
 */
@NullMarked
package dev.securecart.ratelimit.internal;

import org.jspecify.annotations.NullMarked;
