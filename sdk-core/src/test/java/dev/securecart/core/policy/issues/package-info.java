/**
 * Regression tests for bugs found in the policies or in the libraries they stand on, one class per
 * issue, the story in its javadoc.
 */
@NullMarked
package dev.securecart.core.policy.issues;

import org.jspecify.annotations.NullMarked;
