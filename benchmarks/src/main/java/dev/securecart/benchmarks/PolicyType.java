package dev.securecart.benchmarks;

import dev.failsafe.CircuitBreaker;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.Timeout;
import dev.securecart.core.policy.CircuitBreakerConfig;
import dev.securecart.core.policy.PolicyConfig;
import dev.securecart.core.policy.PolicyMetrics;
import dev.securecart.core.policy.ResiliencePolicy;
import dev.securecart.core.policy.RetryConfig;
import dev.securecart.core.policy.TimeoutConfig;
import dev.securecart.core.policy.internal.ResiliencePolicyImpl;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The retry + circuit breaker implementations {@link PolicyBenchmark} compares, each configured
 * alike and built once, behind {@link Guarded}, the smallest interface they share (Caffeine's
 * {@code CacheType} and {@code BasicCache}). The same rules everywhere: at most 3 attempts, only
 * {@link IOException} retried, exponential backoff from 100 ms to 5 s with jitter; a count-based
 * breaker that opens at 10 failures of the last 20 calls for 30 s, then 3 trial calls. No timeout
 * (but in the two {@code _TIMEOUT} arms), no bulkhead. The protected call returns a constant, so
 * what is measured is the policies' own cost.
 */
public enum PolicyType {

  /**
   * The SDK's {@link ResiliencePolicy}, as {@code PolicyRegistry} builds it (with its default retry
   * budget), no meters bound. Its successful calls take the direct path (see {@code
   * ResiliencePolicyImpl}): Failsafe's circuit breaker used standalone, no Failsafe execution.
   */
  SECURECART {
    @Override
    Guarded create() {
      ResiliencePolicy policy = ResiliencePolicy.of("benchmark", securecartConfig());
      dev.securecart.core.policy.CheckedSupplier<Object> call = () -> RESULT;
      return () -> policy.get(call);
    }
  },

  /**
   * As {@link #SECURECART}, but every call through the Failsafe executor, as asynchronous calls and
   * policies with a timeout or bulkhead go: the cost of this layer on top of Failsafe's executor.
   */
  SECURECART_EXECUTOR {
    @Override
    Guarded create() {
      ResiliencePolicyImpl policy = new ResiliencePolicyImpl("benchmark", securecartConfig());
      dev.securecart.core.policy.CheckedSupplier<Object> call = () -> RESULT;
      return () -> policy.getThroughExecutor(call, null);
    }
  },

  /**
   * As {@link #SECURECART}, bound to a Micrometer {@link SimpleMeterRegistry}: the cost of metrics.
   */
  SECURECART_METERED {
    @Override
    Guarded create() {
      ResiliencePolicy policy = ResiliencePolicy.of("benchmark", securecartConfig());
      PolicyMetrics.of(policy).bindTo(new SimpleMeterRegistry());
      dev.securecart.core.policy.CheckedSupplier<Object> call = () -> RESULT;
      return () -> policy.get(call);
    }
  },

  /** Failsafe's {@code RetryPolicy} and {@code CircuitBreaker} on one executor built once. */
  FAILSAFE {
    @Override
    Guarded create() {
      FailsafeExecutor<Object> executor = Failsafe.with(retry(), breaker());
      dev.failsafe.function.CheckedSupplier<Object> call = () -> RESULT;
      return () -> executor.get(call);
    }
  },

  /**
   * As {@link #SECURECART}, plus an overall timeout of {@link #TIMEOUT} that never expires: every
   * call sets a deadline on the SDK's timer and clears it.
   */
  SECURECART_TIMEOUT {
    @Override
    Guarded create() {
      ResiliencePolicy policy =
          ResiliencePolicy.of(
              "benchmark",
              securecartConfig().newBuilder().timeout(TimeoutConfig.of(TIMEOUT)).build());
      dev.securecart.core.policy.CheckedSupplier<Object> call = () -> RESULT;
      return () -> policy.get(call);
    }
  },

  /** As {@link #FAILSAFE}, with Failsafe's own {@code Timeout} of {@link #TIMEOUT} outermost. */
  FAILSAFE_TIMEOUT {
    @Override
    Guarded create() {
      FailsafeExecutor<Object> executor = Failsafe.with(Timeout.of(TIMEOUT), retry(), breaker());
      dev.failsafe.function.CheckedSupplier<Object> call = () -> RESULT;
      return () -> executor.get(call);
    }
  },

  /**
   * Resilience4j's {@code CircuitBreaker} and {@code Retry} decorators, decorating once and calling
   * the decorated supplier: Resilience4j's fastest use.
   */
  RESILIENCE4J {
    @Override
    Guarded create() {
      io.github.resilience4j.circuitbreaker.CircuitBreaker breaker =
          io.github.resilience4j.circuitbreaker.CircuitBreaker.of(
              "benchmark",
              io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.custom()
                  .slidingWindow(CALLS, CALLS, SlidingWindowType.COUNT_BASED)
                  .failureRateThreshold(100f * FAILURES / CALLS)
                  .waitDurationInOpenState(OPEN_DELAY)
                  .permittedNumberOfCallsInHalfOpenState(TRIAL_CALLS)
                  .build());
      Retry retry =
          Retry.of(
              "benchmark",
              io.github.resilience4j.retry.RetryConfig.custom()
                  .maxAttempts(MAX_ATTEMPTS)
                  .retryExceptions(IOException.class)
                  .intervalFunction(
                      IntervalFunction.ofExponentialRandomBackoff(BASE_DELAY, 2.0, 0.5, MAX_DELAY))
                  .build());
      Supplier<Object> decorated =
          Retry.decorateSupplier(
              retry,
              io.github.resilience4j.circuitbreaker.CircuitBreaker.decorateSupplier(
                  breaker, () -> RESULT));
      return decorated::get;
    }
  };

  static final Object RESULT = "result";
  static final int MAX_ATTEMPTS = 3;
  static final Duration BASE_DELAY = Duration.ofMillis(100);
  static final Duration MAX_DELAY = Duration.ofSeconds(5);
  static final int FAILURES = 10;
  static final int CALLS = 20;
  static final Duration OPEN_DELAY = Duration.ofSeconds(30);
  static final int TRIAL_CALLS = 3;
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** Builds this implementation, configured as the class comment says. */
  abstract Guarded create();

  static RetryPolicy<Object> retry() {
    return RetryPolicy.builder()
        .handle(IOException.class)
        .withMaxAttempts(MAX_ATTEMPTS)
        .withBackoff(BASE_DELAY, MAX_DELAY)
        .withJitter(0.5)
        .build();
  }

  static CircuitBreaker<Object> breaker() {
    return CircuitBreaker.builder()
        .withFailureThreshold(FAILURES, CALLS)
        .withDelay(OPEN_DELAY)
        .withSuccessThreshold(2, TRIAL_CALLS)
        .build();
  }

  static PolicyConfig securecartConfig() {
    return PolicyConfig.builder()
        .retry(
            RetryConfig.builder()
                .maxAttempts(MAX_ATTEMPTS)
                .backoff(BASE_DELAY, MAX_DELAY)
                .retryOn(IOException.class)
                .build())
        .circuitBreaker(
            CircuitBreakerConfig.builder()
                .failureThreshold(FAILURES, CALLS)
                .openDelay(OPEN_DELAY)
                .halfOpenTrialCalls(TRIAL_CALLS, 2)
                .build())
        .build();
  }

  /** One protected call of a trivial supplier. */
  @FunctionalInterface
  interface Guarded {
    Object call();
  }
}
