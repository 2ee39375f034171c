package dev.securecart.core.policy.internal;

import dev.failsafe.CircuitBreaker.State;
import dev.failsafe.CircuitBreakerOpenException;
import dev.failsafe.ExecutionContext;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.Policy;
import dev.failsafe.Timeout;
import dev.failsafe.TimeoutExceededException;
import dev.failsafe.function.ContextualSupplier;
import dev.failsafe.spi.ExecutionResult;
import dev.failsafe.spi.Scheduler;
import dev.securecart.core.Ticker;
import dev.securecart.core.internal.Preconditions;
import dev.securecart.core.policy.BulkheadConfig;
import dev.securecart.core.policy.BulkheadFullException;
import dev.securecart.core.policy.CheckedRunnable;
import dev.securecart.core.policy.CheckedSupplier;
import dev.securecart.core.policy.CircuitBreakerConfig;
import dev.securecart.core.policy.CircuitBreakerState;
import dev.securecart.core.policy.CircuitOpenException;
import dev.securecart.core.policy.Fallback;
import dev.securecart.core.policy.PolicyConfig;
import dev.securecart.core.policy.PolicyExecutionException;
import dev.securecart.core.policy.PolicyTimeoutException;
import dev.securecart.core.policy.ResiliencePolicy;
import dev.securecart.core.policy.RetryConfig;
import dev.securecart.core.policy.TimeoutConfig;
import dev.securecart.core.policy.event.CircuitBreakerStateChangedEvent;
import dev.securecart.core.policy.event.PolicyEventListener;
import dev.securecart.core.policy.event.RetryScheduledEvent;
import dev.securecart.core.policy.event.RetrySkippedEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ResiliencePolicy} on Failsafe. Builds its {@link FailsafeExecutor}s when constructed
 * (timeout, retry, bulkhead, circuit breaker, outermost first) and reuses them for every call.
 */
public final class ResiliencePolicyImpl implements ResiliencePolicy {

  /*
   * The direct path, and why.
   *
   * A call through a Failsafe executor allocates an execution, one executor and one function per
   * policy, and several results: about 470 bytes and most of the ~170 ns a retry + breaker call
   * costs, whatever the call's outcome. Most calls succeed at the first attempt with the circuit
   * closed, and for those Failsafe itself documents a cheaper way: its circuit breaker's standalone
   * use (tryAcquirePermit(), then recordSuccess() or recordFailure()).
   *
   * So a synchronous call on a policy without timeout or bulkhead, while the circuit is closed (a
   * closed circuit's permit has no side effect, so reading the state is asking for it), calls the
   * supplier directly. If the outcome is clean (no exception, no result that the retry or the
   * breaker treats as a failure) it records the success in the breaker, as Failsafe's
   * CircuitBreakerExecutor.onSuccess() does, and returns. Anything else is handed to a second
   * executor as its first attempt ("replayed": the supplier is not called again), whose breaker
   * admits that attempt without a second permit and records its outcome; from there retries, the
   * budget, Retry-After and later permits are Failsafe's, exactly as on the executor path. Both paths
   * end every call the same way; the tests run every scenario through both and compare.
   *
   * Not direct: asynchronous calls (Failsafe runs them on its scheduler), policies with a timeout
   * (the timer must watch the attempt) or a bulkhead (Failsafe must hold the permit), and a
   * circuit that is not closed (its permits and transitions are Failsafe's).
   */

  /** Logs under the API's name, which is what users configure. */
  private static final Logger logger = LoggerFactory.getLogger(ResiliencePolicy.class);

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final String name;
  private final PolicyConfig config;
  private final Ticker ticker;
  private final Clock clock;
  private final FailsafeExecutor<Object> executor;
  private final @Nullable FailsafeExecutor<Object> replayExecutor;

  /** As {@link #replayExecutor}, for a first attempt the circuit changed state under. */
  private final @Nullable FailsafeExecutor<Object> staleReplayExecutor;

  private final @Nullable PolicyCircuitBreaker circuitBreaker;
  private final @Nullable PolicyBulkhead bulkhead;
  private final int maxConcurrentCalls;
  private final @Nullable Timeout<Object> timeout;
  private final Duration timeoutDuration;
  private final @Nullable WindowedRetryBudget retryBudget;
  private final boolean resultsCanFail;
  private final Guard resultGuard;
  private final ListenerList<CircuitBreakerStateChangedEvent> stateListeners;
  private final ListenerList<RetryScheduledEvent> retryScheduledListeners;
  private final ListenerList<RetrySkippedEvent> retrySkippedListeners;

  private volatile PolicyRecorder recorder = PolicyRecorder.NONE;
  // Guarded by this: the destinations recorders were added for (compared by identity), and them.
  private final List<Object> recorderKeys = new ArrayList<>();
  private final List<PolicyRecorder> recorders = new ArrayList<>();

  /**
   * Builds the policy and its Failsafe executor.
   *
   * @param name the policy's name
   * @param config its rules
   */
  public ResiliencePolicyImpl(String name, PolicyConfig config) {
    this.name = requireValidName(name);
    this.config = Preconditions.requireNonNull(config, "config");
    this.ticker = config.ticker();
    this.clock = config.clock();
    String owner = "policy '" + name + "'";
    this.stateListeners = new ListenerList<>(owner, logger);
    this.retryScheduledListeners = new ListenerList<>(owner, logger);
    this.retrySkippedListeners = new ListenerList<>(owner, logger);
    this.resultGuard = new Guard(logger, "result predicate of " + owner);

    List<Policy<Object>> policies = new ArrayList<>(4);

    TimeoutConfig timeoutConfig = config.timeout().orElse(null);
    if (timeoutConfig != null) {
      this.timeout = new PolicyTimeout(timeoutConfig);
      this.timeoutDuration = timeoutConfig.timeout();
      policies.add(timeout);
    } else {
      this.timeout = null;
      this.timeoutDuration = Duration.ZERO;
    }

    RetryConfig retry = config.retry();
    if (retry.isEnabled()) {
      this.retryBudget =
          retry.budget().map(budget -> new WindowedRetryBudget(budget, ticker)).orElse(null);
      policies.add(
          PolicyRetry.create(
              retry,
              config.random(),
              timeoutConfig == null ? 0 : PolicyCircuitBreaker.saturatedNanos(timeoutDuration),
              retryBudget,
              new Guard(logger, "retry predicate of " + owner),
              new Guard(logger, "Retry-After hook of " + owner),
              new RetryEvents()));
    } else {
      this.retryBudget = null;
    }

    BulkheadConfig bulkheadConfig = config.bulkhead().orElse(null);
    if (bulkheadConfig != null) {
      this.bulkhead = new PolicyBulkhead(bulkheadConfig, timeout);
      this.maxConcurrentCalls = bulkheadConfig.maxConcurrentCalls();
      policies.add(bulkhead);
    } else {
      this.bulkhead = null;
      this.maxConcurrentCalls = 0;
    }

    CircuitBreakerConfig breakerConfig = config.circuitBreaker().orElse(null);
    if (breakerConfig != null) {
      this.circuitBreaker =
          PolicyCircuitBreaker.create(
              breakerConfig,
              ticker,
              new Guard(logger, "circuit breaker failure predicate of " + owner),
              this::onTransition,
              timeout);
      policies.add(circuitBreaker);
    } else {
      this.circuitBreaker = null;
    }

    this.resultsCanFail =
        retry.retriesResults() || (breakerConfig != null && breakerConfig.recordsResults());

    FailsafeExecutor<Object> failsafe =
        policies.isEmpty() ? Failsafe.none() : Failsafe.with(policies);
    this.executor =
        config
            .scheduler()
            .map(scheduler -> failsafe.with(Scheduler.of(scheduler)))
            .orElseGet(() -> failsafe.with(AttemptScheduler.shared()));

    if (timeout == null && bulkhead == null) {
      this.replayExecutor = replayOf(policies, true);
      this.staleReplayExecutor = replayOf(policies, false);
    } else {
      this.replayExecutor = null;
      this.staleReplayExecutor = null;
    }
  }

  private FailsafeExecutor<Object> replayOf(List<Policy<Object>> policies, boolean firstIsCurrent) {
    List<Policy<Object>> replay = new ArrayList<>(policies);
    PolicyCircuitBreaker breaker = circuitBreaker;
    if (breaker != null) {
      replay.set(replay.indexOf(breaker), new FirstAttemptAdmitted(breaker, firstIsCurrent));
    }
    return replay.isEmpty() ? Failsafe.none() : Failsafe.with(replay);
  }

  static String requireValidName(String name) {
    Preconditions.requireNonNull(name, "name");
    Preconditions.requireArgument(
        NAME.matcher(name).matches(),
        "name must be 1 to 64 letters, digits, '.', '_' or '-', but was '%s'",
        name);
    return name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public PolicyConfig config() {
    return config;
  }

  // ---------------------------------------------------------------------------------------------
  // Calls

  @Override
  public <T extends @Nullable Object> T get(CheckedSupplier<? extends T> supplier) {
    return execute(Preconditions.requireNonNull(supplier, "supplier"), replayExecutor);
  }

  @Override
  public <T extends @Nullable Object> T get(
      CheckedSupplier<? extends T> supplier, Fallback<? extends T> fallback) {
    return getWithFallback(supplier, fallback, replayExecutor);
  }

  @Override
  public void run(CheckedRunnable runnable) {
    execute(new RunSupplier(Preconditions.requireNonNull(runnable, "runnable")), replayExecutor);
  }

  /**
   * Calls {@code supplier} as {@link #get(CheckedSupplier, Fallback)} does, but always through the
   * Failsafe executor, never the direct path: for tests that compare the two paths, and benchmarks
   * that measure this layer on top of Failsafe's executor.
   *
   * @param supplier the call
   * @param fallback the fallback, or null for none
   * @param <T> the result type
   * @return the result
   */
  public <T> T getThroughExecutor(
      CheckedSupplier<? extends T> supplier, @Nullable Fallback<? extends T> fallback) {
    Preconditions.requireNonNull(supplier, "supplier");
    return fallback == null ? execute(supplier, null) : getWithFallback(supplier, fallback, null);
  }

  private <T> T getWithFallback(
      CheckedSupplier<? extends T> supplier,
      Fallback<? extends T> fallback,
      @Nullable FailsafeExecutor<Object> replay) {
    Preconditions.requireNonNull(supplier, "supplier");
    Preconditions.requireNonNull(fallback, "fallback");
    try {
      return execute(supplier, replay);
    } catch (RuntimeException e) {
      return applyFallback(fallback, e);
    }
  }

  @Override
  public <T> CompletableFuture<T> getAsync(
      CheckedSupplier<? extends CompletionStage<? extends T>> supplier) {
    return executeAsync(Preconditions.requireNonNull(supplier, "supplier"), null);
  }

  @Override
  public <T> CompletableFuture<T> getAsync(
      CheckedSupplier<? extends CompletionStage<? extends T>> supplier,
      Fallback<? extends T> fallback) {
    Preconditions.requireNonNull(supplier, "supplier");
    Preconditions.requireNonNull(fallback, "fallback");
    return executeAsync(supplier, fallback);
  }

  /**
   * One synchronous call: directly when {@code replay} is given (see the class comment), else
   * through the executor.
   */
  private <T> T execute(
      CheckedSupplier<? extends T> supplier, @Nullable FailsafeExecutor<Object> replay) {
    PolicyRecorder recorder = this.recorder;
    long start = recorder == PolicyRecorder.NONE ? 0L : ticker.read();
    WindowedRetryBudget budget = retryBudget;
    if (budget != null) {
      budget.deposit();
    }
    T result;
    try {
      result =
          replay != null ? callDirectly(supplier, replay) : executor.get(new SyncCall<T>(supplier));
    } catch (Throwable t) {
      recordFailure(recorder, start, t);
      throw translate(t);
    }
    recordSuccess(recorder, start, result);
    return result;
  }

  private <T> T callDirectly(
      CheckedSupplier<? extends T> supplier, FailsafeExecutor<Object> replay) {
    PolicyCircuitBreaker breaker = circuitBreaker;
    // Read before the state: a success is recorded only if the circuit stayed in this closed spell.
    long generation = breaker == null ? 0 : breaker.generation();
    if (breaker != null && !breaker.isClosed()) {
      return executor.get(new SyncCall<T>(supplier));
    }
    T result;
    try {
      result = supplier.get();
    } catch (Throwable failure) {
      return replayer(replay, breaker, generation).get(new Replay<T>(supplier, null, failure));
    }
    if (resultsCanFail && resultGuard.test(this::isFailedResult, result)) {
      return replayer(replay, breaker, generation).get(new Replay<T>(supplier, result, null));
    }
    if (breaker != null) {
      breaker.recordSuccessIn(generation);
    }
    return result;
  }

  /**
   * The replay for a first attempt that began in {@code generation}: stale if the circuit moved.
   */
  private FailsafeExecutor<Object> replayer(
      FailsafeExecutor<Object> replay, @Nullable PolicyCircuitBreaker breaker, long generation) {
    return breaker != null && breaker.generation() != generation
        ? Preconditions.requireNonNull(staleReplayExecutor, "staleReplayExecutor")
        : replay;
  }

  private <T> CompletableFuture<T> executeAsync(
      CheckedSupplier<? extends CompletionStage<? extends T>> supplier,
      @Nullable Fallback<? extends T> fallback) {
    PolicyRecorder recorder = this.recorder;
    long start = recorder == PolicyRecorder.NONE ? 0L : ticker.read();
    WindowedRetryBudget budget = retryBudget;
    if (budget != null) {
      budget.deposit();
    }
    CompletableFuture<T> source = executor.getStageAsync(new AsyncCall<T>(supplier));
    PolicyFuture<T> future = new PolicyFuture<>(this, source, recorder, start, fallback);
    whenComplete(source, future);
    return future;
  }

  // The dependent stage is not needed: PolicyFuture.accept never throws, and it is what callers
  // get.
  @SuppressWarnings("FutureReturnValueIgnored")
  private static <T> void whenComplete(CompletableFuture<T> source, PolicyFuture<T> future) {
    source.whenComplete(future);
  }

  <T> T applyFallback(Fallback<? extends T> fallback, RuntimeException failure) {
    recorder.recordFallback();
    try {
      return fallback.apply(failure);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new PolicyExecutionException(name, e);
    }
  }

  void recordSuccess(PolicyRecorder recorder, long start, @Nullable Object result) {
    if (recorder != PolicyRecorder.NONE) {
      CallOutcome outcome =
          resultsCanFail && resultGuard.test(this::isFailedResult, result)
              ? CallOutcome.FAILURE
              : CallOutcome.SUCCESS;
      recorder.recordCall(outcome, ticker.read() - start);
    }
  }

  void recordFailure(PolicyRecorder recorder, long start, Throwable failure) {
    if (recorder != PolicyRecorder.NONE) {
      recorder.recordCall(classify(failure), ticker.read() - start);
    }
  }

  private boolean isFailedResult(@Nullable Object result) {
    RetryConfig retry = config.retry();
    if (retry.retriesResults() && retry.retriesOnResult(result)) {
      return true;
    }
    CircuitBreakerConfig breaker = config.circuitBreaker().orElse(null);
    return breaker != null && breaker.recordsFailureOnResult(result);
  }

  void recordCancelled(PolicyRecorder recorder, long start) {
    if (recorder != PolicyRecorder.NONE) {
      recorder.recordCall(CallOutcome.CANCELLED, ticker.read() - start);
    }
  }

  /** How a failure Failsafe reported ends the call, for metrics. */
  CallOutcome classify(Throwable failure) {
    if (isOwn(failure, CircuitBreakerOpenException.class)) {
      return CallOutcome.CIRCUIT_OPEN;
    } else if (isOwn(failure, dev.failsafe.BulkheadFullException.class)) {
      return CallOutcome.BULKHEAD_FULL;
    } else if (isOwn(failure, TimeoutExceededException.class)) {
      return CallOutcome.TIMEOUT;
    }
    return CallOutcome.FAILURE;
  }

  /**
   * Turns what Failsafe reported into what the caller sees: Failsafe's rejections of this policy
   * into the SDK's typed exceptions (Failsafe's kept as the cause), checked exceptions into {@link
   * PolicyExecutionException}, anything unchecked unchanged. Errors are thrown, not returned.
   */
  RuntimeException translate(Throwable failure) {
    if (failure instanceof Error error) {
      throw error;
    }
    PolicyCircuitBreaker breaker = circuitBreaker;
    if (breaker != null && isOwn(failure, CircuitBreakerOpenException.class)) {
      return new CircuitOpenException(name, breaker.getRemainingDelay(), failure);
    }
    if (isOwn(failure, dev.failsafe.BulkheadFullException.class)) {
      return new BulkheadFullException(name, maxConcurrentCalls, failure);
    }
    if (isOwn(failure, TimeoutExceededException.class)) {
      return new PolicyTimeoutException(name, timeoutDuration, failure);
    }
    Throwable cause = failure.getCause();
    if (failure.getClass() == FailsafeException.class && cause != null) {
      // Failsafe wraps a checked exception of the call in a bare FailsafeException.
      return cause instanceof RuntimeException unchecked
          ? unchecked
          : new PolicyExecutionException(name, cause);
    }
    if (failure instanceof RuntimeException unchecked) {
      return unchecked;
    }
    return new PolicyExecutionException(name, failure);
  }

  /**
   * Whether {@code failure} is a Failsafe rejection by one of this policy's own Failsafe policies.
   */
  private boolean isOwn(Throwable failure, Class<? extends FailsafeException> type) {
    if (!type.isInstance(failure)) {
      return false;
    }
    if (failure instanceof CircuitBreakerOpenException open) {
      return open.getCircuitBreaker() == circuitBreaker;
    } else if (failure instanceof dev.failsafe.BulkheadFullException full) {
      return full.getBulkhead() == bulkhead;
    } else if (failure instanceof TimeoutExceededException exceeded) {
      return exceeded.getTimeout() == timeout;
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // State, listeners, metrics

  @Override
  public CircuitBreakerState circuitBreakerState() {
    PolicyCircuitBreaker breaker = circuitBreaker;
    return breaker == null ? CircuitBreakerState.DISABLED : toState(breaker.getState());
  }

  @Override
  public void onCircuitBreakerStateChanged(
      PolicyEventListener<? super CircuitBreakerStateChangedEvent> listener) {
    stateListeners.add(listener);
  }

  @Override
  public void onRetryScheduled(PolicyEventListener<? super RetryScheduledEvent> listener) {
    retryScheduledListeners.add(listener);
  }

  @Override
  public void onRetrySkipped(PolicyEventListener<? super RetrySkippedEvent> listener) {
    retrySkippedListeners.add(listener);
  }

  /**
   * Adds the recorder {@code factory} makes, unless a recorder was already added under {@code key}
   * (the meter registry), so that binding twice never counts twice.
   *
   * @param key identifies the destination of the recorder
   * @param factory makes the recorder for this policy
   * @return whether a recorder was added
   */
  public synchronized boolean addRecorder(
      Object key, Function<? super ResiliencePolicy, ? extends PolicyRecorder> factory) {
    for (Object existing : recorderKeys) {
      if (existing == key) {
        return false;
      }
    }
    recorders.add(factory.apply(this));
    recorderKeys.add(key);
    recorder = PolicyRecorder.of(List.copyOf(recorders));
    return true;
  }

  private void onTransition(State from, State to) {
    CircuitBreakerState previous = toState(from);
    CircuitBreakerState state = toState(to);
    switch (state) {
      case OPEN ->
          logger.warn(
              "Circuit breaker of policy '{}' opened ({} -> OPEN); calls are rejected for {}",
              name,
              previous,
              config.circuitBreaker().map(CircuitBreakerConfig::openDelay).orElse(Duration.ZERO));
      case HALF_OPEN ->
          logger.info(
              "Circuit breaker of policy '{}' is half-open; letting {} trial call(s) through",
              name,
              config.circuitBreaker().map(CircuitBreakerConfig::halfOpenTrialCalls).orElse(0));
      default ->
          logger.info("Circuit breaker of policy '{}' closed ({} -> CLOSED)", name, previous);
    }
    recorder.recordTransition(state);
    if (!stateListeners.isEmpty()) {
      stateListeners.dispatch(
          new CircuitBreakerStateChangedEvent(name, clock.instant(), previous, state));
    }
  }

  private static CircuitBreakerState toState(State state) {
    return switch (state) {
      case OPEN -> CircuitBreakerState.OPEN;
      case HALF_OPEN -> CircuitBreakerState.HALF_OPEN;
      case CLOSED -> CircuitBreakerState.CLOSED;
    };
  }

  @Override
  public String toString() {
    return "ResiliencePolicy{name=" + name + ", " + config + "}";
  }

  /** Reports retry decisions to metrics and listeners. */
  private final class RetryEvents implements PolicyRetry.RetryListener {
    @Override
    public void onRetryScheduled(
        int attempt, long delayNanos, boolean retryAfter, ExecutionResult<Object> outcome) {
      recorder.recordRetry(RetryOutcome.SCHEDULED);
      logger.debug("Policy '{}' retries attempt {} in {} ns", name, attempt, delayNanos);
      if (!retryScheduledListeners.isEmpty()) {
        retryScheduledListeners.dispatch(
            new RetryScheduledEvent(
                name,
                clock.instant(),
                attempt,
                Duration.ofNanos(delayNanos),
                retryAfter,
                Optional.ofNullable(outcome.getException()),
                Optional.ofNullable(outcome.getException() == null ? outcome.getResult() : null)));
      }
    }

    @Override
    public void onRetrySkipped(
        int attempt, RetrySkippedEvent.Reason reason, ExecutionResult<Object> outcome) {
      recorder.recordRetry(
          switch (reason) {
            case BUDGET_EXHAUSTED -> RetryOutcome.BUDGET_EXHAUSTED;
            case BEYOND_DEADLINE -> RetryOutcome.BEYOND_DEADLINE;
            case SERVER_DELAY_TOO_LONG -> RetryOutcome.SERVER_DELAY_TOO_LONG;
          });
      logger.debug("Policy '{}' does not retry attempt {}: {}", name, attempt, reason);
      if (!retrySkippedListeners.isEmpty()) {
        retrySkippedListeners.dispatch(
            new RetrySkippedEvent(
                name,
                clock.instant(),
                attempt,
                reason,
                Optional.ofNullable(outcome.getException()),
                Optional.ofNullable(outcome.getException() == null ? outcome.getResult() : null)));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Per-call adapters: one small allocation per call, instead of a capturing lambda.

  private static final class SyncCall<T> implements ContextualSupplier<T, T> {
    private final CheckedSupplier<? extends T> supplier;

    SyncCall(CheckedSupplier<? extends T> supplier) {
      this.supplier = supplier;
    }

    @Override
    public T get(ExecutionContext<T> context) throws Exception {
      return supplier.get();
    }
  }

  private static final class RunSupplier implements CheckedSupplier<@Nullable Object> {
    private final CheckedRunnable runnable;

    RunSupplier(CheckedRunnable runnable) {
      this.runnable = runnable;
    }

    @Override
    @SuppressWarnings("NullAway") // run() has no result; null stands for it, as in Failsafe
    public @Nullable Object get() throws Exception {
      runnable.run();
      return null;
    }
  }

  /** The first attempt's outcome, given back to Failsafe; later attempts call the supplier. */
  private static final class Replay<T> implements ContextualSupplier<T, T> {
    private final CheckedSupplier<? extends T> supplier;
    private final @Nullable T result;
    private final @Nullable Throwable failure;
    private boolean replayed;

    Replay(CheckedSupplier<? extends T> supplier, @Nullable T result, @Nullable Throwable failure) {
      this.supplier = supplier;
      this.result = result;
      this.failure = failure;
    }

    @Override
    @SuppressWarnings("NullAway") // the replayed result is what the supplier returned, null or not
    public T get(ExecutionContext<T> context) throws Throwable {
      if (!replayed) {
        replayed = true;
        if (failure != null) {
          throw failure;
        }
        return result;
      }
      return supplier.get();
    }
  }

  private static final class AsyncCall<T> implements ContextualSupplier<T, CompletionStage<T>> {
    private final CheckedSupplier<? extends CompletionStage<? extends T>> supplier;

    AsyncCall(CheckedSupplier<? extends CompletionStage<? extends T>> supplier) {
      this.supplier = supplier;
    }

    @Override
    @SuppressWarnings("unchecked") // a stage of a subtype of T is read-only, so a stage of T
    public CompletionStage<T> get(ExecutionContext<T> context) throws Exception {
      // Failsafe queues the attempt on the scheduler; a cancel (the caller's, or the timeout's)
      // that overtook it may no longer be able to stop it, so the attempt stops itself: a payment
      // must not be sent for a call that has already ended.
      if (context.isCancelled()) {
        return CompletableFuture.failedFuture(new CancellationException());
      }
      return (CompletionStage<T>) supplier.get();
    }
  }
}
