package dev.securecart.core.policy.internal;

import dev.failsafe.CircuitBreaker;
import dev.failsafe.CircuitBreaker.State;
import dev.failsafe.CircuitBreakerBuilder;
import dev.failsafe.ExecutionContext;
import dev.failsafe.Timeout;
import dev.failsafe.TimeoutExceededException;
import dev.failsafe.event.CircuitBreakerStateChangedEvent;
import dev.failsafe.event.EventListener;
import dev.failsafe.internal.CircuitBreakerImpl;
import dev.failsafe.spi.PolicyExecutor;
import dev.securecart.core.Ticker;
import dev.securecart.core.policy.CircuitBreakerConfig;
import dev.securecart.core.policy.CircuitBreakerConfig.CountThreshold;
import dev.securecart.core.policy.CircuitBreakerConfig.RateThreshold;
import java.lang.reflect.Method;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Failsafe's circuit breaker, with the open delay measured on the policy's {@link Ticker} instead
 * of {@code System.nanoTime()}.
 */
final class PolicyCircuitBreaker extends CircuitBreakerImpl<Object> {

  /*
   * Why a subclass?
   *
   * Failsafe's OpenState reads System.nanoTime() and offers no clock, so an open -> half-open
   * transition could only be tested by sleeping. Failsafe still does all the work here (closed,
   * open and half-open states, count- and time-based statistics, thresholds, half-open permits);
   * this class changes only *when* an open circuit turns half-open:
   *
   * - Failsafe's own open delay is set to "never", so OpenState never transitions by itself.
   * - transitionTo() records the ticker's reading when the circuit opens, under the breaker's monitor
   *   (the same one Failsafe's transitionTo() holds), so the time is set atomically with the state.
   * - tryAcquirePermit(), which Failsafe calls before every attempt, first turns an open circuit
   *   half-open once the ticker says the delay has passed. Every caller that saw OPEN goes through
   *   the monitor, so callers racing the transition wait for it and then compete for half-open
   *   permits, rather than being rejected by a state that is about to change. That is what makes
   *   "exactly halfOpenTrialCalls trial calls" hold under contention.
   * - Every state change advances a generation, and a call's result is recorded only in the
   *   generation in which it took its permit (toExecutor, recordSuccessIn). Failsafe records a
   *   result in whatever state the circuit is in when the call ends: a call that began while closed
   *   and ended while half-open counted as a trial, and its success made Failsafe's HalfOpenState
   *   release a trial permit that call never took, so more trials than configured ran at once.
   *
   * Transition callbacks run after the monitor is released. Failsafe's own listeners are not used.
   *
   * - Some attempts end without an outcome that says anything about the dependency: one the caller
   *   cancelled (before it started, or in flight), or one whose call timed out before it started.
   *   Their permit goes back (releasePermitIn) and nothing is recorded. Failsafe has no public way
   *   to give a half-open permit back without recording a result, so CircuitState.releasePermit()
   *   is called reflectively; Failsafe is pinned, and the class fails to load if that method is
   *   gone rather than leak trial permits. The policy's own timeout, on the other hand, is always a
   *   failure, whatever the user's predicate says (see GenerationExecutor).
   */

  /** Failsafe's delay: long enough that its own clock never half-opens the circuit. */
  private static final Duration NEVER = Duration.ofNanos(Long.MAX_VALUE);

  /** Failsafe's package-private {@code CircuitState.releasePermit()}; see the class comment. */
  private static final Method RELEASE_PERMIT = releasePermitMethod();

  /** Receives state changes, outside any lock. */
  interface TransitionListener {
    void onTransition(State from, State to);
  }

  private final Ticker ticker;
  private final long openDelayNanos;
  private final TransitionListener listener;
  private final @Nullable Timeout<Object> timeout;
  private volatile long openedAtNanos;

  /** Advanced under the monitor on every state change; see the class comment. */
  private volatile long generation;

  private PolicyCircuitBreaker(
      dev.failsafe.CircuitBreakerConfig<Object> failsafeConfig,
      long openDelayNanos,
      Ticker ticker,
      TransitionListener listener,
      @Nullable Timeout<Object> timeout) {
    super(failsafeConfig);
    this.ticker = ticker;
    this.openDelayNanos = openDelayNanos;
    this.listener = listener;
    this.timeout = timeout;
  }

  /**
   * @param timeout the policy's overall timeout, whose expiry always counts as a failure, or null
   */
  static PolicyCircuitBreaker create(
      CircuitBreakerConfig config,
      Ticker ticker,
      Guard guard,
      TransitionListener listener,
      @Nullable Timeout<Object> timeout) {
    CircuitBreakerBuilder<Object> builder =
        CircuitBreaker.builder()
            .handleIf(
                (Object result, @Nullable Throwable failure) ->
                    failure != null
                        ? guard.test(config::recordsFailureOn, failure)
                        : config.recordsResults()
                            && guard.test(config::recordsFailureOnResult, result))
            .withSuccessThreshold(config.halfOpenSuccessesToClose(), config.halfOpenTrialCalls())
            .withDelay(NEVER);
    CircuitBreakerConfig.FailureThreshold threshold = config.failureThreshold();
    if (threshold instanceof CountThreshold count) {
      builder.withFailureThreshold(count.failures(), count.calls());
    } else if (threshold instanceof RateThreshold rate) {
      builder.withFailureRateThreshold(rate.percent(), rate.minimumCalls(), rate.period());
    }
    return new PolicyCircuitBreaker(
        builder.build().getConfig(), saturatedNanos(config.openDelay()), ticker, listener, timeout);
  }

  private static Method releasePermitMethod() {
    try {
      Method method =
          Class.forName("dev.failsafe.internal.CircuitState").getDeclaredMethod("releasePermit");
      method.setAccessible(true);
      return method;
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @Override
  public boolean tryAcquirePermit() {
    if (isOpen()) {
      halfOpenIfDelayPassed();
    }
    return super.tryAcquirePermit();
  }

  @Override
  public Duration getRemainingDelay() {
    if (!isOpen()) {
      return Duration.ZERO;
    }
    long remaining = openDelayNanos - (ticker.read() - openedAtNanos);
    return Duration.ofNanos(Math.max(remaining, 0));
  }

  @Override
  protected void transitionTo(
      State newState,
      @Nullable EventListener<CircuitBreakerStateChangedEvent> ignored,
      @Nullable ExecutionContext<Object> context) {
    State previous;
    synchronized (this) {
      previous = getState();
      if (previous == newState) {
        return;
      }
      if (newState == State.OPEN) {
        // Written before the state is published, so a lock-free reader that sees OPEN (as
        // getRemainingDelay() is) also sees when it opened.
        openedAtNanos = ticker.read();
      }
      generation++;
      super.transitionTo(newState, null, context);
    }
    listener.onTransition(previous, newState);
  }

  private void halfOpenIfDelayPassed() {
    synchronized (this) {
      if (getState() != State.OPEN || ticker.read() - openedAtNanos < openDelayNanos) {
        return;
      }
      generation++;
      super.transitionTo(State.HALF_OPEN, null, null);
    }
    listener.onTransition(State.OPEN, State.HALF_OPEN);
  }

  /** The current generation: read before a call, passed to {@link #recordSuccessIn}. */
  long generation() {
    return generation;
  }

  /** Records a success of a call that began in {@code callGeneration}, if it is still current. */
  void recordSuccessIn(long callGeneration) {
    if (generation == callGeneration) {
      recordSuccess();
    }
  }

  /** Whether {@code failure} is the policy's own timeout expiring. */
  boolean isOwnTimeout(@Nullable Throwable failure) {
    return timeout != null
        && failure instanceof TimeoutExceededException exceeded
        && exceeded.getTimeout() == timeout;
  }

  /**
   * Gives back, without recording any outcome, a permit taken in {@code permitGeneration}. Only a
   * half-open circuit counts permits; in any other state, or once the state changed, this does
   * nothing.
   */
  void releasePermitIn(long permitGeneration) {
    // The monitor keeps the state from changing between the check and the release.
    synchronized (this) {
      if (generation != permitGeneration) {
        return;
      }
      try {
        RELEASE_PERMIT.invoke(state.get());
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("Failsafe's CircuitState.releasePermit() failed", e);
      }
    }
  }

  @Override
  public PolicyExecutor<Object> toExecutor(int policyIndex) {
    return new GenerationExecutor(this, policyIndex);
  }

  static long saturatedNanos(Duration duration) {
    return duration.compareTo(NEVER) >= 0 ? Long.MAX_VALUE : duration.toNanos();
  }
}
