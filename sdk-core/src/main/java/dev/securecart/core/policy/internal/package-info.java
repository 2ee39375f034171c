/**
 * The implementation of {@code dev.securecart.core.policy} on Failsafe. Not part of the API:
 * anything here may change or vanish in any release.
 */
@NullMarked
package dev.securecart.core.policy.internal;

import org.jspecify.annotations.NullMarked;
