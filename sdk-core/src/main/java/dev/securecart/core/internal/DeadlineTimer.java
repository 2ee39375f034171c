package dev.securecart.core.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires the SDK's deadlines (policy timeouts, the cache's origin deadline, the Redis limiter's
 * answer deadline): one daemon thread, {@code securecart-deadline-timer-1}, waits them out and
 * hands each one that is due to a pool of daemon threads, {@code securecart-deadline-N}.
 *
 * <p>Not the timers everyone else shares. Failsafe fires its timeouts on its shared pool (the
 * common pool, or on 2 cores a pool of its own), and {@code CompletableFuture.orTimeout} on the
 * JDK's one delay thread, where completing a future runs whatever was chained on it: application
 * code that blocks there (a {@code supplyAsync} of a JDBC call without an executor, an {@code
 * orTimeout(...).thenApply(...)} that calls a database) would hold up every deadline of the SDK,
 * and a checkout would wait as long as that code does.
 *
 * <p>So this thread runs only what the SDK owns and knows to be short: {@link #scheduleHere} and
 * {@link #expireAfterHere}. A deadline whose firing may run anyone else's code (a caller's stages,
 * a user's executor, loader or codec) goes through {@link #schedule} or {@link #expireAfter}, which
 * hand it to a pool thread; the pool makes a thread only when none is idle, so deadlines that fire
 * together while such code blocks take a thread each.
 */
public final class DeadlineTimer {

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
  public static final long PULSE_NANOS = 10_000_000L;

  private static final Logger logger = LoggerFactory.getLogger(DeadlineTimer.class);

  private final ScheduledThreadPoolExecutor timer;
  private final Executor firing;
  private final AtomicBoolean pulsing = new AtomicBoolean();

  /** Whether a deadline was set since the last beat; read and cleared by the beat. */
  private volatile boolean setSinceBeat;

  private final AtomicLong beats = new AtomicLong();
  private final AtomicLong starts = new AtomicLong();
  private final Runnable pulse = this::beat;

  /**
   * Creates a timer; the SDK shares {@link #shared()}, tests make their own.
   *
   * @param threadPrefix the start of its thread's name, which ends in a number
   * @param firing where deadlines that are due run
   */
  public DeadlineTimer(String threadPrefix, Executor firing) {
    this.firing = firing;
    this.timer = new ScheduledThreadPoolExecutor(1, CachedThreads.threadFactory(threadPrefix));
    timer.setRemoveOnCancelPolicy(true);
    // An idle timer holds no thread (nor the class loader of a redeployed application).
    timer.setKeepAliveTime(CachedThreads.KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
    timer.allowCoreThreadTimeOut(true);
  }

  /**
   * Returns the SDK's timer; its thread starts with the first deadline.
   *
   * @return the shared timer
   */
  public static DeadlineTimer shared() {
    return Holder.SHARED;
  }

  /**
   * Runs {@code expire} on a pool thread once {@code delayNanos} have passed, unless the returned
   * future is cancelled first: for a deadline whose firing runs code the SDK does not own (a
   * caller's stages). Cancelling removes the deadline at once, so calls that finish in time leave
   * nothing queued behind them however long their timeouts are.
   *
   * @param expire what the deadline does; it should not throw
   * @param delayNanos how long from now
   * @return the pending deadline
   */
  public Future<?> schedule(Runnable expire, long delayNanos) {
    return arm(() -> handOver(expire), delayNanos);
  }

  /**
   * Runs {@code quick} on the timer's own thread once {@code delayNanos} have passed, unless the
   * returned future is cancelled first: for the SDK's own short, non-blocking steps (completing a
   * future whose stages hand callers' code elsewhere), which a burst of deadlines then runs one
   * after another on one thread instead of starting a thread each.
   *
   * @param quick what the deadline does; it must not block, and should not throw
   * @param delayNanos how long from now
   * @return the pending deadline
   */
  public Future<?> scheduleHere(Runnable quick, long delayNanos) {
    return arm(() -> runLogged(quick), delayNanos);
  }

  /** Queues {@code due}, which must not throw, and keeps the pulse beating for it. */
  private Future<?> arm(Runnable due, long delayNanos) {
    if (delayNanos > PULSE_NANOS) {
      if (!setSinceBeat) {
        setSinceBeat = true; // read first: most calls find it set and write nothing
      }
      if (!pulsing.get() && pulsing.compareAndSet(false, true)) {
        starts.incrementAndGet();
        pulseLater();
      }
    }
    return timer.schedule(due, delayNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Completes {@code future} with a {@link TimeoutException} on a pool thread once {@code
   * delayNanos} have passed, unless it completes first, as {@link CompletableFuture#orTimeout} does
   * on the JDK's one delay thread, which code elsewhere in the JVM may block. What was chained on
   * the future runs on that pool thread when the deadline fires.
   *
   * @param future the future to bound
   * @param delayNanos how long from now
   */
  public void expireAfter(CompletableFuture<?> future, long delayNanos) {
    bound(future, schedule(() -> expire(future), delayNanos));
  }

  /**
   * As {@link #expireAfter}, but completes {@code future} on the timer's own thread: only for a
   * future whose chained steps are the SDK's own, short and non-blocking (see {@link
   * #scheduleHere}), such as handing the answer to another executor.
   *
   * @param future the future to bound
   * @param delayNanos how long from now
   */
  public void expireAfterHere(CompletableFuture<?> future, long delayNanos) {
    bound(future, scheduleHere(() -> expire(future), delayNanos));
  }

  private static void expire(CompletableFuture<?> future) {
    future.completeExceptionally(new TimeoutException());
  }

  private static void bound(CompletableFuture<?> future, Future<?> deadline) {
    CompletableFuture<?> unused = future.whenComplete((value, error) -> deadline.cancel(false));
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
    Runnable logged = () -> runLogged(expire);
    try {
      firing.execute(logged);
    } catch (RuntimeException | OutOfMemoryError noThread) {
      // No thread to be had (the JVM is out of them): a late timeout on this thread beats one that
      // never fires and leaves its caller waiting for good.
      logged.run();
    }
  }

  private static void runLogged(Runnable expire) {
    try {
      expire.run();
    } catch (RuntimeException e) {
      // Failsafe's cancellation hooks, or a future's, threw; the call has its timeout already.
      // Neither the pool's uncaught-exception handler nor the timer (which would keep it in a
      // future nobody reads) is the place to find that out.
      logger.warn("A deadline's action failed after it was due", e);
    }
  }

  /**
   * Whether the pulse is beating; for tests.
   *
   * @return whether it beats
   */
  public boolean isPulsing() {
    return pulsing.get();
  }

  /**
   * How many times the pulse has beaten; for tests.
   *
   * @return the beats so far
   */
  public long beats() {
    return beats.get();
  }

  /**
   * How many tasks the timer holds, deadlines and pulse; for tests.
   *
   * @return the tasks queued
   */
  public int pending() {
    return timer.getQueue().size();
  }

  /**
   * How many times the pulse has started; for tests.
   *
   * @return the starts so far
   */
  public long starts() {
    return starts.get();
  }

  /** Class initialisation creates the one shared timer and its pool. */
  private static final class Holder {
    static final DeadlineTimer SHARED =
        new DeadlineTimer("securecart-deadline-timer-", CachedThreads.pool("securecart-deadline-"));
  }
}
