package dev.securecart.ratelimit.redis;

import java.util.concurrent.locks.LockSupport;

/**
 * Wakes the parked callers of one script call without making the I/O thread wake them all: it wakes
 * the first, and every caller it wakes wakes two more before returning (a binary tree over the
 * batch, so the last of {@code n} callers is about {@code log2 n} wake-ups away).
 *
 * <p>Why: a decision's caller parks until Redis answers, and waking a parked thread is a system
 * call that on a virtual machine costs several microseconds. Done by Lettuce's one I/O thread for
 * every caller of every batch, those wake-ups were nearly half of that thread's time under load,
 * and every other reply waited behind them. Spread over the callers they run on the other cores.
 *
 * <p>Every caller that stops waiting passes its turn on ({@link Request#leave()}); a caller that
 * left before its turn came (it gave up, or saw its answer without being woken) has its turn taken
 * by whoever reached it, so the tree never stops at a caller who is gone. The tree must be started
 * only once every request in it is completed, or a woken caller would find nothing and park again
 * with nobody left to wake it.
 */
final class WakeTree {

  private final Request[] waiting;

  /**
   * @param waiting the requests of one batch whose callers park on them, in any fixed order
   */
  WakeTree(Request[] waiting) {
    this.waiting = waiting;
    for (int i = 0; i < waiting.length; i++) {
      waiting[i].join(this, i);
    }
  }

  /** Starts the wake-ups; call after every request in the tree is completed. */
  void start() {
    wake(0);
  }

  /** Wakes the callers below {@code position}: called by the caller at {@code position}. */
  void wakeBelow(int position) {
    wake(2 * position + 1);
    wake(2 * position + 2);
  }

  private void wake(int position) {
    if (position >= waiting.length) {
      return;
    }
    Request request = waiting[position];
    if (request.reach()) {
      LockSupport.unpark(request.waiter);
    } else {
      wakeBelow(position); // its caller has left: take its turn
    }
  }
}
