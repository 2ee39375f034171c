package dev.securecart.cache.internal;

import dev.securecart.core.internal.CachedThreads;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;

/**
 * Where loads run for caches built without an executor: {@link CachedThreads}, daemon threads named
 * {@code securecart-cache-load-N}, shared by all such caches in the JVM.
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

  private static final String PREFIX = "securecart-cache-load-";

  private LoadExecutor() {}

  /** Returns the shared executor; its threads start on first use. */
  public static Executor shared() {
    return Shared.VIEW;
  }

  /** Creates the load threads (see {@link CachedThreads#threadFactory}). */
  static ThreadFactory threadFactory() {
    return CachedThreads.threadFactory(PREFIX);
  }

  /** Class initialisation creates the one pool. */
  private static final class Shared {
    static final ExecutorService EXECUTOR = CachedThreads.pool(PREFIX);

    /** What callers get: the pool itself could be cast and shut down for every cache. */
    static final Executor VIEW = command -> EXECUTOR.execute(command);
  }
}
