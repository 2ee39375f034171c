package dev.securecart.core.idempotency;

import static dev.securecart.core.internal.Preconditions.requireNonNull;
import static dev.securecart.core.internal.Preconditions.requirePositive;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.securecart.core.Ticker;
import dev.securecart.core.idempotency.internal.IdempotencySettings;
import dev.securecart.core.internal.LogThrottle;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * a wall-clock step cannot end a lease early.
 *
 * <p><b>When full.</b> At most {@link Builder#maximumSize(long)} entries are kept (a few more while
 * many new keys begin at once). When a new key begins in a full store, the store forgets its oldest
 * <i>completed</i> entries to make room, never one in progress: forgetting a request in progress
 * (or one whose owner died, which the next {@code begin} must be told to take over) would let a
 * retry run concurrently with it, or without checking what it did. Only when every entry is in
 * progress does {@code begin} of a new key throw {@link IdempotencyStoreException}. The price: a
 * retry that arrives after its completed entry was forgotten runs again, as it would after the
 * retention. The oldest completed entries are the ones a retry is least likely to need, so a busy
 * node, or a client sending random keys, costs the oldest replays rather than locking every new
 * request out until entries age out. Each entry so forgotten counts in {@link #evictions()}, and
 * the store logs a warning at most once a minute while it happens; size the store for a retention
 * window's worth of keys to keep it from happening. This class is thread-safe.
 */
public final class LocalIdempotencyStore implements IdempotencyStore {

  /** The most entries kept by default. */
  public static final long DEFAULT_MAXIMUM_SIZE = 100_000;

  private static final Logger logger = LoggerFactory.getLogger(LocalIdempotencyStore.class);

  /** The owner of a released key that must stay: a random token, so no caller ever holds it. */
  private static final LeaseToken NO_OWNER = LeaseToken.random();

  private final Duration lease;
  private final Duration retention;
  private final long maximumSize;
  private final Ticker ticker;
  private final long leaseNanos;
  private final long retentionNanos;
  private final Cache<IdempotencyKey, Entry> entries;
  // Completed entries in the order they completed, which (with one retention for all) is the order
  // in which they expire: the head is the oldest, the first to forget when the store is full.
  // Every live completed entry has its mark here; marks of entries gone since are skipped.
  private final Queue<Completion> completions = new ConcurrentLinkedQueue<>();
  private final AtomicLong evictions = new AtomicLong();

  /** Evictions, warned of at most once a minute: a flood of new keys must not flood the log. */
  private final LogThrottle evictionWarnings = new LogThrottle(Duration.ofMinutes(1));

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

  /**
   * Returns how many completed entries this store forgot before their retention ended, to make room
   * for new keys while it was full. A retry of one of them would run again.
   *
   * @return the count since the store was built
   */
  public long evictions() {
    return evictions.get();
  }

  @Override
  public BeginResult begin(IdempotencyKey key, RequestFingerprint fingerprint, LeaseToken token) {
    requireNonNull(key, "key");
    requireNonNull(fingerprint, "fingerprint");
    requireNonNull(token, "token");
    long now = ticker.read();
    if (entries.estimatedSize() >= maximumSize) {
      makeRoomFor(key, now);
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
                } else if (entry.prior) {
                  takeover = true; // the claim handed back was itself a takeover
                }
              }
              result[0] = new BeginResult.Started(token, takeover);
              return Entry.inProgress(
                  fingerprint,
                  token,
                  now + leaseNanos,
                  now + leaseNanos + retentionNanos,
                  takeover);
            });
    return requireNonNull(result[0], "result");
  }

  /**
   * Makes room for a new key in a full store by forgetting the oldest completed entries, or throws
   * when every entry is in progress. Concurrent callers may each pass, so the store can exceed its
   * size by as many keys as begin at once.
   */
  private void makeRoomFor(IdempotencyKey key, long now) {
    entries.cleanUp(); // drops what has expired but was not yet removed
    while (entries.estimatedSize() >= maximumSize && entries.getIfPresent(key) == null) {
      if (!forgetOldestCompleted(now)) {
        throw new IdempotencyStoreException(
            "the in-process idempotency store is full ("
                + maximumSize
                + " keys, every one in progress); cannot begin "
                + key.value(),
            key);
      }
    }
  }

  /** Forgets the oldest completed entry still kept; false if there is none. */
  private boolean forgetOldestCompleted(long now) {
    for (Completion next = completions.poll(); next != null; next = completions.poll()) {
      Completion oldest = next;
      if (oldest.isExpired(now)) {
        continue; // gone, or going, by itself
      }
      // Only the entry the mark was made for: one that expired or was replaced since stays.
      boolean[] forgot = new boolean[1];
      entries
          .asMap()
          .computeIfPresent(
              oldest.key(),
              (k, entry) -> {
                forgot[0] = oldest.marks(entry);
                return forgot[0] ? null : entry;
              });
      if (forgot[0]) {
        warnOfEviction(evictions.incrementAndGet(), now);
        return true;
      }
    }
    return false;
  }

  private void warnOfEviction(long total, long now) {
    long since = evictionWarnings.record(now);
    if (since > 0) {
      logger.warn(
          "In-process idempotency store full ({} keys): forgot {} completed entries before their"
              + " retention ended to make room for new keys ({} in all); a retry of one of them"
              + " runs again. Raise maximumSize or shorten the retention.",
          maximumSize,
          since,
          total);
    }
  }

  @Override
  public boolean complete(IdempotencyKey key, LeaseToken token, StoredResponse response) {
    requireNonNull(key, "key");
    requireNonNull(token, "token");
    requireNonNull(response, "response");
    long now = ticker.read();
    boolean[] completed = new boolean[1];
    Entry[] done = new Entry[1];
    entries
        .asMap()
        .computeIfPresent(
            key,
            (k, entry) -> {
              if (entry.isExpired(now) || !entry.owner.equals(token)) {
                return entry;
              }
              completed[0] = true;
              if (entry.response != null) {
                return entry;
              }
              done[0] = entry.completedWith(response, now + retentionNanos);
              return done[0];
            });
    Entry newlyDone = done[0];
    if (newlyDone != null) {
      forgetExpiredCompletions(now);
      completions.add(new Completion(key, newlyDone.owner, newlyDone.expiresAt));
    }
    return completed[0];
  }

  /** Drops the marks of entries whose retention ended, so the queue follows the live entries. */
  private void forgetExpiredCompletions(long now) {
    for (Completion oldest = completions.peek();
        oldest != null && oldest.isExpired(now);
        oldest = completions.peek()) {
      completions.remove(oldest); // not poll(): another thread may have taken this head already
    }
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
              // The request before a takeover may have acted: keep the key, ownerless and with its
              // lease over, so that the next begin is a takeover too.
              return entry.prior ? entry.released(now) : null;
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

  /**
   * A completed entry, queued in the order of completion: its key, and what tells that entry from a
   * later one of the same key. Not the entry itself, whose stored response (up to 1 MiB) a mark
   * would keep in memory after the entry expired.
   */
  private record Completion(IdempotencyKey key, LeaseToken owner, long expiresAt) {
    boolean marks(Entry entry) {
      return entry.response != null && entry.expiresAt == expiresAt && entry.owner.equals(owner);
    }

    boolean isExpired(long now) {
      return expiresAt - now <= 0;
    }
  }

  /** One key's state; immutable, replaced on every transition. Times are ticker readings. */
  private static final class Entry {
    final RequestFingerprint fingerprint;
    final LeaseToken owner;
    final long leaseEndsAt;
    final long expiresAt;
    final @Nullable StoredResponse response;

    /** Whether a claim took this key over from an earlier request that may have acted. */
    final boolean prior;

    private Entry(
        RequestFingerprint fingerprint,
        LeaseToken owner,
        long leaseEndsAt,
        long expiresAt,
        @Nullable StoredResponse response,
        boolean prior) {
      this.fingerprint = fingerprint;
      this.owner = owner;
      this.leaseEndsAt = leaseEndsAt;
      this.expiresAt = expiresAt;
      this.response = response;
      this.prior = prior;
    }

    static Entry inProgress(
        RequestFingerprint fingerprint,
        LeaseToken owner,
        long leaseEndsAt,
        long expiresAt,
        boolean prior) {
      return new Entry(fingerprint, owner, leaseEndsAt, expiresAt, null, prior);
    }

    Entry completedWith(StoredResponse response, long expiresAt) {
      return new Entry(fingerprint, owner, leaseEndsAt, expiresAt, response, prior);
    }

    /** This entry given up by its owner at {@code now}: nobody's, its lease over. */
    Entry released(long now) {
      return new Entry(fingerprint, NO_OWNER, now, expiresAt, null, prior);
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
     * Sets the most entries kept. When that many are within their lease or retention, {@code begin}
     * of a new key forgets the oldest completed entries to make room (a retry of one of them runs
     * again), and throws {@link IdempotencyStoreException} only if every entry is in progress; see
     * the class description.
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
