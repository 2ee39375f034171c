package dev.securecart.cache.internal;

import dev.securecart.core.Ticker;
import java.util.concurrent.locks.LockSupport;

/**
 * The system ticker as of the last millisecond, for the L1 hit path: one volatile read instead of a
 * {@code System.nanoTime()} call, which costs as much as the Caffeine lookup itself on many virtual
 * machines. A single daemon thread per JVM, started on first use, stores the time once per {@link
 * #RESOLUTION_NANOS}.
 *
 * <p>A reading is never ahead of the system ticker and normally behind it by at most the resolution
 * (more only while the machine is too busy to run the thread). So an entry may be served as fresh
 * for that long after its fresh window ended, and never treated as stale early.
 */
final class CoarseTicker implements Ticker {

  /** How often the time is stored: 1 ms, far below any freshness window worth configuring. */
  static final long RESOLUTION_NANOS = 1_000_000L;

  private static final CoarseTicker INSTANCE = new CoarseTicker();

  private volatile long now = System.nanoTime();

  private CoarseTicker() {}

  /** Returns the shared ticker, starting its thread on the first call. */
  static Ticker instance() {
    return Updater.TICKER;
  }

  @Override
  public long read() {
    return now;
  }

  private void run() {
    while (true) {
      LockSupport.parkNanos(this, RESOLUTION_NANOS);
      // parkNanos returns at once while the interrupt flag is set; nobody should interrupt this
      // thread, but if someone does, clear the flag rather than spin.
      Thread.interrupted();
      now = System.nanoTime();
    }
  }

  /** Holds the started ticker; the JVM's class initialisation makes the start happen once. */
  private static final class Updater {
    static final CoarseTicker TICKER = start();

    private static CoarseTicker start() {
      Thread thread = new Thread(INSTANCE::run, "securecart-cache-ticker");
      thread.setDaemon(true);
      thread.start();
      return INSTANCE;
    }
  }
}
