package dev.securecart.core.policy.internal;

import dev.failsafe.Bulkhead;
import dev.failsafe.internal.BulkheadImpl;
import dev.securecart.core.policy.BulkheadConfig;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Failsafe's bulkhead, with synchronous waiting that does not leak permits.
 *
 * <p>Failsafe 3.3.2's {@code BulkheadImpl.tryAcquirePermit(Duration)}, which every synchronous call
 * goes through, queues a waiter and, when the wait times out (at once, for a zero wait), returns
 * without removing it; the next released permit is handed to that abandoned waiter and lost. Each
 * rejection thus destroys a permit until the bulkhead rejects everything, for good
 * (failsafe-lib/failsafe#393, unfixed in 3.3.2). Here a synchronous acquire first tries without
 * queueing, and waits, if it may, on a condition that {@link #releasePermit()} signals, so it never
 * leaves a waiter behind. Asynchronous calls keep Failsafe's own waiting, which cancels its waiters
 * correctly.
 */
final class PolicyBulkhead extends BulkheadImpl<Object> {

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition released = lock.newCondition();
  private final AtomicInteger waiting = new AtomicInteger();

  PolicyBulkhead(BulkheadConfig config) {
    super(
        Bulkhead.builder(config.maxConcurrentCalls())
            .withMaxWaitTime(config.maxWait())
            .build()
            .getConfig());
  }

  @Override
  public boolean tryAcquirePermit(Duration maxWaitTime) throws InterruptedException {
    if (tryAcquirePermit()) {
      return true;
    }
    long remaining = PolicyCircuitBreaker.saturatedNanos(maxWaitTime);
    if (remaining <= 0) {
      return false;
    }
    lock.lockInterruptibly();
    // Counted before the retry below, so that a release racing it either is seen by that retry
    // or sees this waiter and signals (both are synchronisation actions, totally ordered).
    waiting.incrementAndGet();
    try {
      while (!tryAcquirePermit()) {
        if (remaining <= 0) {
          return false;
        }
        remaining = released.awaitNanos(remaining);
      }
      return true;
    } finally {
      waiting.decrementAndGet();
      lock.unlock();
    }
  }

  // super.releasePermit() holds the monitor for the permit count; the signal needs only our lock.
  @SuppressWarnings("UnsynchronizedOverridesSynchronized")
  @Override
  public void releasePermit() {
    super.releasePermit();
    if (waiting.get() > 0) {
      lock.lock();
      try {
        released.signal();
      } finally {
        lock.unlock();
      }
    }
  }
}
