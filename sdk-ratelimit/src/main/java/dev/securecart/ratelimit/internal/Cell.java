package dev.securecart.ratelimit.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** One key's state for one limit: a single word updated by compare-and-set. */
final class Cell {

  /** The state of a cell that was removed from its table; its users look it up again. */
  static final long DEAD = Long.MAX_VALUE;

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Cell.class, "state", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("UnusedVariable") // accessed through STATE
  private volatile long state;

  Cell(long initial) {
    this.state = initial;
  }

  long get() {
    return state;
  }

  boolean compareAndSet(long expected, long next) {
    return STATE.compareAndSet(this, expected, next);
  }
}
