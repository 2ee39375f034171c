package dev.securecart.core.policy.internal;

import dev.failsafe.spi.Scheduler;
import dev.securecart.core.internal.CachedThreads;

/**
 * Where policies without a scheduler of their own start asynchronous attempts and wait out
 * backoffs: Failsafe's delay thread, then {@link CachedThreads} named {@code securecart-policy-N}.
 *
 * <p>Not Failsafe's default, which runs them on the common pool (on 2 cores, a pool of 2 threads of
 * its own) where Failsafe's own timeouts fire (the policies' fire on {@code DeadlineTimer}): two
 * attempts whose suppliers block there held up the timeouts of every other call in the JVM.
 * Measured before this class on 2 cores, with four such attempts blocked: a synchronous call with a
 * 200 ms timeout returned its late success after 1 s, and an asynchronous one timed out after 4.8
 * s.
 */
final class AttemptScheduler {

  private AttemptScheduler() {}

  /** The shared scheduler; its threads start on first use. */
  static Scheduler shared() {
    return Holder.SCHEDULER;
  }

  /** Class initialisation creates the one pool. */
  private static final class Holder {
    static final Scheduler SCHEDULER = Scheduler.of(CachedThreads.pool("securecart-policy-"));
  }
}
