package dev.securecart.cache;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** A stats counter that counts every event by a readable name, such as {@code get.L1.HIT}. */
final class RecordingStats implements CacheStatsCounter {

  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
  private final Map<LoadResult, Long> lastLoadNanos = new ConcurrentHashMap<>();

  private void inc(String name) {
    counts.computeIfAbsent(name, n -> new AtomicLong()).incrementAndGet();
  }

  long count(String name) {
    AtomicLong count = counts.get(name);
    return count == null ? 0 : count.get();
  }

  @Override
  public void recordGet(Layer layer, GetResult result) {
    inc("get." + layer + "." + result);
  }

  @Override
  public void recordStaleIfError(Layer layer) {
    inc("staleIfError." + layer);
  }

  @Override
  public void recordLoad(LoadResult result, long durationNanos) {
    lastLoadNanos.put(result, durationNanos);
    inc("load." + result);
  }

  /** The duration of the last load with {@code result}, or -1 if there was none. */
  long lastLoadNanos(LoadResult result) {
    return lastLoadNanos.getOrDefault(result, -1L);
  }

  @Override
  public void recordEviction(EvictionCause cause) {
    inc("eviction." + cause);
  }

  @Override
  public void recordInvalidationSent(InvalidationKind kind) {
    inc("sent." + kind);
  }

  @Override
  public void recordInvalidationReceived(InvalidationKind kind) {
    inc("received." + kind);
  }

  @Override
  public void recordInvalidationFailed(InvalidationKind kind) {
    inc("failed." + kind);
  }

  @Override
  public void recordCodecFailure(CodecOperation operation) {
    inc("codecFailure." + operation);
  }

  @Override
  public void recordBusReconnect() {
    inc("busReconnect");
  }

  @Override
  public void recordLease(boolean acquired) {
    inc(acquired ? "lease.acquired" : "lease.denied");
  }

  @Override
  public String toString() {
    return counts.toString();
  }
}
