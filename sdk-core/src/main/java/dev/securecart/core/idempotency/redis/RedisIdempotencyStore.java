package dev.securecart.core.idempotency.redis;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

import dev.securecart.core.idempotency.BeginResult;
import dev.securecart.core.idempotency.IdempotencyKey;
import dev.securecart.core.idempotency.IdempotencyStore;
import dev.securecart.core.idempotency.IdempotencyStoreException;
import dev.securecart.core.idempotency.LeaseToken;
import dev.securecart.core.idempotency.RequestFingerprint;
import dev.securecart.core.idempotency.StoredResponse;
import dev.securecart.core.idempotency.internal.IdempotencySettings;
import dev.securecart.core.idempotency.internal.StoredResponseCodec;
import dev.securecart.core.internal.RedisKeyPrefixes;
import dev.securecart.core.redis.RedisConnection;
import dev.securecart.core.redis.RedisScript;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IdempotencyStore} in Redis, shared by every node of a service; works on Redis
 * standalone and Redis Cluster.
 *
 * <pre>{@code
 * RedisConnection<byte[], byte[]> redis = connector.connect(ByteArrayCodec.INSTANCE);
 * IdempotencyStore store = RedisIdempotencyStore.builder(redis)
 *     .keyPrefix("checkout:idempotency:")
 *     .lease(Duration.ofSeconds(30))
 *     .retention(Duration.ofHours(24))
 *     .build();
 * }</pre>
 *
 * <p>Each idempotency key is one Redis hash named {@code keyPrefix + "{" + tag + "}" + key}, where
 * {@code tag} is the first 96 bits of the SHA-256 of the key, in base64url (16 characters, never a
 * brace). Every transition ({@code begin}, {@code complete}, {@code release}) is one Lua script on
 * that one name, so it is atomic and, on a Cluster, runs on the one node that owns its slot. The
 * braces are a hash tag: Redis Cluster hashes only the tag, so the slot follows from a digest of
 * the key and keys spread evenly over the slots whatever characters they hold, and any name that
 * begins with an entry's name lands in the entry's slot. The key itself follows the tag, where its
 * braces no longer matter, so that an entry can be found by its key with {@code SCAN}. The hash
 * holds the state, the request fingerprint, the owner token, the lease end, the logical expiry and
 * the encoded response; never the request. Every write sets {@code PEXPIRE} to the retention, so
 * Redis drops entries by itself.
 *
 * <p><b>Time.</b> By default leases and retention are judged by the Redis server's clock ({@code
 * TIME} inside the script), not by the nodes' clocks: every node then agrees when a lease ended,
 * however far their clocks drift apart. A node whose clock ran ahead would otherwise take over a
 * lease that has not ended and run the request concurrently with its owner. {@link
 * Builder#clock(Clock)} switches to a clock of the caller's (tests use it to move time by hand).
 *
 * <p><b>Failures.</b> Redis errors become {@link IdempotencyStoreException}, with the Lettuce
 * exception as its cause. Connect it through {@link dev.securecart.core.redis.RedisConnector}: its
 * connections never replay a command after a reconnect, so a script is applied at most once; a call
 * whose reply was lost fails, and its outcome is unknown (see {@link IdempotencyStoreException}).
 * Scripts are sent with {@code EVALSHA}; a node that does not know them (after a restart, a
 * failover or {@code SCRIPT FLUSH}) gets them with {@code EVAL}.
 *
 * <p><b>Durability.</b> A call returns as soon as the master ran its script. Redis replicates
 * asynchronously, so a failover before the replica received the write loses it, and a {@code
 * maxmemory-policy} other than {@code noeviction} may evict an entry (each has a TTL): the next
 * {@code begin} then gets {@link BeginResult.Started} with {@code takeover() == false} as for a new
 * key. Run Redis with {@code noeviction}, and let a payment client send the same idempotency key to
 * the gateway on every attempt (see {@link BeginResult.Started}).
 *
 * <p>This class is thread-safe. It does not own the connection: close that yourself.
 */
public final class RedisIdempotencyStore implements IdempotencyStore {

  /** The key prefix used by default. */
  public static final String DEFAULT_KEY_PREFIX = "securecart:idempotency:";

  /** The longest key prefix accepted, in characters. */
  public static final int MAX_KEY_PREFIX_LENGTH = RedisKeyPrefixes.MAX_LENGTH;

  /*
   * The Lua scripts. Fields of the hash: state ("busy" or "done"), fp (fingerprint bytes), owner
   * (lease token), lease (epoch ms when the lease ends), expires (epoch ms when the entry is
   * logically gone; PEXPIRE removes it in Redis' own time), response (StoredResponseCodec bytes),
   * prior ("1" once a claim took the key over from an earlier request: kept while the key is in
   * progress, so that whoever holds it next is told too).
   *
   * The scripts judge "expired" from the expires field rather than relying on PEXPIRE alone, so
   * that the store behaves the same whichever clock is in charge. Numbers are epoch milliseconds,
   * below 2^53, exact in Lua's doubles; '%.0f' writes them without an exponent.
   */
  private static final String NOW =
      """
      local function now_millis(given)
        local now = tonumber(given)
        if now then
          return now
        end
        -- Redis < 5 only allows writes after TIME when scripts replicate their effects.
        if redis.replicate_commands then
          redis.replicate_commands()
        end
        local t = redis.call('TIME')
        return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      end
      """;

  /** ARGV: fingerprint, owner token, lease ms, retention ms, now ms ('' for Redis TIME). */
  private static final RedisScript BEGIN =
      RedisScript.of(
          NOW
              + """
              local now = now_millis(ARGV[5])
              local e = redis.call('HMGET', KEYS[1], 'state', 'fp', 'lease', 'expires', 'response',
                'owner', 'prior')
              local state = e[1]
              if state and tonumber(e[4]) <= now then
                state = false
              end
              local takeover = false
              if state then
                if e[2] ~= ARGV[1] then
                  return {4}
                end
                if state == 'done' then
                  return {3, e[5]}
                end
                -- In progress under the caller's own token: an earlier begin of this caller ran
                -- here but its reply never reached it, so nothing was done under it. Hand the
                -- claim back with a fresh lease rather than report it in progress or taken over.
                if e[6] ~= ARGV[2] then
                  local left = tonumber(e[3]) - now
                  if left > 0 then
                    return {2, left}
                  end
                  takeover = true
                elseif e[7] == '1' then
                  takeover = true -- the claim handed back was itself a takeover
                end
              end
              -- Kept for the lease plus the retention: a begin after the lease ended is told it
              -- takes over (and must ask the provider first) for a whole retention, however short.
              local keep = tonumber(ARGV[3]) + tonumber(ARGV[4])
              local fields = {'state', 'busy', 'fp', ARGV[1], 'owner', ARGV[2],
                'lease', string.format('%.0f', now + tonumber(ARGV[3])),
                'expires', string.format('%.0f', now + keep)}
              if takeover then
                fields[#fields + 1] = 'prior'
                fields[#fields + 1] = '1'
              end
              redis.call('DEL', KEYS[1])
              redis.call('HSET', KEYS[1], unpack(fields))
              redis.call('PEXPIRE', KEYS[1], string.format('%.0f', keep))
              if takeover then
                return {1}
              end
              return {0}
              """);

  /** ARGV: owner token, encoded response, retention ms, now ms ('' for Redis TIME). */
  private static final RedisScript COMPLETE =
      RedisScript.of(
          NOW
              + """
              local now = now_millis(ARGV[4])
              local e = redis.call('HMGET', KEYS[1], 'state', 'owner', 'expires')
              if not e[1] or tonumber(e[3]) <= now or e[2] ~= ARGV[1] then
                return 0
              end
              if e[1] == 'done' then
                return 1
              end
              redis.call('HSET', KEYS[1], 'state', 'done', 'response', ARGV[2],
                'expires', string.format('%.0f', now + tonumber(ARGV[3])))
              redis.call('PEXPIRE', KEYS[1], ARGV[3])
              return 1
              """);

  /** ARGV: owner token, now ms ('' for Redis TIME). */
  private static final RedisScript RELEASE =
      RedisScript.of(
          NOW
              + """
              local now = now_millis(ARGV[2])
              local e = redis.call('HMGET', KEYS[1], 'state', 'owner', 'expires', 'prior')
              if e[1] == 'busy' and e[2] == ARGV[1] and tonumber(e[3]) > now then
                if e[4] == '1' then
                  -- The request before this one may have acted: the key stays, ownerless and
                  -- with its lease over, so that the next begin is a takeover too.
                  redis.call('HSET', KEYS[1], 'owner', '', 'lease', '0')
                else
                  redis.call('DEL', KEYS[1])
                end
                return 1
              end
              return 0
              """);

  private static final byte[] SERVER_TIME = new byte[0];
  private static final int HASH_TAG_BYTES = 12;
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private final RedisConnection<byte[], byte[]> connection;
  private final Duration lease;
  private final Duration retention;
  private final String keyPrefix;
  private final @Nullable Clock clock;
  private final byte[] leaseMillis;
  private final byte[] retentionMillis;

  private RedisIdempotencyStore(Builder builder) {
    this.connection = builder.connection;
    this.lease = builder.lease;
    this.retention = builder.retention;
    this.keyPrefix = builder.keyPrefix;
    this.clock = builder.clock;
    this.leaseMillis = ascii(lease.toMillis());
    this.retentionMillis = ascii(retention.toMillis());
  }

  /**
   * Returns a builder for a store on {@code connection}, with the defaults: a {@link
   * IdempotencyStore#DEFAULT_LEASE} lease, a {@link IdempotencyStore#DEFAULT_RETENTION} retention,
   * the key prefix {@value #DEFAULT_KEY_PREFIX}, and the Redis server's clock.
   *
   * @param connection a connection from {@link dev.securecart.core.redis.RedisConnector#connect(
   *     io.lettuce.core.codec.RedisCodec)} with {@code ByteArrayCodec.INSTANCE}, standalone or
   *     Cluster; shared, not closed by the store
   * @return a new builder
   * @throws NullPointerException if {@code connection} is null
   */
  public static Builder builder(RedisConnection<byte[], byte[]> connection) {
    return new Builder(requireNonNull(connection, "connection"));
  }

  /**
   * Returns a builder preset with this store's connection and settings.
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

  /** Returns the prefix of every Redis key this store writes. */
  public String keyPrefix() {
    return keyPrefix;
  }

  /** Returns the clock that judges leases, or empty when the Redis server's clock does. */
  public Optional<Clock> clock() {
    return Optional.ofNullable(clock);
  }

  @Override
  public BeginResult begin(IdempotencyKey key, RequestFingerprint fingerprint, LeaseToken token) {
    requireNonNull(key, "key");
    requireNonNull(fingerprint, "fingerprint");
    requireNonNull(token, "token");
    Object result =
        run(
            BEGIN,
            "begin",
            key,
            token,
            ScriptOutputType.MULTI,
            fingerprint.bytes(),
            ascii(token.value()),
            leaseMillis,
            retentionMillis,
            now());
    if (!(result instanceof List<?> reply)) {
      throw unexpected("begin", key, token, result);
    }
    long code = reply.isEmpty() ? -1 : asLong(reply.get(0));
    if (code == 0 || code == 1) {
      return new BeginResult.Started(token, code == 1);
    }
    if (code == 2 && reply.size() == 2) {
      return new BeginResult.InProgress(Duration.ofMillis(asLong(reply.get(1))));
    }
    if (code == 3 && reply.size() == 2 && reply.get(1) instanceof byte[] encoded) {
      try {
        return new BeginResult.Completed(StoredResponseCodec.decode(encoded));
      } catch (IllegalArgumentException e) {
        throw new IdempotencyStoreException(
            "idempotency key '" + key.value() + "' has a corrupt stored response in Redis", key, e);
      }
    }
    if (code == 4) {
      return new BeginResult.Mismatch();
    }
    throw unexpected("begin", key, token, reply);
  }

  @Override
  public boolean complete(IdempotencyKey key, LeaseToken token, StoredResponse response) {
    requireNonNull(key, "key");
    requireNonNull(token, "token");
    requireNonNull(response, "response");
    Object reply =
        run(
            COMPLETE,
            "complete",
            key,
            null,
            ScriptOutputType.INTEGER,
            ascii(token.value()),
            StoredResponseCodec.encode(response),
            retentionMillis,
            now());
    return isOne("complete", key, reply);
  }

  @Override
  public boolean release(IdempotencyKey key, LeaseToken token) {
    requireNonNull(key, "key");
    requireNonNull(token, "token");
    Object reply =
        run(RELEASE, "release", key, null, ScriptOutputType.INTEGER, ascii(token.value()), now());
    return isOne("release", key, reply);
  }

  @Override
  public String toString() {
    return "RedisIdempotencyStore[keyPrefix="
        + keyPrefix
        + ", lease="
        + lease
        + ", retention="
        + retention
        + ", time="
        + (clock == null ? "redis" : clock.toString())
        + "]";
  }

  /** The Redis key of {@code key}'s entry. */
  String redisKey(IdempotencyKey key) {
    return keyPrefix + "{" + hashTag(key) + "}" + key.value();
  }

  /**
   * The hash tag of {@code key}'s entry. Not the key itself: keys may hold braces (any printable
   * ASCII), and with the key as the tag <code>a&#125;1</code>, <code>a&#125;2</code>… would all
   * hash to the slot of {@code a}, while a key starting with <code>&#125;</code> would make the tag
   * empty and Redis would hash the whole name. 96 bits of SHA-256 spread keys evenly and have no
   * braces; the tag only places the entry, the key after it names it, so tags that collide would
   * merely share a slot.
   */
  private static String hashTag(IdempotencyKey key) {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    byte[] digest = sha256.digest(key.value().getBytes(StandardCharsets.US_ASCII));
    return BASE64URL.encodeToString(Arrays.copyOf(digest, HASH_TAG_BYTES));
  }

  /**
   * Runs {@code script} on {@code key}'s entry. {@code attempted} is the token a {@code begin}
   * tries to record: a failure then leaves the claim unknown, and the exception carries the token
   * so that the caller can take the claim back.
   */
  private Object run(
      RedisScript script,
      String operation,
      IdempotencyKey key,
      @Nullable LeaseToken attempted,
      ScriptOutputType output,
      byte[]... args) {
    byte[][] keys = {redisKey(key).getBytes(StandardCharsets.UTF_8)};
    Object reply;
    try {
      reply = script.eval(connection, output, keys, args);
    } catch (RedisException e) {
      String message =
          String.format(
              Locale.ROOT,
              "Redis failed to %s idempotency key '%s' (%s)",
              operation,
              key.value(),
              e.getClass().getSimpleName());
      throw failure(message, key, attempted, e);
    }
    if (reply == null) {
      throw unexpected(operation, key, attempted, "nil");
    }
    return reply;
  }

  private static boolean isOne(String operation, IdempotencyKey key, Object reply) {
    if (reply instanceof Long number && (number == 0L || number == 1L)) {
      return number == 1L;
    }
    throw unexpected(operation, key, null, reply);
  }

  private byte[] now() {
    return clock == null ? SERVER_TIME : ascii(clock.millis());
  }

  private static long asLong(Object value) {
    return value instanceof Long number ? number : Long.MIN_VALUE;
  }

  /** An answer the scripts never give: what the script did, if anything, is unknown. */
  private static IdempotencyStoreException unexpected(
      String operation, IdempotencyKey key, @Nullable LeaseToken attempted, Object reply) {
    String shape = reply instanceof List<?> list ? "a list of " + list.size() : "'" + reply + "'";
    String message =
        "Redis answered " + operation + " of idempotency key '" + key.value() + "' unexpectedly";
    return failure(
        message, key, attempted, new IllegalStateException("unexpected script reply: " + shape));
  }

  private static IdempotencyStoreException failure(
      String message, IdempotencyKey key, @Nullable LeaseToken attempted, Throwable cause) {
    return attempted == null
        ? new IdempotencyStoreException(message, key, cause)
        : new IdempotencyStoreException(message, key, attempted, cause);
  }

  private static byte[] ascii(long value) {
    return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] ascii(String value) {
    return value.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Configures a {@link RedisIdempotencyStore}. Each method checks its argument at once. This class
   * is not thread-safe.
   */
  public static final class Builder {
    private final RedisConnection<byte[], byte[]> connection;
    private Duration lease = DEFAULT_LEASE;
    private Duration retention = DEFAULT_RETENTION;
    private String keyPrefix = DEFAULT_KEY_PREFIX;
    private @Nullable Clock clock;

    private Builder(RedisConnection<byte[], byte[]> connection) {
      this.connection = connection;
    }

    private Builder(RedisIdempotencyStore store) {
      this.connection = store.connection;
      this.lease = store.lease;
      this.retention = store.retention;
      this.keyPrefix = store.keyPrefix;
      this.clock = store.clock;
    }

    /**
     * Sets how long an owner holds a key before another request may take over. Make it longer than
     * the slowest request: a lease that runs out while the owner still works lets a retry run
     * concurrently with it. Redis keeps milliseconds.
     *
     * @param lease at least a millisecond, at most {@link IdempotencyStore#MAX_DURATION}
     * @return this builder
     * @throws NullPointerException if {@code lease} is null
     * @throws IllegalArgumentException if {@code lease} is out of range
     */
    public Builder lease(Duration lease) {
      this.lease = checkMillis(lease, "lease");
      return this;
    }

    /**
     * Sets how long a completed response is replayed, counted from completion.
     *
     * @param retention at least a millisecond, at most {@link IdempotencyStore#MAX_DURATION}, and
     *     not shorter than the lease (checked by {@link #build()})
     * @return this builder
     * @throws NullPointerException if {@code retention} is null
     * @throws IllegalArgumentException if {@code retention} is out of range
     */
    public Builder retention(Duration retention) {
      this.retention = checkMillis(retention, "retention");
      return this;
    }

    /**
     * Sets the prefix of every Redis key the store writes; give each service (or store) its own.
     *
     * @param keyPrefix at most {@value #MAX_KEY_PREFIX_LENGTH} characters, without <code>&#123;
     *     </code> or <code>&#125;</code> (a brace would move the hash tag off the key's digest and
     *     put every entry in one Cluster slot)
     * @return this builder
     * @throws NullPointerException if {@code keyPrefix} is null
     * @throws IllegalArgumentException if {@code keyPrefix} is too long or has a brace
     */
    public Builder keyPrefix(String keyPrefix) {
      this.keyPrefix = RedisKeyPrefixes.requireValid(keyPrefix);
      return this;
    }

    /**
     * Judges leases and retention by {@code clock} instead of the Redis server's clock. Tests use
     * it to move time by hand. In production prefer the default: with node clocks, a node whose
     * clock runs ahead by more than the lease's margin takes over leases early.
     *
     * @param clock the clock; its milliseconds are passed to the scripts
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the store; later changes to this builder do not affect it. Nothing is sent to Redis
     * until the first call.
     *
     * @return the store
     * @throws IllegalStateException if the retention is shorter than the lease
     */
    public RedisIdempotencyStore build() {
      IdempotencySettings.checkRetentionCoversLease(retention, lease);
      return new RedisIdempotencyStore(this);
    }

    private static Duration checkMillis(Duration duration, String name) {
      IdempotencySettings.checkDuration(duration, name);
      requireArgument(
          duration.toMillis() > 0, "%s must be at least 1 ms, but was %s", name, duration);
      return duration;
    }
  }
}
