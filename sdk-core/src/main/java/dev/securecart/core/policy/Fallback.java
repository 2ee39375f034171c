package dev.securecart.core.policy;

import org.jspecify.annotations.Nullable;

/**
 * The answer of last resort for one call, given to {@link ResiliencePolicy#get(CheckedSupplier,
 * Fallback)}: a cached or default value when the call failed, was rejected (open circuit, full
 * bulkhead) or timed out. It receives exactly the exception the call would otherwise have thrown
 * and may rethrow it (or another) to decline. Errors never reach a fallback.
 *
 * <p>A fallback must never invent a business outcome the dependency did not give (a "paid" for a
 * payment whose outcome is unknown); use it for answers that are safe to be stale or approximate.
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface Fallback<T extends @Nullable Object> {

  /**
   * Returns the fallback result for a failed call.
   *
   * @param failure what the call would have thrown: the supplier's own unchecked exception, a
   *     {@link PolicyExecutionException} around a checked one, or a {@link PolicyException} saying
   *     the policy rejected or cut the call
   * @return the result to give the caller instead
   * @throws Exception to decline, or if the fallback itself failed
   */
  T apply(RuntimeException failure) throws Exception;

  /**
   * Returns a fallback that answers {@code value} for every failure.
   *
   * @param value the constant result, which may be {@code null}
   * @param <T> the result type
   * @return the fallback
   */
  static <T extends @Nullable Object> Fallback<T> of(T value) {
    return failure -> value;
  }
}
