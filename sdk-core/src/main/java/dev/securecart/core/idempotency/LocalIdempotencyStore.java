package dev.securecart.core.idempotency;

import static dev.securecart.core.internal.Preconditions.requireNonNull;
import static dev.securecart.core.internal.Preconditions.requirePositive;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.securecart.core.Ticker;
import dev.securecart.core.idempotency.internal.IdempotencySettings;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IdempotencyStore} in this process, on a Caffeine cache: the embedded default, for a
 * service that runs on one node and for tests. Each transition is one atomic {@code compute} on the
 * key's entry, so concurrent callers of one key are ordered exactly as on Redis.
 *
 * <pre>{@code
 * IdempotencyStore store = LocalIdempotencyStore.builder()
 *     .lease(Duration.ofSeconds(30))
 *     .retention(Duration.ofHours(24))
 *     .maximumSize(100_000)
 *     .build();
 * }</pre>
 *
 * <p>Leases and retention are timed with a monotonic {@link Ticker} (as Caffeine times expiry), so
 * a wall-clock step cannot end a lease early. At most {@link Builder#maximumSize(long)} entries are
 * kept, and none is forgotten before its lease or retention ends: forgetting a request in progress
 * or a response still retained would let its retry run again (a double charge). When the store is
 * full of live entries, {@code begin} of a new key throws {@link IdempotencyStoreException}, so
 * size it for a retention window's worth of keys. This class is thread-safe.
 */
public final class LocalIdempotencyStore implements IdempotencyStore {

  /** The most entries kept by default. */
  public static final long DEFAULT_MAXIMUM_SIZE = 100_000;

  private final Duration lease;
  private final Duration retention;
  private final long maximumSize;
  private final Ticker ticker;
  private final long leaseNanos;
  private final long retentionNanos;
  private final Cache<IdempotencyKey, Entry> entries;

  private LocalIdempotencyStore(Builder builder) {
    this.lease = builder.lease;
    this.retention = builder.retention;
    this.maximumSize = builder.maximumSize;
    this.ticker = builder.ticker;
    this.leaseNanos = lease.toNanos();
    this.retentionNanos = retention.toNanos();
    Ticker time = this.ticker;
    this.entries =
        // No maximumSize: Caffeine would evict by frequency, and a new in-progress key is the
        // likeliest victim. The bound is begin's own check instead.
        Caffeine.newBuilder().ticker(time::read).expireAfter(new EntryExpiry()).build();
  }

  /**
   * Returns a builder with the defaults: a {@link IdempotencyStore#DEFAULT_LEASE} lease, a {@link
   * IdempotencyStore#DEFAULT_RETENTION} retention, {@value #DEFAULT_MAXIMUM_SIZE} entries at most,
   * and the system ticker.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder preset with this store's settings, to build a store like it; the new store
   * does not share this one's entries.
   *
   * @return a new builder
   */
  public Builder newBuilder() {
    return new Builder(this);
  }

  /** Returns how long an in-progress lease lasts. */
  public Duration lease() {
    return lease;
  }

  /** Returns how long a completed response is kept. */
  public Duration retention() {
    return retention;
  }

  /** Returns the most entries this store keeps. */
  public long maximumSize() {
    return maximumSize;
  }

  @Override
  public BeginResult begin(IdempotencyKey key, RequestFingerprint fingerprint, LeaseToken token) {
    requireNonNull(key, "key");
    requireNonNull(fingerprint, "fingerprint");
    requireNonNull(token, "token");
    long now = ticker.read();
    if (entries.estimatedSize() >= maximumSize) {
      requireRoomFor(key);
    }
    BeginResult[] result = new BeginResult[1];
    entries
        .asMap()
        .compute(
            key,
            (k, entry) -> {
              boolean takeover = false;
              if (entry != null && !entry.isExpired(now)) {
                if (!entry.fingerprint.equals(fingerprint)) {
                  result[0] = new BeginResult.Mismatch();
                  return entry;
                }
                StoredResponse response = entry.response;
                if (response != null) {
                  result[0] = new BeginResult.Completed(response);
                  return entry;
                }
                // The caller's own claim (see the interface): handed back, never taken over.
                if (!entry.owner.equals(token)) {
                  long leaseLeft = entry.leaseEndsAt - now;
                  if (leaseLeft > 0) {
                    result[0] = new BeginResult.InProgress(Duration.ofNanos(leaseLeft));
                    return entry;
                  }
                  takeover = true;
                }
              }
              result[0] = new BeginResult.Started(token, takeover);
              return Entry.inProgress(
                  fingerprint, token, now + leaseNanos, now + leaseNanos + retentionNanos);
            });
    return requireNonNull(result[0], "result");
  }

  /**
   * Refuses a new key while the store holds {@code maximumSize} live entries. Concurrent callers
   * may each pass the check, so the store can exceed its size by as many keys as begin at once.
   */
  private void requireRoomFor(IdempotencyKey key) {
    entries.cleanUp(); // drops what has expired but was not yet removed
    if (entries.estimatedSize() >= maximumSize && entries.getIfPresent(key) == null) {
      throw new IdempotencyStoreException(
          "the in-process idempotency store is full ("
              + maximumSize
              + " keys within their lease or retention); cannot begin "
              + key.value(),
          key);
    }
  }

  @Override
  public boolean complete(IdempotencyKey key, LeaseToken token, StoredResponse response) {
    requireNonNull(key, "key");
    requireNonNull(token, "token");
    requireNonNull(response, "response");
    long now = ticker.read();
    boolean[] completed = new boolean[1];
    entries
        .asMap()
        .computeIfPresent(
            key,
            (k, entry) -> {
              if (entry.isExpired(now) || !entry.owner.equals(token)) {
                return entry;
              }
              completed[0] = true;
              return entry.response != null
                  ? entry
                  : entry.completedWith(response, now + retentionNanos);
            });
    return completed[0];
  }

  @Override
  public boolean release(IdempotencyKey key, LeaseToken token) {
    requireNonNull(key, "key");
    requireNonNull(token, "token");
    long now = ticker.read();
    boolean[] released = new boolean[1];
    entries
        .asMap()
        .computeIfPresent(
            key,
            (k, entry) -> {
              if (entry.isExpired(now) || entry.response != null || !entry.owner.equals(token)) {
                return entry;
              }
              released[0] = true;
              return null;
            });
    return released[0];
  }

  @Override
  public String toString() {
    return "LocalIdempotencyStore[lease="
        + lease
        + ", retention="
        + retention
        + ", maximumSize="
        + maximumSize
        + "]";
  }

  /** One key's state; immutable, replaced on every transition. Times are ticker readings. */
  private static final class Entry {
    final RequestFingerprint fingerprint;
    final LeaseToken owner;
    final long leaseEndsAt;
    final long expiresAt;
    final @Nullable StoredResponse response;

    private Entry(
        RequestFingerprint fingerprint,
        LeaseToken owner,
        long leaseEndsAt,
        long expiresAt,
        @Nullable StoredResponse response) {
      this.fingerprint = fingerprint;
      this.owner = owner;
      this.leaseEndsAt = leaseEndsAt;
      this.expiresAt = expiresAt;
      this.response = response;
    }

    static Entry inProgress(
        RequestFingerprint fingerprint, LeaseToken owner, long leaseEndsAt, long expiresAt) {
      return new Entry(fingerprint, owner, leaseEndsAt, expiresAt, null);
    }

    Entry completedWith(StoredResponse response, long expiresAt) {
      return new Entry(fingerprint, owner, leaseEndsAt, expiresAt, response);
    }

    boolean isExpired(long now) {
      return expiresAt - now <= 0;
    }
  }

  /**
   * Lets Caffeine drop an entry when its retention ends. The store also checks expiry itself on
   * every transition, so correctness does not depend on when Caffeine gets round to evicting.
   */
  private static final class EntryExpiry implements Expiry<IdempotencyKey, Entry> {
    @Override
    public long expireAfterCreate(IdempotencyKey key, Entry entry, long currentTime) {
      return Math.max(0, entry.expiresAt - currentTime);
    }

    @Override
    public long expireAfterUpdate(
        IdempotencyKey key, Entry entry, long currentTime, long currentDuration) {
      return Math.max(0, entry.expiresAt - currentTime);
    }

    @Override
    public long expireAfterRead(
        IdempotencyKey key, Entry entry, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }

  /**
   * Configures a {@link LocalIdempotencyStore}. Each method checks its argument at once. This class
   * is not thread-safe.
   */
  public static final class Builder {
    private Duration lease = DEFAULT_LEASE;
    private Duration retention = DEFAULT_RETENTION;
    private long maximumSize = DEFAULT_MAXIMUM_SIZE;
    private Ticker ticker = Ticker.systemTicker();

    private Builder() {}

    private Builder(LocalIdempotencyStore store) {
      this.lease = store.lease;
      this.retention = store.retention;
      this.maximumSize = store.maximumSize;
      this.ticker = store.ticker;
    }

    /**
     * Sets how long an owner holds a key before another request may take over. Make it longer than
     * the slowest request (including its retries of downstream calls): a lease that runs out while
     * the owner still works lets a retry run concurrently with it.
     *
     * @param lease positive, at most {@link IdempotencyStore#MAX_DURATION}
     * @return this builder
     * @throws NullPointerException if {@code lease} is null
     * @throws IllegalArgumentException if {@code lease} is out of range
     */
    public Builder lease(Duration lease) {
      this.lease = IdempotencySettings.checkDuration(lease, "lease");
      return this;
    }

    /**
     * Sets how long a completed response is replayed, counted from completion.
     *
     * @param retention positive, at most {@link IdempotencyStore#MAX_DURATION}, and not shorter
     *     than the lease (checked by {@link #build()})
     * @return this builder
     * @throws NullPointerException if {@code retention} is null
     * @throws IllegalArgumentException if {@code retention} is out of range
     */
    public Builder retention(Duration retention) {
      this.retention = IdempotencySettings.checkDuration(retention, "retention");
      return this;
    }

    /**
     * Sets the most entries kept; when that many are within their lease or retention, {@code begin}
     * of a new key throws {@link IdempotencyStoreException} rather than forget one.
     *
     * @param maximumSize positive
     * @return this builder
     * @throws IllegalArgumentException if {@code maximumSize} is not positive
     */
    public Builder maximumSize(long maximumSize) {
      this.maximumSize = requirePositive(maximumSize, "maximumSize");
      return this;
    }

    /**
     * Sets the source of time for leases and retention; tests pass a fake one.
     *
     * @param ticker a monotonic nanosecond ticker
     * @return this builder
     * @throws NullPointerException if {@code ticker} is null
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Builds the store; later changes to this builder do not affect it.
     *
     * @return a new, empty store
     * @throws IllegalStateException if the retention is shorter than the lease
     */
    public LocalIdempotencyStore build() {
      IdempotencySettings.checkRetentionCoversLease(retention, lease);
      return new LocalIdempotencyStore(this);
    }
  }
}
