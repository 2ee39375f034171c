/**
 * Local and distributed rate limiters, and the waiting room. Not built yet: see the module README.
 */
@NullMarked
package dev.securecart.ratelimit;

import org.jspecify.annotations.NullMarked;
