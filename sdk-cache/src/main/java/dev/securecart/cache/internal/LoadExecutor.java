package dev.securecart.cache.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where loads run for caches built without an executor: up to {@link #MAXIMUM_THREADS} daemon
 * threads named {@code securecart-cache-load-N}, shared by all such caches in the JVM, each ending
 * after {@link #KEEP_ALIVE_SECONDS} idle; loads beyond that wait in line (their origin deadline
 * runs meanwhile).
 *
 * <p>Not the common pool, where loaders block: it has one worker per core but one, so on a 2-core
 * machine every miss in the JVM would wait for the one load ahead of it, and a slow origin would
 * turn misses on other keys into origin timeouts. Request coalescing already keeps one load per
 * key, so the threads in use are the distinct keys loading at once; the bound keeps a spike of cold
 * keys from starting thousands of threads, much as OkHttp's dispatcher caps its calls at 64.
 */
public final class LoadExecutor {

  /** The most loads that run at once on the shared executor. */
  public static final int MAXIMUM_THREADS = 64;

  /** How long an idle thread waits for another load before it ends. */
  static final long KEEP_ALIVE_SECONDS = 60;

  private LoadExecutor() {}

  /** Returns the shared executor; its threads start on first use. */
  public static Executor shared() {
    return Shared.EXECUTOR;
  }

  /** Class initialisation creates the one pool. */
  private static final class Shared {
    static final ThreadPoolExecutor EXECUTOR = create();

    private static ThreadPoolExecutor create() {
      AtomicInteger count = new AtomicInteger();
      ThreadFactory threads =
          task -> {
            // Created by whichever thread submits while the pool is short, often a request's:
            // inherit none of its thread locals (a request's MDC would label other loads), and
            // take this library's class loader rather than whatever that thread had.
            Thread thread =
                new Thread(
                    null, task, "securecart-cache-load-" + count.incrementAndGet(), 0, false);
            thread.setContextClassLoader(LoadExecutor.class.getClassLoader());
            thread.setDaemon(true);
            return thread;
          };
      ThreadPoolExecutor executor =
          new ThreadPoolExecutor(
              MAXIMUM_THREADS,
              MAXIMUM_THREADS,
              KEEP_ALIVE_SECONDS,
              TimeUnit.SECONDS,
              new LinkedBlockingQueue<>(),
              threads);
      executor.allowCoreThreadTimeOut(true);
      return executor;
    }
  }
}
