package dev.securecart.core.policy;

/**
 * The names and tags of the meters {@link PolicyMetrics} registers. Every meter carries the {@value
 * #TAG_POLICY} tag (the policy's name) plus the binder's common tags; values of the other tags come
 * from small fixed sets, so cardinality stays bounded by the number of policies.
 */
public final class PolicyMetricNames {

  /**
   * Timer of calls through a policy, tagged {@value #TAG_OUTCOME}: {@code success}, {@code
   * failure}, {@code circuit_open}, {@code bulkhead_full} or {@code timeout}. Its count is the
   * number of calls by outcome; its time is the latency of the whole call, retries and backoff
   * included, fallback excluded.
   */
  public static final String DEFAULT_CALLS = "securecart.policy.calls";

  /**
   * Counter of retries, tagged {@value #TAG_OUTCOME}: {@code scheduled} (made), {@code
   * budget_exhausted} or {@code beyond_deadline} (due but not made).
   */
  public static final String DEFAULT_RETRIES = "securecart.policy.retries";

  /** Counter of calls answered by their fallback. */
  public static final String DEFAULT_FALLBACKS = "securecart.policy.fallbacks";

  /**
   * Gauge of the circuit breaker's state, one per value of {@value #TAG_STATE} ({@code closed},
   * {@code open}, {@code half_open}): 1 for the current state, 0 for the others. Only for policies
   * with a circuit breaker.
   */
  public static final String DEFAULT_CIRCUIT_BREAKER_STATE =
      "securecart.policy.circuitbreaker.state";

  /**
   * Counter of circuit breaker transitions, tagged {@value #TAG_STATE} with the state entered. Only
   * for policies with a circuit breaker.
   */
  public static final String DEFAULT_CIRCUIT_BREAKER_TRANSITIONS =
      "securecart.policy.circuitbreaker.transitions";

  /** The tag holding the policy's name. */
  public static final String TAG_POLICY = "policy";

  /** The tag holding the outcome of a call or a retry. */
  public static final String TAG_OUTCOME = "outcome";

  /** The tag holding a circuit breaker state. */
  public static final String TAG_STATE = "state";

  private PolicyMetricNames() {}
}
