package dev.securecart.cache.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where loads run for caches built without an executor: a thread per load running at the moment,
 * idle ones reused and ended after {@link #KEEP_ALIVE_SECONDS} (the pool OkHttp's dispatcher runs
 * its calls on), daemon threads named {@code securecart-cache-load-N}, shared by all such caches in
 * the JVM.
 *
 * <p>Not the common pool, where loaders block: on 3 or 4 cores it has 2 or 3 workers, so that many
 * slow loads would hold up every miss in the JVM, and on 2 cores JDK 17's {@code CompletableFuture}
 * swaps that one-worker pool for a new thread per task, so a spike of cold keys would start and end
 * a thread each. Not bounded either: a loader that reads another cache waits for a load of its own,
 * and with every thread of a bounded pool held by such loaders the loads they wait for would wait
 * in line behind them until their deadlines. Request coalescing keeps one load per key, so the
 * threads in use are about the distinct keys loading at once, plus loads still running after their
 * deadline (a loader without a timeout of its own on a hung origin keeps its thread).
 */
public final class LoadExecutor {

  /** How long an idle thread waits for another load before it ends. */
  static final long KEEP_ALIVE_SECONDS = 60;

  private LoadExecutor() {}

  /** Returns the shared executor; its threads start on first use. */
  public static Executor shared() {
    return Shared.VIEW;
  }

  /**
   * Creates the load threads. A thread is created by whichever thread submits when none is idle,
   * often a request's: it inherits none of that thread's thread locals (a request's logging context
   * would label other loads), and takes this library's class loader as context class loader rather
   * than whatever that thread had.
   */
  static ThreadFactory threadFactory() {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread =
          new Thread(null, task, "securecart-cache-load-" + count.incrementAndGet(), 0, false);
      thread.setContextClassLoader(LoadExecutor.class.getClassLoader());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Class initialisation creates the one pool. */
  private static final class Shared {
    static final ThreadPoolExecutor EXECUTOR =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            KEEP_ALIVE_SECONDS,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            threadFactory());

    /** What callers get: the pool itself could be cast and shut down for every cache. */
    static final Executor VIEW = command -> EXECUTOR.execute(command);
  }
}
