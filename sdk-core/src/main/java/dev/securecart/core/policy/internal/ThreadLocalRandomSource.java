package dev.securecart.core.policy.internal;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * The default jitter source: {@link ThreadLocalRandom} of the calling thread, fetched on every call
 * as its contract requires (a shared instance would read an uninitialised seed on other threads).
 */
public enum ThreadLocalRandomSource implements DoubleSupplier {
  INSTANCE;

  @Override
  public double getAsDouble() {
    return ThreadLocalRandom.current().nextDouble();
  }
}
