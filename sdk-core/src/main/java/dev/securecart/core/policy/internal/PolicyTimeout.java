package dev.securecart.core.policy.internal;

import dev.failsafe.Timeout;
import dev.failsafe.internal.TimeoutImpl;
import dev.failsafe.spi.PolicyExecutor;
import dev.securecart.core.internal.DeadlineTimer;
import dev.securecart.core.policy.TimeoutConfig;

/**
 * Failsafe's timeout, fired by {@link DeadlineTimer} instead of Failsafe's shared pool, so that
 * code blocking that pool elsewhere in the JVM cannot make a call's timeout late. It keeps
 * Failsafe's type and exception ({@code TimeoutExceededException} naming this policy), which the
 * other policies and the translation of failures compare by identity.
 */
final class PolicyTimeout extends TimeoutImpl<Object> {

  private final long timeoutNanos;

  PolicyTimeout(TimeoutConfig config) {
    super(failsafeConfig(config));
    this.timeoutNanos = config.timeout().toNanos();
  }

  private static dev.failsafe.TimeoutConfig<Object> failsafeConfig(TimeoutConfig config) {
    var builder = Timeout.builder(config.timeout());
    if (config.interruptOnTimeout()) {
      builder.withInterrupt();
    }
    return builder.build().getConfig();
  }

  /** The timeout in nanoseconds. */
  long timeoutNanos() {
    return timeoutNanos;
  }

  @Override
  public PolicyExecutor<Object> toExecutor(int policyIndex) {
    return new PolicyTimeoutExecutor(this, policyIndex);
  }
}
