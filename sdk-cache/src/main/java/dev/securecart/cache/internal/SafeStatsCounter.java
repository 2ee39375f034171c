package dev.securecart.cache.internal;

import dev.securecart.cache.CacheStatsCounter;
import dev.securecart.cache.CacheStatsCounter.CodecOperation;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls a user's counter, logging its first failure at WARN and ignoring all of them. */
final class SafeStatsCounter implements CacheStatsCounter {

  private static final Logger logger = LoggerFactory.getLogger(SafeStatsCounter.class);

  private final CacheStatsCounter delegate;
  private final String cacheName;
  private final AtomicBoolean warned = new AtomicBoolean();

  SafeStatsCounter(CacheStatsCounter delegate, String cacheName) {
    this.delegate = delegate;
    this.cacheName = cacheName;
  }

  private void failed(RuntimeException e) {
    if (warned.compareAndSet(false, true)) {
      logger.warn("Cache '{}': the stats counter threw; ignoring its failures", cacheName, e);
    }
  }

  /**
   * For calls off the read path, where allocating the lambda costs nothing that matters; those on
   * it spell the try out.
   */
  private void safely(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void recordGet(Layer layer, GetResult result) {
    try {
      delegate.recordGet(layer, result);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void recordStaleIfError(Layer layer) {
    try {
      delegate.recordStaleIfError(layer);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void recordLoad(LoadResult result, long durationNanos) {
    try {
      delegate.recordLoad(result, durationNanos);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void recordEviction(EvictionCause cause) {
    try {
      delegate.recordEviction(cause);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void recordInvalidationSent(InvalidationKind kind) {
    try {
      delegate.recordInvalidationSent(kind);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void recordInvalidationFailed(InvalidationKind kind) {
    try {
      delegate.recordInvalidationFailed(kind);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void recordInvalidationReceived(InvalidationKind kind) {
    try {
      delegate.recordInvalidationReceived(kind);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void recordCodecFailure(CodecOperation operation) {
    safely(() -> delegate.recordCodecFailure(operation));
  }

  @Override
  public void recordBusReconnect() {
    try {
      delegate.recordBusReconnect();
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void recordLease(boolean acquired) {
    try {
      delegate.recordLease(acquired);
    } catch (RuntimeException e) {
      failed(e);
    }
  }
}
