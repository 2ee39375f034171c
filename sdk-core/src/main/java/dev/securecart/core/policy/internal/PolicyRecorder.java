package dev.securecart.core.policy.internal;

import dev.securecart.core.policy.CircuitBreakerState;
import java.util.List;

/**
 * What a policy reports about its calls, for metrics to count. The policy knows only this interface
 * (as Caffeine's cache knows only its {@code StatsCounter}); {@link MicrometerPolicyRecorder} turns
 * it into meters. {@link #NONE} is the null object: a policy holding it skips reading the clock for
 * latency. Implementations are called concurrently on the call path and must be fast.
 */
public interface PolicyRecorder {

  /** Records nothing. */
  PolicyRecorder NONE = new PolicyRecorder() {};

  /**
   * Records a call that ended with {@code outcome} after {@code nanos}.
   *
   * @param outcome how it ended
   * @param nanos how long it took, retries and backoff included
   */
  default void recordCall(CallOutcome outcome, long nanos) {}

  /**
   * Records a retry that was due.
   *
   * @param outcome whether it was made
   */
  default void recordRetry(RetryOutcome outcome) {}

  /** Records a call answered by its fallback. */
  default void recordFallback() {}

  /**
   * Records a circuit breaker transition.
   *
   * @param state the state entered
   */
  default void recordTransition(CircuitBreakerState state) {}

  /**
   * Returns a recorder that reports to each of {@code recorders}.
   *
   * @param recorders the recorders, at least one
   * @return the composite
   */
  static PolicyRecorder of(List<PolicyRecorder> recorders) {
    if (recorders.isEmpty()) {
      return NONE;
    }
    if (recorders.size() == 1) {
      return recorders.get(0);
    }
    PolicyRecorder[] all = recorders.toArray(new PolicyRecorder[0]);
    return new PolicyRecorder() {
      @Override
      public void recordCall(CallOutcome outcome, long nanos) {
        for (PolicyRecorder recorder : all) {
          recorder.recordCall(outcome, nanos);
        }
      }

      @Override
      public void recordRetry(RetryOutcome outcome) {
        for (PolicyRecorder recorder : all) {
          recorder.recordRetry(outcome);
        }
      }

      @Override
      public void recordFallback() {
        for (PolicyRecorder recorder : all) {
          recorder.recordFallback();
        }
      }

      @Override
      public void recordTransition(CircuitBreakerState state) {
        for (PolicyRecorder recorder : all) {
          recorder.recordTransition(state);
        }
      }
    };
  }
}
