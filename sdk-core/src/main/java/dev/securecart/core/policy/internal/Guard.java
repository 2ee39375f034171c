package dev.securecart.core.policy.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Runs one kind of user callback (a retry predicate, a {@code Retry-After} hook) so that its
 * exception never breaks a call: the callback counts as having said "no", the first failure is
 * logged at WARN and later ones at DEBUG.
 */
final class Guard {

  private final Logger logger;
  private final String what;
  private final AtomicBoolean failedBefore = new AtomicBoolean();

  /**
   * @param logger where failures are logged
   * @param what the callback, for the message ("retry predicate of policy 'payments'")
   */
  Guard(Logger logger, String what) {
    this.logger = logger;
    this.what = what;
  }

  /** Returns {@code predicate.test(value)}, or false if it throws. */
  <T> boolean test(Predicate<? super T> predicate, @Nullable T value) {
    try {
      return predicate.test(value);
    } catch (RuntimeException e) {
      failed(e);
      return false;
    }
  }

  /** Reports a failure of the callback. */
  void failed(RuntimeException e) {
    if (!failedBefore.getAndSet(true)) {
      logger.warn(
          "The {} threw; it is treated as answering no, and later failures are logged at DEBUG",
          what,
          e);
    } else {
      logger.debug("The {} threw again", what, e);
    }
  }
}
