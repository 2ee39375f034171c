package dev.securecart.ratelimit.internal;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * The cells of one limit, by key, with bounded memory. A cell whose state is idle (equivalent to a
 * key never seen: its full burst is available) is removed by a sweep that runs at most every {@link
 * #SWEEP_INTERVAL_MICROS} on a caller's thread; when the table is full, idle cells are swept at
 * once and, if that is not enough, an eighth of the cells are evicted (forgetting what those keys
 * had consumed: a bounded over-admission, counted by {@link #evictions()}): those with the most
 * permits left. So forgetting over-admits as little as it can, and a flood of new keys cannot
 * choose which key is forgotten: a key that is being held back (a password being guessed) is the
 * last to go, not whichever sits first in the hash table.
 *
 * <p>Removal marks the cell {@link Cell#DEAD} with a compare-and-set before unlinking it, so a
 * concurrent decision on that cell fails its own compare-and-set and looks the key up again: no
 * update is ever lost to a removal.
 */
final class KeyTable {

  static final long SWEEP_INTERVAL_MICROS = 5_000_000;

  /** What the table needs to know of a state. */
  interface States {

    /** How long until the state is equivalent to no state (its full burst back); 0 when it is. */
    long resetAfter(long state, long now);

    /** The permits the state leaves available now. */
    long remaining(long state, long now);
  }

  /** Reset times sampled to find which cells to evict. */
  private static final int EVICTION_SAMPLE = 1024;

  private final ConcurrentHashMap<String, Cell> cells = new ConcurrentHashMap<>();
  private final Function<String, Cell> factory;
  private final States states;
  private final int maximumKeys;
  private final int overshoot;
  private final AtomicBoolean sweeping = new AtomicBoolean();
  private final LongAdder evictions = new LongAdder();
  private volatile long nextSweep;

  KeyTable(long emptyState, States states, int maximumKeys, long now) {
    this.nextSweep = now + SWEEP_INTERVAL_MICROS;
    this.factory = key -> new Cell(emptyState);
    this.states = states;
    this.maximumKeys = maximumKeys;
    this.overshoot = Math.max(1, maximumKeys / 8);
  }

  /** The cell of {@code key}, created if needed. */
  Cell cell(String key, long now) {
    Cell cell = cells.get(key);
    if (cell != null) {
      return cell;
    }
    // While one thread makes room, others may add a few keys (an eighth of the bound); past that
    // they wait for it, or a flood of new keys on several threads grows the table without bound
    // (a test saw 17,000 keys in a table of 1,000).
    for (int waits = 0;
        cells.size() >= maximumKeys && !makeRoom(now) && cells.size() >= maximumKeys + overshoot;
        waits++) {
      // A sweep of a large table takes a while: spin briefly, then leave the core to it.
      if (waits < 100) {
        Thread.onSpinWait();
      } else {
        LockSupport.parkNanos(50_000);
      }
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

  /** Makes room unless another thread is at it; returns whether this one did. */
  private boolean makeRoom(long now) {
    if (!sweeping.compareAndSet(false, true)) {
      return false;
    }
    try {
      sweep(now);
      int size = cells.size();
      if (size >= maximumKeys) {
        evictLeastHeldBack(Math.max(1, maximumKeys / 8), size, now);
      }
    } finally {
      sweeping.set(false);
    }
    return true;
  }

  private void sweep(long now) {
    for (Map.Entry<String, Cell> entry : cells.entrySet()) {
      Cell cell = entry.getValue();
      long state = cell.get();
      if (state != Cell.DEAD
          && states.resetAfter(state, now) <= 0
          && cell.compareAndSet(state, Cell.DEAD)) {
        cells.remove(entry.getKey(), cell);
      }
    }
  }

  /**
   * Evicts {@code count} of about {@code size} cells, those with the most permits left. The cut-off
   * comes from a sample (every cell would cost a sort of the whole table on a caller's thread);
   * when ties or the sample's error leave too few at or above it, the next pass takes a lower one.
   */
  private void evictLeastHeldBack(int count, int size, long now) {
    long[] sample = new long[Math.min(size, EVICTION_SAMPLE)];
    int stride = Math.max(1, size / sample.length);
    int sampled = 0;
    int seen = 0;
    for (Cell cell : cells.values()) {
      if (seen++ % stride == 0) {
        long state = cell.get();
        sample[sampled++] = state == Cell.DEAD ? Long.MAX_VALUE : states.remaining(state, now);
        if (sampled == sample.length) {
          break; // the rest of the table is not needed for the cut-off
        }
      }
    }
    Arrays.sort(sample, 0, sampled);
    int left = count;
    for (double share = (double) count / size; left > 0 && sampled > 0; share *= 2) {
      long cutOff =
          share >= 1
              ? Long.MIN_VALUE
              : sample[(int) Math.max(0, sampled - Math.ceil(share * sampled))];
      Iterator<Map.Entry<String, Cell>> it = cells.entrySet().iterator();
      while (left > 0 && it.hasNext()) {
        Map.Entry<String, Cell> entry = it.next();
        long state = entry.getValue().get();
        if (state != Cell.DEAD
            && states.remaining(state, now) >= cutOff
            && kill(entry.getKey(), entry.getValue())) {
          left--;
          evictions.increment();
        }
      }
      if (share >= 1) {
        break;
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
