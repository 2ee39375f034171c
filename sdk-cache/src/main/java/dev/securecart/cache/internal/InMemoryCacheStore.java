package dev.securecart.cache.internal;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import dev.securecart.cache.CacheStore;
import dev.securecart.cache.StoredEntry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link CacheStore} in this JVM's heap, with Redis's semantics: stamps, key and tag epochs, expiry
 * by wall clock, leases. Expired data is dropped when touched, and by a sweep of every map once the
 * writes since the last sweep outnumber what it left (and at least {@value #SWEEP_EVERY}): keys
 * written once and never again do not stay in the heap for good, the store holds at most about
 * twice what is live, and a write pays for sweeps a constant amount on average. Thread-safe.
 */
public final class InMemoryCacheStore implements CacheStore {

  private record Epoch(long stamp, long expiresAtMillis) {

    /**
     * The newer stamp, kept as long as either asks: as on Redis, a later invalidation with a
     * shorter retention must not cut short how long an earlier one hides entries.
     */
    static Epoch merge(Epoch a, Epoch b) {
      return new Epoch(
          Math.max(a.stamp(), b.stamp()), Math.max(a.expiresAtMillis(), b.expiresAtMillis()));
    }
  }

  private record Lease(String owner, long expiresAtMillis) {}

  private final Clock clock;
  private final ConcurrentHashMap<String, StoredEntry> entries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Epoch> keyEpochs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Epoch> tagEpochs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Epoch> allEpochs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicLong> sequences = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();

  /** The fewest writes between two sweeps. */
  static final int SWEEP_EVERY = 1_024;

  private final AtomicLong writes = new AtomicLong();
  private final AtomicBoolean sweeping = new AtomicBoolean();
  private volatile long nextSweep = SWEEP_EVERY;

  /**
   * @param clock the wall clock that expiry follows
   */
  public InMemoryCacheStore(Clock clock) {
    this.clock = requireNonNull(clock, "clock");
  }

  private static String id(String cache, String key) {
    return cache + '\u0000' + key;
  }

  private AtomicLong sequence(String cache) {
    return sequences.computeIfAbsent(cache, c -> new AtomicLong());
  }

  private long epoch(ConcurrentHashMap<String, Epoch> epochs, String id, long now) {
    Epoch epoch = epochs.get(id);
    if (epoch == null) {
      return 0;
    }
    if (epoch.expiresAtMillis() <= now) {
      epochs.remove(id, epoch);
      return 0;
    }
    return epoch.stamp();
  }

  @Override
  public CompletableFuture<ReadResult> read(String cache, String key) {
    long now = clock.millis();
    long stamp = sequence(cache).get();
    String id = id(cache, key);
    StoredEntry entry = entries.get(id);
    if (entry == null) {
      return CompletableFuture.completedFuture(new ReadResult(Optional.empty(), stamp));
    }
    if (entry.expiresAtMillis() <= now) {
      entries.remove(id, entry);
      return CompletableFuture.completedFuture(new ReadResult(Optional.empty(), stamp));
    }
    if (epoch(allEpochs, cache, now) > entry.stamp()) {
      return CompletableFuture.completedFuture(new ReadResult(Optional.empty(), stamp));
    }
    for (String tag : entry.tags()) {
      if (epoch(tagEpochs, id(cache, tag), now) > entry.stamp()) {
        return CompletableFuture.completedFuture(new ReadResult(Optional.empty(), stamp));
      }
    }
    return CompletableFuture.completedFuture(new ReadResult(Optional.of(entry), stamp));
  }

  @Override
  public CompletableFuture<Boolean> write(String cache, String key, StoredEntry entry) {
    long now = clock.millis();
    if (entry.expiresAtMillis() <= now) {
      return CompletableFuture.completedFuture(false);
    }
    String id = id(cache, key);
    boolean[] written = {false};
    entries.compute(
        id,
        (k, old) -> {
          if (epoch(keyEpochs, id, now) > entry.stamp()) {
            return old;
          }
          written[0] = true;
          return entry;
        });
    afterWrite();
    return CompletableFuture.completedFuture(written[0]);
  }

  @Override
  public CompletableFuture<Long> invalidateKey(String cache, String key, Duration retain) {
    long now = clock.millis();
    long stamp = sequence(cache).incrementAndGet();
    String id = id(cache, key);
    // The epoch is raised inside the entry's compute, so a concurrent write sees one or the other.
    entries.compute(
        id,
        (k, old) -> {
          keyEpochs.merge(id, new Epoch(stamp, now + retain.toMillis()), Epoch::merge);
          return null;
        });
    afterWrite();
    return CompletableFuture.completedFuture(stamp);
  }

  @Override
  public CompletableFuture<Long> invalidateTag(String cache, String tag, Duration retain) {
    return CompletableFuture.completedFuture(raise(tagEpochs, cache, id(cache, tag), retain));
  }

  @Override
  public CompletableFuture<Long> invalidateAll(String cache, Duration retain) {
    return CompletableFuture.completedFuture(raise(allEpochs, cache, cache, retain));
  }

  /** Advances the cache's sequence and records the new stamp as the epoch of {@code id}. */
  private long raise(
      ConcurrentHashMap<String, Epoch> epochs, String cache, String id, Duration retain) {
    long now = clock.millis();
    long stamp = sequence(cache).incrementAndGet();
    epochs.merge(id, new Epoch(stamp, now + retain.toMillis()), Epoch::merge);
    afterWrite();
    return stamp;
  }

  @Override
  public CompletableFuture<Boolean> tryLease(
      String cache, String key, String owner, Duration duration) {
    long now = clock.millis();
    boolean[] acquired = {false};
    leases.compute(
        id(cache, key),
        (k, old) -> {
          if (old == null || old.expiresAtMillis() <= now || old.owner().equals(owner)) {
            acquired[0] = true;
            return new Lease(owner, now + duration.toMillis());
          }
          return old;
        });
    afterWrite();
    return CompletableFuture.completedFuture(acquired[0]);
  }

  @Override
  public CompletableFuture<Void> releaseLease(String cache, String key, String owner) {
    leases.computeIfPresent(id(cache, key), (k, old) -> old.owner().equals(owner) ? null : old);
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Sweeps once the writes since the last sweep outnumber what it left, so that a sweep's walk over
   * the maps costs each write a constant amount on average however large the store. One thread
   * sweeps at a time; writes meanwhile go on and are swept next time.
   */
  private void afterWrite() {
    long count = writes.incrementAndGet();
    if (count < nextSweep || !sweeping.compareAndSet(false, true)) {
      return;
    }
    try {
      long now = clock.millis();
      // removeIf on a ConcurrentHashMap view removes a mapping only if it still holds the value
      // tested: an entry or epoch written meanwhile stays.
      entries.values().removeIf(entry -> entry.expiresAtMillis() <= now);
      keyEpochs.values().removeIf(epoch -> epoch.expiresAtMillis() <= now);
      tagEpochs.values().removeIf(epoch -> epoch.expiresAtMillis() <= now);
      allEpochs.values().removeIf(epoch -> epoch.expiresAtMillis() <= now);
      leases.values().removeIf(lease -> lease.expiresAtMillis() <= now);
      nextSweep = writes.get() + Math.max(SWEEP_EVERY, size());
    } finally {
      sweeping.set(false);
    }
  }

  /** What the store holds that expires: entries, epochs and leases. */
  int size() {
    return entries.size() + keyEpochs.size() + tagEpochs.size() + allEpochs.size() + leases.size();
  }

  @Override
  public void close() {
    entries.clear();
    keyEpochs.clear();
    tagEpochs.clear();
    allEpochs.clear();
    leases.clear();
  }

  @Override
  public String toString() {
    return "InMemoryCacheStore[" + entries.size() + " entries]";
  }
}
