package dev.securecart.cache.internal;

import dev.securecart.core.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The system ticker as of the last millisecond, for the L1 hit path: one volatile read instead of a
 * {@code System.nanoTime()} call, which costs as much as the Caffeine lookup itself on many virtual
 * machines. A single daemon thread per JVM, started on first use, stores the time once per {@link
 * #RESOLUTION_NANOS}, and parks after a second in which nobody read it (an idle service should not
 * wake up a thousand times a second); the next read wakes it.
 *
 * <p>A reading is never ahead of the system ticker and normally behind it by at most the resolution
 * (more only while the machine is too busy to run the thread). So an entry may be served as fresh
 * for that long after its fresh window ended, and never treated as stale early.
 */
final class CoarseTicker implements Ticker {

  /** How often the time is stored: 1 ms, far below any freshness window worth configuring. */
  static final long RESOLUTION_NANOS = 1_000_000L;

  /** Ticks without a read before the thread parks: one second. */
  static final int IDLE_TICKS = 1_000;

  private static final VarHandle PAUSED;

  static {
    try {
      PAUSED = MethodHandles.lookup().findVarHandle(CoarseTicker.class, "paused", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final long resolutionNanos;
  private final int idleTicks;

  private volatile long now = System.nanoTime();

  /** Set by the first read after each tick, cleared by the thread: tells it someone is reading. */
  private volatile boolean readSinceTick;

  /** Whether the thread is parked for lack of readers, and {@link #now} is therefore stale. */
  private volatile boolean paused;

  private final Thread thread;

  /** A ticker whose thread, named {@code threadName}, runs once {@link #start()} is called. */
  CoarseTicker(long resolutionNanos, int idleTicks, String threadName) {
    this.resolutionNanos = resolutionNanos;
    this.idleTicks = idleTicks;
    // Started from whichever thread first reads: inherit none of its thread locals and hold on to
    // none of its class loaders.
    this.thread = new Thread(null, this::run, threadName, 0, false);
    thread.setContextClassLoader(null);
    thread.setDaemon(true);
  }

  /** Returns the shared ticker, starting its thread on the first call. */
  static Ticker instance() {
    return Shared.TICKER;
  }

  /** Starts this ticker's thread; for the shared instance and for tests. */
  CoarseTicker start() {
    thread.start();
    return this;
  }

  /*
   * Why a paused ticker is never read stale. The thread writes paused and then reads
   * readSinceTick; a reader writes readSinceTick (if it was clear) and then reads paused. With
   * volatiles one of them sees the other's write: either the thread sees the read and keeps
   * ticking, or the reader sees paused and resumes. A reader that resumes stores a fresh time
   * before it clears paused, so whoever sees paused cleared also sees that time. A reader reads
   * paused before now, so it never pairs an old paused=false with a stale now.
   */

  @Override
  public long read() {
    if (!readSinceTick) {
      readSinceTick = true;
    }
    if (paused) {
      return resume();
    }
    return now;
  }

  private long resume() {
    long fresh = System.nanoTime();
    now = fresh;
    if (PAUSED.compareAndSet(this, true, false)) {
      LockSupport.unpark(thread);
    }
    return fresh;
  }

  /** Whether the thread is parked for lack of readers; for tests. */
  boolean isPaused() {
    return paused;
  }

  /** The stored time, without counting as a read; for tests. */
  long stored() {
    return now;
  }

  private void run() {
    int idle = 0;
    while (true) {
      LockSupport.parkNanos(this, resolutionNanos);
      // park returns at once while the interrupt flag is set; nobody should interrupt this
      // thread, but if someone does, clear the flag rather than spin.
      Thread.interrupted();
      if (readSinceTick) {
        readSinceTick = false;
        idle = 0;
      } else if (++idle >= idleTicks) {
        idle = 0;
        paused = true;
        if (readSinceTick) {
          PAUSED.compareAndSet(this, true, false); // a reader came in between: keep ticking
        }
        while (paused) {
          LockSupport.park(this);
          Thread.interrupted();
        }
      }
      now = System.nanoTime();
    }
  }

  /** Holds the started shared ticker; class initialisation makes the start happen once. */
  private static final class Shared {
    static final CoarseTicker TICKER =
        new CoarseTicker(RESOLUTION_NANOS, IDLE_TICKS, "securecart-cache-ticker").start();
  }
}
