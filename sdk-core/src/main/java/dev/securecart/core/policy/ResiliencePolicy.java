package dev.securecart.core.policy;

import dev.securecart.core.policy.event.CircuitBreakerStateChangedEvent;
import dev.securecart.core.policy.event.PolicyEventListener;
import dev.securecart.core.policy.event.RetryScheduledEvent;
import dev.securecart.core.policy.event.RetrySkippedEvent;
import dev.securecart.core.policy.internal.ResiliencePolicyImpl;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A named set of resilience rules around the calls to one dependency (a payment gateway, a carrier
 * API, a database), composed on <a href="https://failsafe.dev">Failsafe</a>. A call passes, from
 * the outside in:
 *
 * <ol>
 *   <li>an optional per-call {@link Fallback}, which answers when everything below failed;
 *   <li>the overall {@linkplain PolicyConfig#timeout() timeout}, which bounds the whole call,
 *       retries and backoff included;
 *   <li>{@linkplain PolicyConfig#retry() retries} of outcomes marked safe to retry, with
 *       full-jitter backoff, {@code Retry-After} and a {@link RetryBudget};
 *   <li>the {@linkplain PolicyConfig#bulkhead() bulkhead}, which limits attempts in flight;
 *   <li>the {@linkplain PolicyConfig#circuitBreaker() circuit breaker}, which stops attempts while
 *       the dependency fails;
 *   <li>the call itself.
 * </ol>
 *
 * <p>The bulkhead sits outside the breaker so that a call it sheds never counts, as failure or as
 * success, towards the breaker's view of the dependency. Each attempt takes a bulkhead slot and a
 * breaker permit; a retry waits its backoff holding neither.
 *
 * <p>Synchronous ({@link #get(CheckedSupplier)}, {@link #run(CheckedRunnable)}) and asynchronous
 * ({@link #getAsync(CheckedSupplier)}) calls follow the same rules and end the same way: the
 * result, the call's own unchecked exception unchanged, a {@link PolicyExecutionException} around a
 * checked one, or a {@link PolicyException} when the policy rejected or cut the call.
 *
 * <pre>{@code
 * ResiliencePolicy shipping = registry.policy("shipping");
 * Rate rate = shipping.get(() -> carrier.quote(cart), failure -> Rate.flat(cart));
 * }</pre>
 *
 * <p>Implementations are thread-safe: share one instance per dependency (a {@link PolicyRegistry}
 * hands out the same instance for the same name). Building one costs more than a call, so build
 * policies once, never per call.
 */
public interface ResiliencePolicy {

  /**
   * Returns a new policy named {@code name} following {@code config}.
   *
   * @param name 1 to 64 letters, digits, {@code .}, {@code _} or {@code -}; appears in metrics,
   *     logs and exceptions
   * @param config the rules
   * @return the policy
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is not a valid name
   */
  static ResiliencePolicy of(String name, PolicyConfig config) {
    return new ResiliencePolicyImpl(name, config);
  }

  /**
   * Returns a new policy named {@code name} with {@link PolicyConfig#ofDefaults()}.
   *
   * @param name the policy's name, as for {@link #of(String, PolicyConfig)}
   * @return the policy
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is not a valid name
   */
  static ResiliencePolicy ofDefaults(String name) {
    return of(name, PolicyConfig.ofDefaults());
  }

  /**
   * Returns the policy's name.
   *
   * @return the name
   */
  String name();

  /**
   * Returns the rules the policy follows.
   *
   * @return the config
   */
  PolicyConfig config();

  /**
   * Calls {@code supplier} under this policy and returns its result.
   *
   * @param supplier the call; called once per attempt, on the caller's thread
   * @param <T> the result type
   * @return the result of the last attempt (when retries ran out on retryable results, the last
   *     such result)
   * @throws NullPointerException if {@code supplier} is null
   * @throws CircuitOpenException if the circuit breaker rejected the call
   * @throws BulkheadFullException if the bulkhead rejected the call
   * @throws PolicyTimeoutException if the overall timeout passed
   * @throws PolicyExecutionException if the last attempt threw a checked exception
   * @throws RuntimeException the unchecked exception the last attempt threw, unchanged
   */
  <T extends @Nullable Object> T get(CheckedSupplier<? extends T> supplier);

  /**
   * Calls {@code supplier} under this policy, and if that fails with an exception, returns what
   * {@code fallback} makes of it.
   *
   * @param supplier the call; called once per attempt, on the caller's thread
   * @param fallback turns the exception {@link #get(CheckedSupplier)} would throw into a result
   * @param <T> the result type
   * @return the call's result, or the fallback's
   * @throws NullPointerException if an argument is null
   * @throws PolicyExecutionException if the fallback threw a checked exception
   * @throws RuntimeException the unchecked exception the fallback threw, unchanged
   */
  <T extends @Nullable Object> T get(
      CheckedSupplier<? extends T> supplier, Fallback<? extends T> fallback);

  /**
   * Runs {@code runnable} under this policy.
   *
   * @param runnable the call; run once per attempt, on the caller's thread
   * @throws NullPointerException if {@code runnable} is null
   * @throws CircuitOpenException if the circuit breaker rejected the call
   * @throws BulkheadFullException if the bulkhead rejected the call
   * @throws PolicyTimeoutException if the overall timeout passed
   * @throws PolicyExecutionException if the last attempt threw a checked exception
   * @throws RuntimeException the unchecked exception the last attempt threw, unchanged
   */
  void run(CheckedRunnable runnable);

  /**
   * Starts an asynchronous call under this policy: {@code supplier} starts each attempt and returns
   * the stage that completes it. Attempts start on the {@linkplain PolicyConfig#scheduler()
   * scheduler}, which also waits out the backoff. The returned future completes as {@link
   * #get(CheckedSupplier)} would return or throw; cancelling it cancels the attempt in flight, the
   * queued attempt (which then never calls {@code supplier}) or the pending retry, gives back the
   * bulkhead slot and circuit breaker permit the attempt held, counts towards the breaker neither
   * as failure nor as success, and skips the fallback.
   *
   * @param supplier starts one attempt; may also throw instead of returning a failed stage
   * @param <T> the result type
   * @return the future result
   * @throws NullPointerException if {@code supplier} is null
   */
  <T> CompletableFuture<T> getAsync(
      CheckedSupplier<? extends CompletionStage<? extends T>> supplier);

  /**
   * Starts an asynchronous call as {@link #getAsync(CheckedSupplier)} does, and if it fails with an
   * exception, completes with what {@code fallback} makes of it. The fallback runs on the thread
   * that completed the call.
   *
   * @param supplier starts one attempt
   * @param fallback turns the exception the call would complete with into a result
   * @param <T> the result type
   * @return the future result
   * @throws NullPointerException if an argument is null
   */
  <T> CompletableFuture<T> getAsync(
      CheckedSupplier<? extends CompletionStage<? extends T>> supplier,
      Fallback<? extends T> fallback);

  /**
   * Returns the circuit breaker's state now. An open circuit whose delay has passed still reads
   * {@link CircuitBreakerState#OPEN} until the next call turns it half-open.
   *
   * @return the state, {@link CircuitBreakerState#DISABLED} if the policy has no breaker
   */
  CircuitBreakerState circuitBreakerState();

  /**
   * Registers a listener for the circuit breaker's state changes.
   *
   * @param listener the listener
   * @throws NullPointerException if {@code listener} is null
   */
  void onCircuitBreakerStateChanged(
      PolicyEventListener<? super CircuitBreakerStateChangedEvent> listener);

  /**
   * Registers a listener for retries about to be made.
   *
   * @param listener the listener
   * @throws NullPointerException if {@code listener} is null
   */
  void onRetryScheduled(PolicyEventListener<? super RetryScheduledEvent> listener);

  /**
   * Registers a listener for retries that were due but not made (budget spent, deadline too near).
   *
   * @param listener the listener
   * @throws NullPointerException if {@code listener} is null
   */
  void onRetrySkipped(PolicyEventListener<? super RetrySkippedEvent> listener);
}
