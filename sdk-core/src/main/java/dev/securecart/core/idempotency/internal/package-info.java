/**
 * Implementation details of the idempotency stores, shared by the in-process and Redis ones. Not
 * part of the API: anything here may change or vanish in any release.
 */
@NullMarked
package dev.securecart.core.idempotency.internal;

import org.jspecify.annotations.NullMarked;
