package dev.securecart.ratelimit.redis;

import dev.securecart.ratelimit.Decision;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * One decision waiting for Redis: the state keys (one per limit), how many permits it needs at
 * least and would take at most (more than needed only when leasing), and when it was submitted.
 * Completed with the decision, or exceptionally when its batch failed. A caller that gave up
 * completes it first, so that a batch not yet sent leaves it out.
 *
 * <p>A synchronous caller ({@link #waiter} set) parks on the request instead of registering with
 * the future, so that completing it wakes nobody: its batch's {@link WakeTree} does.
 */
final class Request extends CompletableFuture<Decision> {

  private static final int WAITING = 0;
  private static final int REACHED = 1;
  private static final int LEFT = 2;
  private static final VarHandle TURN;

  static {
    try {
      TURN = MethodHandles.lookup().findVarHandle(Request.class, "turn", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final String[] redisKeys;
  final String[] keys;
  final long least;
  final long most;
  final long submittedAt;

  /** The thread parked on this request, or null for an asynchronous caller. */
  final @Nullable Thread waiter;

  long granted;

  /** The decision read from the batch's reply, set on the I/O thread before completing. */
  @Nullable Decision answer;

  // Written before the batch is sent, read by whoever the tree reaches this request through.
  private @Nullable WakeTree tree;
  private int position;

  @SuppressWarnings("UnusedVariable") // accessed through TURN
  private volatile int turn;

  Request(
      String[] redisKeys,
      String[] keys,
      long least,
      long most,
      long submittedAt,
      @Nullable Thread waiter) {
    this.redisKeys = redisKeys;
    this.keys = keys;
    this.least = least;
    this.most = most;
    this.submittedAt = submittedAt;
    this.waiter = waiter;
  }

  /** Places this request in its batch's wake-up tree. */
  void join(WakeTree tree, int position) {
    this.tree = tree;
    this.position = position;
  }

  /** The tree's turn reached this request: true if its caller is still here to be woken. */
  boolean reach() {
    return TURN.compareAndSet(this, WAITING, REACHED);
  }

  /**
   * Called once by the synchronous caller when it stops waiting: if the tree already reached it, it
   * wakes the callers below it; else whoever reaches it later does.
   */
  void leave() {
    if (!TURN.compareAndSet(this, WAITING, LEFT)) {
      WakeTree reachedBy = tree;
      if (reachedBy != null) {
        reachedBy.wakeBelow(position);
      }
    }
  }

  /** Completes the request with its answer, or with {@code failure} when the batch failed. */
  void settle(@Nullable Throwable failure) {
    Decision decided = answer;
    if (failure == null && decided != null) {
      complete(decided);
    } else {
      completeExceptionally(
          failure != null ? failure : new IllegalStateException("the reply had no answer for it"));
    }
  }

  /** Fails the request and wakes its caller at once, outside any tree (a batch never sent). */
  void failNow(Throwable error) {
    if (completeExceptionally(error) && waiter != null) {
      LockSupport.unpark(waiter);
    }
  }
}
