package dev.securecart.cache.internal;

import dev.securecart.core.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether L2 is worth asking. After a failure L2 is "down": requests skip it (reads go to the
 * origin, writes are dropped) except one probe per retry interval; the first success brings it
 * back. Each transition is logged once.
 */
final class L2Health {

  private static final Logger logger = LoggerFactory.getLogger(L2Health.class);

  private final String cacheName;
  private final Ticker ticker;
  private final long retryNanos;
  private final Duration retry;
  private final AtomicBoolean down = new AtomicBoolean();
  private final AtomicLong nextProbe = new AtomicLong();

  L2Health(String cacheName, Ticker ticker, Duration retry) {
    this.cacheName = cacheName;
    this.ticker = ticker;
    this.retry = retry;
    this.retryNanos = retry.toNanos();
  }

  boolean isDown() {
    return down.get();
  }

  /** Whether a request may go to L2 now (always when up; one probe per interval when down). */
  boolean allowRequest() {
    if (!down.get()) {
      return true;
    }
    long now = ticker.read();
    long next = nextProbe.get();
    return now - next >= 0 && nextProbe.compareAndSet(next, now + retryNanos);
  }

  void failed(Throwable cause) {
    nextProbe.set(ticker.read() + retryNanos);
    if (down.compareAndSet(false, true)) {
      logger.warn(
          "Cache '{}': L2 is unreachable ({}); serving from L1 and the origin, skipping L2 writes,"
              + " probing every {}",
          cacheName,
          cause.getClass().getSimpleName() + ": " + cause.getMessage(),
          retry);
    }
  }

  void succeeded() {
    if (down.compareAndSet(true, false)) {
      logger.info("Cache '{}': L2 is reachable again", cacheName);
    }
  }
}
