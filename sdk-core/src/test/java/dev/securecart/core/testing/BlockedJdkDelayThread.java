package dev.securecart.core.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds the JDK's one {@code CompletableFuture} delay thread, which every {@code orTimeout} and
 * {@code delayedExecutor} in the JVM shares (JDK 17 to 21: a single {@code
 * CompletableFutureDelayScheduler} thread), as application code does that blocks in a callback
 * chained on an expired future: nothing else scheduled there runs until {@link #close()}, or 30 s.
 */
public final class BlockedJdkDelayThread implements AutoCloseable {

  private final CountDownLatch release = new CountDownLatch(1);
  private final CompletableFuture<?> blocker;

  private BlockedJdkDelayThread() {
    CountDownLatch blocked = new CountDownLatch(1);
    Thread constructing = Thread.currentThread();
    AtomicReference<Thread> holding = new AtomicReference<>();
    CompletableFuture<Object> expiring = new CompletableFuture<>();
    // Chained before the timeout is set: chained after it fired, it would run (and block) here.
    this.blocker =
        expiring.whenComplete(
            (value, error) -> {
              holding.set(Thread.currentThread());
              blocked.countDown();
              if (Thread.currentThread() == constructing) {
                return; // never block the test itself
              }
              try {
                release.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    CompletableFuture<Object> unused = expiring.orTimeout(1, TimeUnit.MILLISECONDS);
    try {
      if (!blocked.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the JDK's delay thread did not run the blocker in 30 s");
      }
      if (holding.get() == constructing) {
        throw new IllegalStateException(
            "the blocker ran on the test's thread, not the delay thread");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while blocking the JDK's delay thread", e);
    }
  }

  /**
   * Blocks the delay thread, and returns once it is blocked.
   *
   * @return the hold, to close when done
   */
  public static BlockedJdkDelayThread block() {
    return new BlockedJdkDelayThread();
  }

  /** Lets the delay thread go, and waits until it has. */
  @Override
  public void close() {
    release.countDown();
    blocker.handle((value, error) -> null).join();
  }
}
