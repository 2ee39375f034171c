package dev.securecart.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.securecart.core.policy.internal.ResiliencePolicyImpl;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Runs one scenario every way a policy can make a call (synchronously, which takes the direct path
 * where it applies; synchronously through the Failsafe executor; asynchronously), each time on
 * fresh state, applies the same assertions to every run, and checks that all ended the same way:
 * the same result, or the same exception type and message. Failsafe's {@code
 * Testing.testGetSuccess} is the model.
 */
final class BothWays {

  /** How long a test waits for an asynchronous outcome before it fails (never reached normally). */
  static final long WAIT_SECONDS = 30;

  private BothWays() {}

  /**
   * Runs {@code scenario} every way.
   *
   * @param scenario builds fresh state (policy, supplier, fallback) for one run
   * @param then assertions on the fixture and the outcome, applied to every run
   */
  static <T> void test(Supplier<Fixture<T>> scenario, BiConsumer<Fixture<T>, Outcome<T>> then) {
    Outcome<T> sync = run(Mode.SYNC, scenario, then);
    for (Mode mode : new Mode[] {Mode.SYNC_THROUGH_EXECUTOR, Mode.ASYNC}) {
      Outcome<T> other = run(mode, scenario, then);
      assertThat(other.summary()).as("%s ended as SYNC did", mode).isEqualTo(sync.summary());
    }
  }

  private static <T> Outcome<T> run(
      Mode mode, Supplier<Fixture<T>> scenario, BiConsumer<Fixture<T>, Outcome<T>> then) {
    Fixture<T> fixture = scenario.get();
    try {
      Outcome<T> outcome = mode.call(fixture);
      try {
        then.accept(fixture, outcome);
      } catch (AssertionError e) {
        throw new AssertionError(
            mode + " run: " + e.getMessage() + " (outcome " + outcome + ")", e);
      }
      return outcome;
    } finally {
      fixture.close();
    }
  }

  /** A way of calling a policy. */
  enum Mode {
    SYNC {
      @Override
      <T> Outcome<T> call(Fixture<T> fixture) {
        CheckedSupplier<T> supplier = fixture::attempt;
        try {
          Fallback<T> fallback = fixture.fallback;
          T result =
              fallback == null
                  ? fixture.policy.get(supplier)
                  : fixture.policy.get(supplier, fallback);
          return new Outcome<>(this, result, null);
        } catch (RuntimeException | Error e) {
          return new Outcome<>(this, null, e);
        }
      }
    },
    /** Synchronously, never on the direct path: Failsafe's executor for every attempt. */
    SYNC_THROUGH_EXECUTOR {
      @Override
      <T> Outcome<T> call(Fixture<T> fixture) {
        CheckedSupplier<T> supplier = fixture::attempt;
        try {
          T result =
              ((ResiliencePolicyImpl) fixture.policy)
                  .getThroughExecutor(supplier, fixture.fallback);
          return new Outcome<>(this, result, null);
        } catch (RuntimeException | Error e) {
          return new Outcome<>(this, null, e);
        }
      }
    },
    ASYNC {
      @Override
      <T> Outcome<T> call(Fixture<T> fixture) {
        CheckedSupplier<CompletableFuture<T>> supplier =
            () -> {
              try {
                return CompletableFuture.completedFuture(fixture.attempt());
              } catch (Exception | Error e) {
                return CompletableFuture.failedFuture(e);
              }
            };
        Fallback<T> fallback = fixture.fallback;
        CompletableFuture<T> future =
            fallback == null
                ? fixture.policy.getAsync(supplier)
                : fixture.policy.getAsync(supplier, fallback);
        return await(this, future);
      }
    };

    abstract <T> Outcome<T> call(Fixture<T> fixture);
  }

  /** Waits (with a deadline) for {@code future} and captures how it ended. */
  static <T> Outcome<T> await(Mode mode, CompletableFuture<T> future) {
    try {
      return new Outcome<>(mode, future.get(WAIT_SECONDS, TimeUnit.SECONDS), null);
    } catch (ExecutionException e) {
      return new Outcome<>(mode, null, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (TimeoutException e) {
      return fail("the future did not complete within %d s", WAIT_SECONDS);
    }
  }

  /** One attempt of the protected call; {@code attempt} counts from 1. */
  @FunctionalInterface
  interface Attempt<T> {
    T call(int attempt) throws Exception;
  }

  /** The state of one run: a fresh policy, the call, an optional fallback, clean-ups. */
  static final class Fixture<T> {
    final ResiliencePolicy policy;
    private final Attempt<T> attempt;
    private final AtomicInteger calls = new AtomicInteger();
    private @Nullable Fallback<T> fallback;
    private final List<Runnable> cleanups = new ArrayList<>();

    private Fixture(ResiliencePolicy policy, Attempt<T> attempt) {
      this.policy = policy;
      this.attempt = attempt;
    }

    static <T> Fixture<T> of(ResiliencePolicy policy, Attempt<T> attempt) {
      return new Fixture<>(policy, attempt);
    }

    Fixture<T> fallback(Fallback<T> fallback) {
      this.fallback = fallback;
      return this;
    }

    Fixture<T> onClose(Runnable cleanup) {
      cleanups.add(cleanup);
      return this;
    }

    /** How many times the protected call was invoked. */
    int calls() {
      return calls.get();
    }

    T attempt() throws Exception {
      return attempt.call(calls.incrementAndGet());
    }

    void close() {
      cleanups.forEach(Runnable::run);
    }
  }

  /** How a run ended. */
  record Outcome<T>(Mode mode, @Nullable T result, @Nullable Throwable failure) {

    /** The failure, which the test expects. */
    Throwable failed() {
      assertThat(failure).as("%s run failed", mode).isNotNull();
      return failure;
    }

    String summary() {
      return failure == null
          ? "result " + result
          : "failure " + failure.getClass().getName() + ": " + failure.getMessage();
    }
  }
}
