package dev.securecart.core.policy.internal;

import dev.securecart.core.internal.CachedThreads;
import dev.securecart.core.policy.ResiliencePolicy;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires the policies' timeouts: one daemon thread, {@code securecart-policy-timer-1}, waits out
 * every deadline and hands each timeout that is due to {@link AttemptScheduler}'s threads.
 *
 * <p>Failsafe fires its timeouts on its shared pool: the common pool, or on 2 cores a pool of its
 * own. Application code that blocks every worker there (a {@code supplyAsync} of a JDBC call
 * without an executor is enough) then holds up every timeout of the SDK, and a checkout waits as
 * long as that code does. This thread runs nothing but the hand-over, and a timeout that fires runs
 * on a thread of that pool, because firing completes the caller's stages and so runs whatever they
 * chained: that code must not make the next call's timeout late either. The pool makes a thread
 * only when none is idle; timeouts that fire together while callers' chained code blocks take a
 * thread each, as the attempts themselves do.
 */
final class TimeoutTimer {

  /** Logs under the API's name, which is what users configure. */
  private static final Logger logger = LoggerFactory.getLogger(ResiliencePolicy.class);

  private TimeoutTimer() {}

  /**
   * Runs {@code expire} on a pool thread once {@code delayNanos} have passed, unless the returned
   * future is cancelled first. Cancelling removes the deadline at once, so calls that finish in
   * time leave nothing queued behind them however long their timeouts are.
   *
   * @param expire what the timeout does; it must not throw
   * @param delayNanos how long from now
   * @return the pending deadline
   */
  static Future<?> schedule(Runnable expire, long delayNanos) {
    Runnable logged = () -> runLogged(expire);
    return Holder.TIMER.schedule(() -> handOver(logged), delayNanos, TimeUnit.NANOSECONDS);
  }

  private static void handOver(Runnable expire) {
    try {
      AttemptScheduler.threads().execute(expire);
    } catch (RuntimeException | OutOfMemoryError noThread) {
      // No thread to be had (the JVM is out of them): a late timeout on this thread beats one that
      // never fires and leaves its caller waiting for good.
      expire.run();
    }
  }

  private static void runLogged(Runnable expire) {
    try {
      expire.run();
    } catch (RuntimeException e) {
      // Failsafe's cancellation hooks threw; the call has its timeout already. Neither the pool's
      // uncaught-exception handler nor the timer (which would keep it in a future nobody reads) is
      // the place to find that out.
      logger.warn("A policy timeout failed after it expired the call", e);
    }
  }

  /** Class initialisation creates the one timer; its thread starts with the first deadline. */
  private static final class Holder {
    static final ScheduledThreadPoolExecutor TIMER = create();

    private static ScheduledThreadPoolExecutor create() {
      ScheduledThreadPoolExecutor timer =
          new ScheduledThreadPoolExecutor(
              1, CachedThreads.threadFactory("securecart-policy-timer-"));
      timer.setRemoveOnCancelPolicy(true);
      // An idle timer holds no thread (nor the class loader of a redeployed application).
      timer.setKeepAliveTime(CachedThreads.KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
      timer.allowCoreThreadTimeOut(true);
      return timer;
    }
  }
}
