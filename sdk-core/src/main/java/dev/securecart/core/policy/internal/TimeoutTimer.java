package dev.securecart.core.policy.internal;

import dev.securecart.core.internal.CachedThreads;
import dev.securecart.core.policy.ResiliencePolicy;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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

  /*
   * The pulse. The timer's queue wakes its thread whenever a task becomes its head, and a call that
   * ends in time removes its deadline, so without the pulse every call would find the queue empty,
   * become the head and wake the thread: a futex wake and a context switch per call, most of the
   * cost of a timeout (0.9 µs of 1.3 measured). While deadlines are pending, a task that does
   * nothing but come back every PULSE_NANOS stays ahead of any longer deadline, which then joins
   * the queue without waking anyone. The pulse ends at the first beat that finds the queue empty,
   * or no deadline set since the beat before: an idle timer sleeps, even while a hung call's long
   * deadline waits. Its races cost a wake, never a deadline: a deadline that arrives as the pulse
   * ends wakes the thread as it would without one, and the next deadline starts the pulse again.
   */

  /** How often the pulse beats: 100 times a second while deadlines are pending. */
  static final long PULSE_NANOS = 10_000_000L;

  /** Logs under the API's name, which is what users configure. */
  private static final Logger logger = LoggerFactory.getLogger(ResiliencePolicy.class);

  private final ScheduledThreadPoolExecutor timer;
  private final Executor firing;
  private final AtomicBoolean pulsing = new AtomicBoolean();

  /** Whether a deadline was set since the last beat; read and cleared by the beat. */
  private volatile boolean setSinceBeat;

  private final AtomicLong beats = new AtomicLong();
  private final AtomicLong starts = new AtomicLong();
  private final Runnable pulse = this::beat;

  /**
   * A timer whose thread is named {@code threadPrefix} and a number, and whose due timeouts run on
   * {@code firing}; the policies share {@link #shared()}.
   */
  TimeoutTimer(String threadPrefix, Executor firing) {
    this.firing = firing;
    this.timer = new ScheduledThreadPoolExecutor(1, CachedThreads.threadFactory(threadPrefix));
    timer.setRemoveOnCancelPolicy(true);
    // An idle timer holds no thread (nor the class loader of a redeployed application).
    timer.setKeepAliveTime(CachedThreads.KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
    timer.allowCoreThreadTimeOut(true);
  }

  /** The policies' timer; its thread starts with the first deadline. */
  static TimeoutTimer shared() {
    return Holder.SHARED;
  }

  /**
   * Runs {@code expire} on a pool thread once {@code delayNanos} have passed, unless the returned
   * future is cancelled first. Cancelling removes the deadline at once, so calls that finish in
   * time leave nothing queued behind them however long their timeouts are.
   *
   * @param expire what the timeout does; it must not throw
   * @param delayNanos how long from now
   * @return the pending deadline
   */
  Future<?> schedule(Runnable expire, long delayNanos) {
    if (delayNanos > PULSE_NANOS) {
      if (!setSinceBeat) {
        setSinceBeat = true; // read first: most calls find it set and write nothing
      }
      if (!pulsing.get() && pulsing.compareAndSet(false, true)) {
        starts.incrementAndGet();
        pulseLater();
      }
    }
    Runnable logged = () -> runLogged(expire);
    return timer.schedule(() -> handOver(logged), delayNanos, TimeUnit.NANOSECONDS);
  }

  private void beat() {
    beats.incrementAndGet();
    if (!setSinceBeat || timer.getQueue().isEmpty()) {
      pulsing.set(false);
    } else {
      setSinceBeat = false;
      pulseLater();
    }
  }

  private void pulseLater() {
    try {
      Future<?> unused = timer.schedule(pulse, PULSE_NANOS, TimeUnit.NANOSECONDS);
    } catch (RuntimeException | OutOfMemoryError noThread) {
      // No pulse, so none beating: the next deadline tries again. A deadline set now fails on its
      // own if the timer cannot take it; the pulse is only a saving.
      pulsing.set(false);
    }
  }

  private void handOver(Runnable expire) {
    try {
      firing.execute(expire);
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

  /** Whether the pulse is beating; for tests. */
  boolean isPulsing() {
    return pulsing.get();
  }

  /** How many times the pulse has beaten; for tests. */
  long beats() {
    return beats.get();
  }

  /** How many times the pulse has started; for tests. */
  long starts() {
    return starts.get();
  }

  /** Class initialisation creates the one shared timer. */
  private static final class Holder {
    static final TimeoutTimer SHARED =
        new TimeoutTimer("securecart-policy-timer-", AttemptScheduler.threads());
  }
}
