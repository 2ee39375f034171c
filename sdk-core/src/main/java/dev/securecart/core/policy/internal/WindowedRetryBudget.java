package dev.securecart.core.policy.internal;

import dev.securecart.core.Ticker;
import dev.securecart.core.policy.RetryBudget;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * The running state of one policy's {@link RetryBudget}. Thread-safe.
 *
 * <p>Every call {@linkplain #deposit() deposits} {@code percent/100} of a retry and every retry
 * {@linkplain #tryWithdraw() withdraws} one; both expire after the budget's window. A retry is
 * allowed while the window's balance plus the reserve ({@code minRetriesPerSecond × window}) is at
 * least one.
 */
final class WindowedRetryBudget {

  /*
   * How is the budget kept, and why?
   *
   * Deposits happen on every call, so they must cost next to nothing: a LongAdder increment, no lock
   * and no clock read (System.nanoTime() costs ~30 ns on the virtual machines we run on, a sixth of
   * a whole Failsafe call). Withdrawals happen only when a call failed in a retryable way, so they
   * may take a lock and read the ticker.
   *
   * The window is a ring of SLOTS time slots of window/SLOTS each, holding credit (deposits) minus
   * debit (withdrawals); slots older than the window are ignored and reused. Because deposits carry
   * no time, a withdrawal first "flushes" the calls deposited since the previous flush and has to
   * decide when they happened. It spreads them evenly over the time since that flush, so only the
   * share that falls inside the window counts. This matters at the start of a storm: after an hour
   * of success with no withdrawal, a naive flush would credit the whole hour's calls to the current
   * slot and allow a burst of retries worth an hour of traffic, exactly when retries hurt most.
   * Under steady traffic the spread is exact; under bursty traffic it is an estimate, and the error
   * is bounded by one window's worth of calls. During a storm withdrawals are frequent, so flushes
   * are frequent and the attribution is precise where it matters.
   *
   * Amounts are doubles: percent/100 is not exact in binary, so a comparison allows a small epsilon
   * (ten calls at 10 % buy exactly one retry, not 0.9999999999).
   */

  static final int SLOTS = 10;
  private static final double EPSILON = 1e-9;

  private final Ticker ticker;
  private final double creditPerCall;
  private final double reserve;
  private final long slotNanos;
  private final long origin;
  private final LongAdder calls = new LongAdder();

  // Guarded by this.
  private long flushedCalls;
  private long lastFlushNanos;
  private final long[] slotIds = new long[SLOTS];
  private final double[] balances = new double[SLOTS];

  WindowedRetryBudget(RetryBudget budget, Ticker ticker) {
    this.ticker = ticker;
    long windowNanos = budget.window().toNanos();
    this.creditPerCall = budget.percent() / 100.0;
    this.reserve = budget.minRetriesPerSecond() * (windowNanos / 1e9);
    this.slotNanos = Math.max(1, windowNanos / SLOTS);
    this.origin = ticker.read();
    this.lastFlushNanos = origin;
    Arrays.fill(slotIds, Long.MIN_VALUE);
  }

  /** Records a call: credit for a fraction of a retry. Lock-free; reads no clock. */
  void deposit() {
    calls.increment();
  }

  /** Takes one retry from the budget if the balance allows it. */
  synchronized boolean tryWithdraw() {
    long slot = flush(ticker.read());
    if (balance(slot) + EPSILON < 1.0) {
      return false;
    }
    add(slot, -1.0);
    return true;
  }

  /** The number of retries the budget would allow now, possibly fractional. */
  synchronized double available() {
    long slot = flush(ticker.read());
    return Math.max(0.0, balance(slot));
  }

  /** Credits the calls deposited since the last flush and returns the current slot. */
  private long flush(long nowNanos) {
    long now = Math.max(nowNanos, lastFlushNanos);
    long currentSlot = slotOf(now);
    // LongAdder.sum() is not a snapshot, but with increments only it never exceeds the true count
    // and never goes backwards, so calls it misses are credited at the next flush.
    long total = calls.sum();
    long pending = total - flushedCalls;
    if (pending > 0) {
      flushedCalls = total;
      spread(pending * creditPerCall, lastFlushNanos, now, currentSlot);
    }
    lastFlushNanos = now;
    return currentSlot;
  }

  /**
   * Spreads {@code amount} evenly over {@code (from, to]}, dropping what falls before the window.
   */
  private void spread(double amount, long from, long to, long toSlot) {
    if (to == from) {
      add(toSlot, amount);
      return;
    }
    double perNano = amount / (to - from);
    for (long slot = Math.max(slotOf(from), toSlot - SLOTS + 1); slot <= toSlot; slot++) {
      long start = Math.max(from, origin + slot * slotNanos);
      long end = Math.min(to, origin + (slot + 1) * slotNanos);
      if (end > start) {
        add(slot, perNano * (end - start));
      }
    }
  }

  private double balance(long currentSlot) {
    double sum = reserve;
    for (int i = 0; i < SLOTS; i++) {
      if (slotIds[i] > currentSlot - SLOTS) {
        sum += balances[i];
      }
    }
    return sum;
  }

  private void add(long slot, double amount) {
    int i = (int) Math.floorMod(slot, (long) SLOTS);
    if (slotIds[i] != slot) {
      slotIds[i] = slot;
      balances[i] = 0.0;
    }
    balances[i] += amount;
  }

  private long slotOf(long nanos) {
    return Math.floorDiv(nanos - origin, slotNanos);
  }
}
