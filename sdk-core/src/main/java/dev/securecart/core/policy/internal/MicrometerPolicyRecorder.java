package dev.securecart.core.policy.internal;

import static dev.securecart.core.policy.PolicyMetricNames.DEFAULT_CALLS;
import static dev.securecart.core.policy.PolicyMetricNames.DEFAULT_CIRCUIT_BREAKER_STATE;
import static dev.securecart.core.policy.PolicyMetricNames.DEFAULT_CIRCUIT_BREAKER_TRANSITIONS;
import static dev.securecart.core.policy.PolicyMetricNames.DEFAULT_FALLBACKS;
import static dev.securecart.core.policy.PolicyMetricNames.DEFAULT_RETRIES;
import static dev.securecart.core.policy.PolicyMetricNames.TAG_OUTCOME;
import static dev.securecart.core.policy.PolicyMetricNames.TAG_POLICY;
import static dev.securecart.core.policy.PolicyMetricNames.TAG_STATE;

import dev.securecart.core.policy.CircuitBreakerState;
import dev.securecart.core.policy.ResiliencePolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A {@link PolicyRecorder} onto one {@link MeterRegistry}: registers every meter of one policy in
 * its constructor, so the call path only increments.
 */
public final class MicrometerPolicyRecorder implements PolicyRecorder {

  private static final CircuitBreakerState[] BREAKER_STATES = {
    CircuitBreakerState.CLOSED, CircuitBreakerState.OPEN, CircuitBreakerState.HALF_OPEN
  };

  private final EnumMap<CallOutcome, Timer> calls = new EnumMap<>(CallOutcome.class);
  private final EnumMap<RetryOutcome, Counter> retries = new EnumMap<>(RetryOutcome.class);
  private final Counter fallbacks;
  private final EnumMap<CircuitBreakerState, Counter> transitions =
      new EnumMap<>(CircuitBreakerState.class);

  /**
   * Registers the meters of {@code policy} in {@code registry}.
   *
   * @param policy the policy
   * @param registry where the meters go
   * @param commonTags tags added to every meter
   */
  public MicrometerPolicyRecorder(
      ResiliencePolicy policy, MeterRegistry registry, Tags commonTags) {
    Tags tags = commonTags.and(TAG_POLICY, policy.name());

    for (CallOutcome outcome : CallOutcome.values()) {
      calls.put(
          outcome,
          Timer.builder(DEFAULT_CALLS)
              .description("Calls through a resilience policy, by outcome, and their latency")
              .tags(tags)
              .tag(TAG_OUTCOME, outcome.tagValue())
              .register(registry));
    }

    for (RetryOutcome outcome : RetryOutcome.values()) {
      retries.put(
          outcome,
          Counter.builder(DEFAULT_RETRIES)
              .description("Retries that were due, by whether they were made")
              .tags(tags)
              .tag(TAG_OUTCOME, outcome.tagValue())
              .register(registry));
    }

    this.fallbacks =
        Counter.builder(DEFAULT_FALLBACKS)
            .description("Calls answered by their fallback")
            .tags(tags)
            .register(registry);

    if (policy.circuitBreakerState() != CircuitBreakerState.DISABLED) {
      for (CircuitBreakerState state : BREAKER_STATES) {
        String value = state.name().toLowerCase(Locale.ROOT);
        Gauge.builder(
                DEFAULT_CIRCUIT_BREAKER_STATE,
                policy,
                p -> p.circuitBreakerState() == state ? 1 : 0)
            .description("Circuit breaker state: 1 for the current state, 0 for the others")
            .tags(tags)
            .tag(TAG_STATE, value)
            .register(registry);
        transitions.put(
            state,
            Counter.builder(DEFAULT_CIRCUIT_BREAKER_TRANSITIONS)
                .description("Circuit breaker transitions, by the state entered")
                .tags(tags)
                .tag(TAG_STATE, value)
                .register(registry));
      }
    }
  }

  @Override
  public void recordCall(CallOutcome outcome, long nanos) {
    Timer timer = calls.get(outcome);
    if (timer != null) {
      timer.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void recordRetry(RetryOutcome outcome) {
    Counter counter = retries.get(outcome);
    if (counter != null) {
      counter.increment();
    }
  }

  @Override
  public void recordFallback() {
    fallbacks.increment();
  }

  @Override
  public void recordTransition(CircuitBreakerState state) {
    Counter counter = transitions.get(state);
    if (counter != null) {
      counter.increment();
    }
  }
}
