/** Idempotent payment and shipping clients. Not built yet: see the module README. */
@NullMarked
package dev.securecart.payments;

import org.jspecify.annotations.NullMarked;
