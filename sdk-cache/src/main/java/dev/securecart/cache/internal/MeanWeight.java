package dev.securecart.cache.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The mean weight of the found entries written to L1 so far: what a "not found" entry weighs. The
 * user's weigher has no value to weigh for it, and a fixed weight of 1 against a budget in bytes
 * would let a crawler of missing ids fill the heap with entries the bound does not see.
 */
final class MeanWeight {

  private final AtomicLong total = new AtomicLong();
  private final AtomicLong count = new AtomicLong();

  /** Records the weight of a found entry and returns it. */
  int record(int weight) {
    total.addAndGet(weight);
    count.incrementAndGet();
    return weight;
  }

  /** The mean so far, at least 1 (1 before any found entry). */
  int mean() {
    long n = count.get();
    return n == 0 ? 1 : (int) Math.max(1, Math.min(Integer.MAX_VALUE, total.get() / n));
  }
}
