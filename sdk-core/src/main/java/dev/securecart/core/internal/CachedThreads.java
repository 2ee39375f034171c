package dev.securecart.core.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pool of daemon threads for work that may block: a thread per task running at the moment, idle
 * ones reused and ended after {@link #KEEP_ALIVE_SECONDS} (the pool OkHttp's dispatcher runs its
 * calls on). Not the common pool, which on 3 or 4 cores has 2 or 3 workers that one blocking task
 * each holds up for everything else in the JVM (Failsafe's timeouts fire there), and not bounded: a
 * task that waits for another task of the same pool would then wait forever once every thread
 * waits.
 */
public final class CachedThreads {

  /** How long an idle thread waits for another task before it ends. */
  public static final long KEEP_ALIVE_SECONDS = 60;

  private CachedThreads() {}

  /**
   * Creates a pool whose threads are named {@code prefix} and a number.
   *
   * @param prefix the thread name's start, such as {@code securecart-cache-load-}
   * @return a new pool; its threads start on first use
   */
  public static ExecutorService pool(String prefix) {
    return new ThreadPoolExecutor(
        0,
        Integer.MAX_VALUE,
        KEEP_ALIVE_SECONDS,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        threadFactory(prefix));
  }

  /**
   * Creates the threads. A thread is created by whichever thread submits when none is idle, often a
   * request's: it inherits none of that thread's thread locals (a request's logging context would
   * label other work), and takes this library's class loader as context class loader rather than
   * whatever that thread had.
   *
   * @param prefix the thread name's start
   * @return the factory
   */
  public static ThreadFactory threadFactory(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(null, task, prefix + count.incrementAndGet(), 0, false);
      thread.setContextClassLoader(CachedThreads.class.getClassLoader());
      thread.setDaemon(true);
      return thread;
    };
  }
}
