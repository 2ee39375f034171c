package dev.securecart.core.policy;

import org.jspecify.annotations.Nullable;

/**
 * The protected call of {@link ResiliencePolicy#get(CheckedSupplier)}: supplies a result and may
 * throw any exception, checked or not.
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface CheckedSupplier<T extends @Nullable Object> {

  /**
   * Makes the call.
   *
   * @return the result, which may be {@code null}
   * @throws Exception if the call failed
   */
  T get() throws Exception;
}
