package dev.securecart.cache.internal;

import dev.securecart.core.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether L2 is worth asking. After a failure L2 is "down": requests skip it (reads go to the
 * origin, writes are dropped) except one probe per retry interval; the first success of a request
 * sent after the last failure brings it back. Each transition is logged once.
 *
 * <p>Only a request sent after the last failure counts: with L2 on a Cluster, one shard may be
 * frozen while the others answer, and a request to a healthy shard that was already on its way when
 * one to the frozen shard failed says nothing about it. Counting such answers flipped L2 back up at
 * once, so every read of a key on the frozen shard waited for its command timeout again, and each
 * flip was logged.
 */
final class L2Health {

  private static final Logger logger = LoggerFactory.getLogger(L2Health.class);

  private final String cacheName;
  private final Ticker ticker;
  private final long retryNanos;
  private final Duration retry;
  private final AtomicBoolean down = new AtomicBoolean();
  private final AtomicLong nextProbe = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

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

  /** Taken when a request is sent; pass it to {@link #succeeded} when the request succeeds. */
  long ticket() {
    return failures.get();
  }

  void failed(Throwable cause) {
    failures.incrementAndGet();
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

  /**
   * A request succeeded.
   *
   * @param ticket its {@link #ticket()}, taken when it was sent
   */
  void succeeded(long ticket) {
    if (ticket == failures.get() && down.compareAndSet(true, false)) {
      logger.info("Cache '{}': L2 is reachable again", cacheName);
    }
  }
}
