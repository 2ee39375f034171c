package dev.securecart.ratelimit.internal;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The cells of one limit, by key, with bounded memory. A cell whose state is idle (equivalent to a
 * key never seen: its full burst is available) is removed by a sweep that runs at most every {@link
 * #SWEEP_INTERVAL_MICROS} on a caller's thread; when the table is full, idle cells are swept at
 * once and, if that is not enough, an eighth of the cells are evicted (forgetting what those keys
 * had consumed: a bounded over-admission, counted by {@link #evictions()}).
 *
 * <p>Removal marks the cell {@link Cell#DEAD} with a compare-and-set before unlinking it, so a
 * concurrent decision on that cell fails its own compare-and-set and looks the key up again: no
 * update is ever lost to a removal.
 */
final class KeyTable {

  static final long SWEEP_INTERVAL_MICROS = 5_000_000;

  /** Whether a state, at a time, is equivalent to no state. */
  @FunctionalInterface
  interface IdleTest {
    boolean isIdle(long state, long now);
  }

  private final ConcurrentHashMap<String, Cell> cells = new ConcurrentHashMap<>();
  private final Function<String, Cell> factory;
  private final IdleTest idle;
  private final int maximumKeys;
  private final AtomicBoolean sweeping = new AtomicBoolean();
  private final LongAdder evictions = new LongAdder();
  private volatile long nextSweep;

  KeyTable(long emptyState, IdleTest idle, int maximumKeys, long now) {
    this.nextSweep = now + SWEEP_INTERVAL_MICROS;
    this.factory = key -> new Cell(emptyState);
    this.idle = idle;
    this.maximumKeys = maximumKeys;
  }

  /** The cell of {@code key}, created if needed. */
  Cell cell(String key, long now) {
    Cell cell = cells.get(key);
    if (cell != null) {
      return cell;
    }
    if (cells.size() >= maximumKeys) {
      makeRoom(now);
    }
    return cells.computeIfAbsent(key, factory);
  }

  /** Runs a sweep when one is due; cheap (one volatile read) when none is. */
  void maybeSweep(long now) {
    if (now - nextSweep >= 0 && sweeping.compareAndSet(false, true)) {
      try {
        nextSweep = now + SWEEP_INTERVAL_MICROS;
        sweep(now);
      } finally {
        sweeping.set(false);
      }
    }
  }

  private void makeRoom(long now) {
    if (!sweeping.compareAndSet(false, true)) {
      return; // another thread is making room; the table may overshoot by a few keys meanwhile
    }
    try {
      sweep(now);
      if (cells.size() >= maximumKeys) {
        int toEvict = Math.max(1, maximumKeys / 8);
        Iterator<Map.Entry<String, Cell>> it = cells.entrySet().iterator();
        while (toEvict > 0 && it.hasNext()) {
          Map.Entry<String, Cell> entry = it.next();
          if (kill(entry.getKey(), entry.getValue())) {
            toEvict--;
            evictions.increment();
          }
        }
      }
    } finally {
      sweeping.set(false);
    }
  }

  private void sweep(long now) {
    for (Map.Entry<String, Cell> entry : cells.entrySet()) {
      Cell cell = entry.getValue();
      long state = cell.get();
      if (state != Cell.DEAD && idle.isIdle(state, now) && cell.compareAndSet(state, Cell.DEAD)) {
        cells.remove(entry.getKey(), cell);
      }
    }
  }

  private boolean kill(String key, Cell cell) {
    while (true) {
      long state = cell.get();
      if (state == Cell.DEAD) {
        return false;
      }
      if (cell.compareAndSet(state, Cell.DEAD)) {
        cells.remove(key, cell);
        return true;
      }
    }
  }

  /** The number of keys tracked. */
  int size() {
    return cells.size();
  }

  /** The number of keys evicted while their state was still in use. */
  long evictions() {
    return evictions.sum();
  }
}
