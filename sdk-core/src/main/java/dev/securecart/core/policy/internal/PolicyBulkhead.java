package dev.securecart.core.policy.internal;

import dev.failsafe.Bulkhead;
import dev.failsafe.Timeout;
import dev.failsafe.internal.BulkheadImpl;
import dev.failsafe.spi.PolicyExecutor;
import dev.failsafe.spi.Scheduler;
import dev.securecart.core.policy.BulkheadConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Failsafe's bulkhead, with synchronous waiting that does not leak permits.
 *
 * <p>Failsafe 3.3.2's {@code BulkheadImpl.tryAcquirePermit(Duration)}, which every synchronous call
 * goes through, queues a waiter and, when the wait times out (at once, for a zero wait), returns
 * without removing it; the next released permit is handed to that abandoned waiter and lost. Each
 * rejection thus destroys a permit until the bulkhead rejects everything, for good
 * (failsafe-lib/failsafe#393, unfixed in 3.3.2). Here a synchronous acquire first tries without
 * queueing, and waits, if it may, on a condition that {@link #releasePermit()} signals, so it never
 * leaves a waiter behind.
 *
 * <p>Asynchronous calls lose permits the same way: Failsafe's asynchronous acquire queues a future,
 * and a release that takes a future whose wait has just timed out (at once, for a zero wait) counts
 * the permit as given and loses it. So they do not use it either: {@link PolicyBulkheadExecutor}
 * tries without queueing and, if it may wait, waits in {@link #acquireAsync}, where a permit that
 * reaches a waiter who already gave up goes back.
 *
 * <p>A synchronous wait also ends at the policy's overall deadline: Failsafe's timeout neither
 * interrupts a thread waiting here nor stops it from starting the attempt once it has a slot, so
 * the attempt would run after the deadline, holding the slot, for a result the timeout discards.
 */
final class PolicyBulkhead extends BulkheadImpl<Object> {

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition released = lock.newCondition();
  private final AtomicInteger waiting = new AtomicInteger();
  private final ConcurrentLinkedQueue<CompletableFuture<Boolean>> asyncWaiters =
      new ConcurrentLinkedQueue<>();
  private final long maxWaitNanos;
  private final @Nullable Timeout<Object> timeout;
  private final long timeoutNanos;

  /**
   * @param timeout the policy's overall timeout, whose deadline also ends a synchronous wait, or
   *     null for none
   */
  PolicyBulkhead(BulkheadConfig config, @Nullable Timeout<Object> timeout) {
    super(
        Bulkhead.builder(config.maxConcurrentCalls())
            .withMaxWaitTime(config.maxWait())
            .build()
            .getConfig());
    this.maxWaitNanos = PolicyCircuitBreaker.saturatedNanos(config.maxWait());
    this.timeout = timeout;
    this.timeoutNanos =
        timeout == null ? 0 : PolicyCircuitBreaker.saturatedNanos(timeout.getConfig().getTimeout());
  }

  /** The policy's overall timeout, or null for none. */
  @Nullable Timeout<Object> timeout() {
    return timeout;
  }

  /** The overall timeout in nanoseconds, 0 for none. */
  long timeoutNanos() {
    return timeoutNanos;
  }

  /** The longest a call waits for a permit, in nanoseconds. */
  long maxWaitNanos() {
    return maxWaitNanos;
  }

  @Override
  public PolicyExecutor<Object> toExecutor(int policyIndex) {
    return new PolicyBulkheadExecutor(this, policyIndex);
  }

  /**
   * Asks for a permit without blocking: completes with true once the caller holds one, with false
   * when the bulkhead's maximum wait passed first, or when {@code cancelled} was called.
   */
  CompletableFuture<Boolean> acquireAsync(Scheduler scheduler) {
    if (tryAcquirePermit()) {
      return CompletableFuture.completedFuture(true);
    }
    if (maxWaitNanos <= 0) {
      return CompletableFuture.completedFuture(false);
    }
    CompletableFuture<Boolean> waiter = new CompletableFuture<>();
    asyncWaiters.add(waiter);
    // A permit released between the try above and the add would otherwise wait for the next one.
    handOff();
    if (!waiter.isDone()) {
      Future<?> deadline;
      try {
        deadline =
            scheduler.schedule(
                () -> {
                  giveUp(waiter);
                  return null;
                },
                maxWaitNanos,
                TimeUnit.NANOSECONDS);
      } catch (RuntimeException e) {
        // No deadline (a scheduler shut down): a wait without one would keep its permit forever.
        if (!giveUp(waiter)) {
          releasePermit();
        }
        throw e;
      }
      CompletableFuture<?> unused =
          waiter.whenComplete((acquired, error) -> deadline.cancel(false));
    }
    return waiter;
  }

  /**
   * Ends a wait without a permit; returns false when the waiter had already got one (which the
   * caller then owns, and must release if its call will not run).
   */
  @SuppressWarnings("CollectionUndefinedEquality") // a waiter is itself: identity is what counts
  boolean giveUp(CompletableFuture<Boolean> waiter) {
    if (waiter.complete(false)) {
      asyncWaiters.remove(waiter);
      return true;
    }
    return !Boolean.TRUE.equals(waiter.getNow(false));
  }

  /** Gives free permits to asynchronous waiters, oldest first. */
  @SuppressWarnings("CollectionUndefinedEquality") // a waiter is itself: identity is what counts
  private void handOff() {
    CompletableFuture<Boolean> waiter;
    while ((waiter = asyncWaiters.peek()) != null && tryAcquirePermit()) {
      if (!asyncWaiters.remove(waiter) || !waiter.complete(true)) {
        // Taken by another hand-off, or it gave up meanwhile: the permit goes back.
        super.releasePermit();
      }
    }
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
    if (!asyncWaiters.isEmpty()) {
      handOff();
    }
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
