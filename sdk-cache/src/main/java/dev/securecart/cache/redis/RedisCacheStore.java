package dev.securecart.cache.redis;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import dev.securecart.cache.CacheException;
import dev.securecart.cache.CacheStore;
import dev.securecart.cache.StoredEntry;
import dev.securecart.core.internal.RedisKeyPrefixes;
import dev.securecart.core.redis.RedisConnection;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisScript;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The {@link CacheStore} on Redis or Redis Cluster. Every key of cache {@code c} starts with {@code
 * prefix + c + ":"}:
 *
 * <table>
 *   <caption>Redis keys</caption>
 *   <tr><th>key</th><th>holds</th><th>lives</th></tr>
 *   <tr><td>{@code e:{k}}</td><td>the entry for mapped key {@code k} (value, tags, deadlines,
 *       stamp)</td><td>until the end of its stale-if-error window</td></tr>
 *   <tr><td>{@code v:{k}}</td><td>the stamp of the last invalidation of {@code k}</td>
 *       <td>the retention the cache asks for</td></tr>
 *   <tr><td>{@code l:{k}}</td><td>the load lease for {@code k} (owner id)</td>
 *       <td>the lease duration</td></tr>
 *   <tr><td>{@code {c}:seq}</td><td>the cache's invalidation stamp sequence</td>
 *       <td>forever</td></tr>
 *   <tr><td>{@code {c}:t:tag}</td><td>the stamp of the last invalidation of {@code tag}</td>
 *       <td>the retention the cache asks for</td></tr>
 *   <tr><td>{@code {c}:all}</td><td>the stamp of the last invalidation of the whole cache</td>
 *       <td>the retention the cache asks for</td></tr>
 * </table>
 *
 * <p>The {@code {k}} hash tag puts an entry, its epoch and its lease in one Cluster slot, so the
 * conditional write and the key invalidation are single scripts (on a standalone server the key
 * invalidation also advances the sequence in that script: one round trip; on a Cluster the sequence
 * is in another slot, so it takes two). The {@code {c}} hash tag (the cache name) puts a cache's
 * sequence and its tag and whole-cache epochs in another slot, so that invalidating a tag or the
 * cache is one script, and a reader fetches the sequence, the whole-cache epoch and its entry's tag
 * epochs from one node. Entries and epochs are never written together (readers compare them
 * instead), so no command crosses slots. {@code seq} advances to at least the Redis server's time
 * in microseconds, so stamps keep growing even if the key is lost. Braces and {@code %} in keys and
 * tags are percent-escaped.
 *
 * <p>An entry's deadlines are written in the writer's wall clock and read back rebased on the TTL
 * that Redis holds for the entry (read with it in one script), so that they are in the reader's
 * wall clock: nodes whose clocks differ do not serve a copy past its windows.
 *
 * <p>This class is thread-safe. It owns one connection, which {@link #close()} closes; the
 * connector stays the caller's.
 */
public final class RedisCacheStore implements CacheStore {

  /** The default key prefix: {@code securecart:cache:}. */
  public static final String DEFAULT_KEY_PREFIX = "securecart:cache:";

  /** Advances the sequence in KEYS[1] to at least Redis' time in microseconds, into {@code s}. */
  private static final String ADVANCE_SEQUENCE =
      """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
      local n = tonumber(redis.call('GET', KEYS[1]) or '0') + 1
      if now > n then n = now end
      local s = string.format('%.0f', n)
      redis.call('SET', KEYS[1], s)
      """;

  private static final RedisScript BUMP_SEQUENCE = RedisScript.of(ADVANCE_SEQUENCE + "return s\n");

  /**
   * Raises the epoch in KEYS[2] to the stamp {@code n} just taken, kept at least ARGV[1] ms. An
   * epoch's TTL only grows: a node with a shorter retention (a rolling deploy that changed the
   * policy) must not cut short how long an earlier invalidation hides entries, or they reappear.
   * Not {@code PEXPIRE ... GT}, which Redis before 7.0 lacks.
   */
  private static final String RAISE_EPOCH_TO_SEQUENCE =
      """
      local v = tonumber(redis.call('GET', KEYS[2]) or '0')
      local px = math.max(tonumber(ARGV[1]), redis.call('PTTL', KEYS[2]))
      if n > v then redis.call('SET', KEYS[2], s, 'PX', px)
      else redis.call('PEXPIRE', KEYS[2], px) end
      """;

  /** Advances the sequence (KEYS[1]) and raises an epoch (KEYS[2]) to the new stamp. */
  private static final RedisScript BUMP_SEQUENCE_AND_RAISE =
      RedisScript.of(ADVANCE_SEQUENCE + RAISE_EPOCH_TO_SEQUENCE + "return s\n");

  /**
   * A key invalidation in one round trip, where every key is on one server (standalone): the same
   * as {@link #BUMP_SEQUENCE_AND_RAISE} on the key's epoch, then deletes the entry (KEYS[3]).
   */
  private static final RedisScript BUMP_SEQUENCE_RAISE_AND_DELETE =
      RedisScript.of(
          ADVANCE_SEQUENCE + RAISE_EPOCH_TO_SEQUENCE + "redis.call('DEL', KEYS[3])\nreturn s\n");

  private static final RedisScript WRITE_UNLESS_INVALIDATED =
      RedisScript.of(
          """
      local v = tonumber(redis.call('GET', KEYS[2]) or '0')
      if v > tonumber(ARGV[1]) then return 0 end
      redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2])
      return 1
      """);

  /**
   * Raises the key's epoch (KEYS[1]) to the stamp ARGV[1], its TTL only growing (see {@link
   * #RAISE_EPOCH_TO_SEQUENCE}), and deletes the entry (KEYS[2]).
   */
  private static final RedisScript RAISE_EPOCH_AND_DELETE =
      RedisScript.of(
          """
      local v = tonumber(redis.call('GET', KEYS[1]) or '0')
      local px = math.max(tonumber(ARGV[2]), redis.call('PTTL', KEYS[1]))
      if tonumber(ARGV[1]) > v then redis.call('SET', KEYS[1], ARGV[1], 'PX', px)
      else redis.call('PEXPIRE', KEYS[1], px) end
      redis.call('DEL', KEYS[2])
      return 1
      """);

  /**
   * Reads an entry (KEYS[1]) with the TTL Redis holds for it, in one step so that both describe the
   * same moment: the reader rebases the entry's deadlines on that TTL. A key of another type is not
   * one we wrote: no entry, rather than a WRONGTYPE error that would fail the read and have the
   * cache skip L2 for every key.
   */
  private static final RedisScript READ_ENTRY =
      RedisScript.of(
          """
      if redis.call('TYPE', KEYS[1])['ok'] ~= 'string' then return {} end
      return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}
      """);

  /**
   * A stamp or epoch that a read found but that is not a number we wrote. It cannot say whether an
   * entry was invalidated, so the entry is not used; failing the read instead would have the cache
   * skip L2 for every key because of one bad value.
   */
  private static final long UNUSABLE = -1;

  /** Deadlines read back are moved by whole multiples of this; see {@link #rebased}. */
  private static final long REBASE_GRANULARITY_MILLIS = 1_000;

  /** Takes the lease in KEYS[1] for ARGV[1], for ARGV[2] ms, if it is free or already ARGV[1]'s. */
  private static final RedisScript TRY_LEASE =
      RedisScript.of(
          """
      local holder = redis.call('GET', KEYS[1])
      if holder and holder ~= ARGV[1] then return 0 end
      redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
      return 1
      """);

  private static final RedisScript RELEASE_LEASE =
      RedisScript.of(
          """
      if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
      return 0
      """);

  private final RedisConnection<String, byte[]> connection;
  private final String prefix;
  private final Clock clock;

  private RedisCacheStore(RedisConnection<String, byte[]> connection, String prefix, Clock clock) {
    this.connection = connection;
    this.prefix = prefix;
    this.clock = clock;
  }

  /**
   * A store with the default prefix, on a new connection of {@code connector}.
   *
   * @param connector the connector (standalone or Cluster)
   * @return the store
   * @throws CacheException if Redis cannot be reached
   */
  public static RedisCacheStore create(RedisConnector connector) {
    return builder(connector).build();
  }

  /**
   * A builder.
   *
   * @param connector the connector (standalone or Cluster)
   * @return a new builder
   */
  public static Builder builder(RedisConnector connector) {
    return new Builder(connector);
  }

  /** The prefix of every key. */
  public String keyPrefix() {
    return prefix;
  }

  String entryKey(String cache, String key) {
    return prefix + cache + ":e:{" + escape(key) + "}";
  }

  String epochKey(String cache, String key) {
    return prefix + cache + ":v:{" + escape(key) + "}";
  }

  String leaseKey(String cache, String key) {
    return prefix + cache + ":l:{" + escape(key) + "}";
  }

  String tagKey(String cache, String tag) {
    return prefix + cache + ":{" + cache + "}:t:" + escape(tag);
  }

  String sequenceKey(String cache) {
    return prefix + cache + ":{" + cache + "}:seq";
  }

  String allKey(String cache) {
    return prefix + cache + ":{" + cache + "}:all";
  }

  static String escape(String s) {
    if (s.indexOf('{') < 0 && s.indexOf('}') < 0 && s.indexOf('%') < 0) {
      return s;
    }
    return s.replace("%", "%25").replace("{", "%7B").replace("}", "%7D");
  }

  private static byte[] ascii(long value) {
    return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
  }

  private static long parse(byte @Nullable [] bytes) {
    if (bytes == null || bytes.length == 0) {
      return 0;
    }
    return Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
  }

  @Override
  public CompletableFuture<ReadResult> read(String cache, String key) {
    // Taken before the round trip: the TTL is measured later, so rebased deadlines err early.
    long now = clock.millis();
    CompletableFuture<List<KeyValue<String, byte[]>>> meta =
        connection.async().mget(sequenceKey(cache), allKey(cache)).toCompletableFuture();
    CompletableFuture<List<Object>> entry =
        READ_ENTRY.<String, byte[], List<Object>>evalAsync(
            connection, ScriptOutputType.MULTI, new String[] {entryKey(cache, key)}, new byte[0][]);
    return entry
        .thenCombine(meta, (reply, values) -> Raw.of(reply, value(values, 0), value(values, 1)))
        .thenCompose(found -> validate(cache, found, now));
  }

  private static long value(List<KeyValue<String, byte[]>> values, int index) {
    KeyValue<String, byte[]> value = values.get(index);
    return value.hasValue() ? epoch(value.getValue()) : 0;
  }

  /** A stamp or epoch as a read finds it, {@link #UNUSABLE} if it is not one we wrote. */
  private static long epoch(byte @Nullable [] bytes) {
    try {
      long epoch = parse(bytes);
      return epoch < 0 ? UNUSABLE : epoch;
    } catch (NumberFormatException e) {
      return UNUSABLE;
    }
  }

  private static final class Raw {
    private final byte @Nullable [] bytes;
    private final long ttlMillis;
    private final long stamp;
    private final long allEpoch;

    private Raw(byte @Nullable [] bytes, long ttlMillis, long stamp, long allEpoch) {
      this.bytes = bytes;
      this.ttlMillis = ttlMillis;
      this.stamp = stamp;
      this.allEpoch = allEpoch;
    }

    /** From {@link #READ_ENTRY}'s reply: the entry's bytes and TTL, or nothing. */
    static Raw of(@Nullable List<Object> reply, long stamp, long allEpoch) {
      if (reply != null
          && reply.size() == 2
          && reply.get(0) instanceof byte[] bytes
          && reply.get(1) instanceof Long ttl) {
        return new Raw(bytes, ttl, stamp, allEpoch);
      }
      return new Raw(null, -2, stamp, allEpoch);
    }

    byte @Nullable [] bytes() {
      return bytes;
    }

    /** What PTTL said: -1 for a key without a TTL (not one we wrote), -2 for none. */
    long ttlMillis() {
      return ttlMillis;
    }

    long stamp() {
      return stamp;
    }

    long allEpoch() {
      return allEpoch;
    }
  }

  /**
   * The entry with every deadline moved by the same amount, so that it expires at {@code
   * expiresAtMillis}. The deadlines were written by the writer's wall clock, which may run ahead of
   * or behind this node's; the TTL Redis holds counts down alike for both, so rebasing on it keeps
   * the windows' lengths and puts their ends in this node's time.
   */
  private static StoredEntry rebased(StoredEntry entry, long measuredExpiresAtMillis) {
    // In whole seconds: what is measured is the clocks' difference plus the round trip, and the
    // round trip differs from read to read, while a copy must read back the same each time, or the
    // cache would take the copy it holds for a newer one (an early refresh would then end at L2
    // without asking the origin). So clocks less than half a second apart are taken as they are.
    long shift =
        Math.round(
                (measuredExpiresAtMillis - entry.expiresAtMillis())
                    / (double) REBASE_GRANULARITY_MILLIS)
            * REBASE_GRANULARITY_MILLIS;
    if (shift == 0) {
      return entry;
    }
    long expiresAtMillis = entry.expiresAtMillis() + shift;
    if (!entry.isFound()) {
      return StoredEntry.notFound(
          entry.tags(), entry.writtenAtMillis() + shift, expiresAtMillis, entry.stamp());
    }
    return StoredEntry.found(
        entry.value(),
        entry.tags(),
        entry.writtenAtMillis() + shift,
        entry.freshUntilMillis() + shift,
        entry.staleUntilMillis() + shift,
        expiresAtMillis,
        entry.stamp(),
        entry.loadNanos());
  }

  private CompletableFuture<ReadResult> validate(String cache, Raw raw, long now) {
    byte[] bytes = raw.bytes();
    if (bytes == null
        || raw.ttlMillis() < 0
        || raw.stamp() == UNUSABLE
        || raw.allEpoch() == UNUSABLE) {
      return CompletableFuture.completedFuture(miss(raw));
    }
    StoredEntry entry;
    try {
      entry = rebased(EntryFormat.decode(bytes), now + raw.ttlMillis());
    } catch (CacheException e) {
      return CompletableFuture.completedFuture(miss(raw));
    }
    if (entry.expiresAtMillis() <= now || raw.allEpoch() > entry.stamp()) {
      return CompletableFuture.completedFuture(miss(raw));
    }
    if (entry.tags().isEmpty()) {
      return CompletableFuture.completedFuture(new ReadResult(Optional.of(entry), raw.stamp()));
    }
    // One MGET, to the node that holds the sequence (the tag keys share its slot).
    String[] tagKeys = entry.tags().stream().map(tag -> tagKey(cache, tag)).toArray(String[]::new);
    return connection
        .async()
        .mget(tagKeys)
        .toCompletableFuture()
        .thenApply(
            epochs -> {
              for (KeyValue<String, byte[]> value : epochs) {
                if (value.hasValue()) {
                  long epoch = epoch(value.getValue());
                  if (epoch == UNUSABLE || epoch > entry.stamp()) {
                    return miss(raw);
                  }
                }
              }
              return new ReadResult(Optional.of(entry), raw.stamp());
            });
  }

  /**
   * No entry. An unreadable sequence gives stamp 0, the oldest: a load written with it is refused
   * by any epoch of its key and hidden by any of its tags or the cache.
   */
  private static ReadResult miss(Raw raw) {
    return new ReadResult(Optional.empty(), Math.max(0, raw.stamp()));
  }

  @Override
  public CompletableFuture<Boolean> write(String cache, String key, StoredEntry entry) {
    long ttl = entry.expiresAtMillis() - clock.millis();
    if (ttl <= 0) {
      return CompletableFuture.completedFuture(false);
    }
    return WRITE_UNLESS_INVALIDATED
        .<String, byte[], Long>evalAsync(
            connection,
            ScriptOutputType.INTEGER,
            new String[] {entryKey(cache, key), epochKey(cache, key)},
            new byte[][] {ascii(entry.stamp()), ascii(ttl), EntryFormat.encode(entry)})
        .thenApply(written -> written != null && written == 1L);
  }

  private CompletableFuture<Long> bumpSequence(String cache) {
    return BUMP_SEQUENCE
        .<String, byte[], byte[]>evalAsync(
            connection, ScriptOutputType.VALUE, new String[] {sequenceKey(cache)}, new byte[0][])
        .thenApply(RedisCacheStore::parse);
  }

  @Override
  public CompletableFuture<Long> invalidateKey(String cache, String key, Duration retain) {
    if (!connection.isCluster()) {
      return bumpSequenceAnd(
          BUMP_SEQUENCE_RAISE_AND_DELETE,
          retain,
          sequenceKey(cache),
          epochKey(cache, key),
          entryKey(cache, key));
    }
    // On a Cluster the sequence ({c}) and the key's epoch and entry ({k}) are in different slots.
    return bumpSequence(cache)
        .thenCompose(
            stamp ->
                RAISE_EPOCH_AND_DELETE
                    .<String, byte[], Long>evalAsync(
                        connection,
                        ScriptOutputType.INTEGER,
                        new String[] {epochKey(cache, key), entryKey(cache, key)},
                        new byte[][] {ascii(stamp), ascii(Math.max(1, retain.toMillis()))})
                    .thenApply(ignored -> stamp));
  }

  @Override
  public CompletableFuture<Long> invalidateTag(String cache, String tag, Duration retain) {
    return bumpSequenceAndRaise(cache, tagKey(cache, tag), retain);
  }

  @Override
  public CompletableFuture<Long> invalidateAll(String cache, Duration retain) {
    return bumpSequenceAndRaise(cache, allKey(cache), retain);
  }

  private CompletableFuture<Long> bumpSequenceAndRaise(
      String cache, String epochKey, Duration retain) {
    return bumpSequenceAnd(BUMP_SEQUENCE_AND_RAISE, retain, sequenceKey(cache), epochKey);
  }

  /** Runs a script that advances the sequence (the first key) and returns the new stamp. */
  private CompletableFuture<Long> bumpSequenceAnd(
      RedisScript script, Duration retain, String... keys) {
    return script
        .<String, byte[], byte[]>evalAsync(
            connection,
            ScriptOutputType.VALUE,
            keys,
            new byte[][] {ascii(Math.max(1, retain.toMillis()))})
        .thenApply(RedisCacheStore::parse);
  }

  @Override
  public CompletableFuture<Boolean> tryLease(
      String cache, String key, String owner, Duration duration) {
    return TRY_LEASE
        .<String, byte[], Long>evalAsync(
            connection,
            ScriptOutputType.INTEGER,
            new String[] {leaseKey(cache, key)},
            new byte[][] {
              owner.getBytes(StandardCharsets.UTF_8), ascii(Math.max(1, duration.toMillis()))
            })
        .thenApply(taken -> taken == 1L);
  }

  @Override
  public CompletableFuture<Void> releaseLease(String cache, String key, String owner) {
    return RELEASE_LEASE
        .<String, byte[], Long>evalAsync(
            connection,
            ScriptOutputType.INTEGER,
            new String[] {leaseKey(cache, key)},
            new byte[][] {owner.getBytes(StandardCharsets.UTF_8)})
        .thenApply(ignored -> null);
  }

  @Override
  public void close() {
    connection.close();
  }

  @Override
  public String toString() {
    return "RedisCacheStore[prefix=" + prefix + (connection.isCluster() ? ", cluster]" : "]");
  }

  /** Builds a {@link RedisCacheStore}. Not thread-safe. */
  public static final class Builder {
    private final RedisConnector connector;
    private String keyPrefix = DEFAULT_KEY_PREFIX;
    private Clock clock = Clock.systemUTC();

    private Builder(RedisConnector connector) {
      this.connector = requireNonNull(connector, "connector");
    }

    /**
     * The prefix of every key, for example an application name and {@code ':'}: at most 256
     * characters and no braces (they would change Cluster hash slots).
     *
     * @param keyPrefix the prefix
     * @return this builder
     */
    public Builder keyPrefix(String keyPrefix) {
      this.keyPrefix = RedisKeyPrefixes.requireValid(keyPrefix);
      return this;
    }

    /**
     * The wall clock for entry TTLs and for the deadlines of the entries it reads (default UTC
     * system clock).
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Opens the store's connection.
     *
     * @return the store
     * @throws CacheException if Redis cannot be reached
     */
    public RedisCacheStore build() {
      RedisConnection<String, byte[]> connection;
      try {
        connection = connector.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
      } catch (RedisException e) {
        throw new CacheException("redis-store", "cannot connect the L2 store to Redis", e);
      }
      return new RedisCacheStore(connection, keyPrefix, clock);
    }
  }
}
