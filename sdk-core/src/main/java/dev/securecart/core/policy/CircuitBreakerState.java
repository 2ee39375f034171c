package dev.securecart.core.policy;

/**
 * The state of a policy's circuit breaker, as {@link ResiliencePolicy#circuitBreakerState()} reads
 * it.
 */
public enum CircuitBreakerState {
  /** Calls flow; failures are counted against the threshold. */
  CLOSED,
  /** Calls are rejected with {@link CircuitOpenException} without reaching the dependency. */
  OPEN,
  /** A limited number of trial calls go through to decide whether to close or open again. */
  HALF_OPEN,
  /** The policy has no circuit breaker. */
  DISABLED
}
