/**
 * Implementation details shared by the SDK's own modules. Not part of the API: anything here may
 * change or vanish in any release.
 */
@NullMarked
package dev.securecart.core.internal;

import org.jspecify.annotations.NullMarked;
