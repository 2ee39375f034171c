package dev.securecart.core.idempotency.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.idempotency.BeginResult;
import dev.securecart.core.idempotency.BeginResult.Completed;
import dev.securecart.core.idempotency.BeginResult.InProgress;
import dev.securecart.core.idempotency.BeginResult.Started;
import dev.securecart.core.idempotency.IdempotencyKey;
import dev.securecart.core.idempotency.IdempotencyStore;
import dev.securecart.core.idempotency.IdempotencyStoreContractTest;
import dev.securecart.core.idempotency.IdempotencyStoreException;
import dev.securecart.core.idempotency.LeaseToken;
import dev.securecart.core.redis.RedisConnection;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.FakeClock;
import dev.securecart.core.testing.FaultProxy;
import dev.securecart.core.testing.RedisExtension;
import dev.securecart.core.testing.RedisNamespace;
import dev.securecart.core.testing.RedisProcess;
import dev.securecart.core.testing.RedisServerLocator;
import dev.securecart.core.testing.RedisTestServer;
import dev.securecart.core.testing.RespClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Redis store against the contract on a real Redis (the fixture's server), with two connections
 * from two connectors standing for two nodes, plus what is particular to Redis.
 */
@ExtendWith(RedisExtension.class)
final class RedisIdempotencyStoreTest extends IdempotencyStoreContractTest {

  private static final Duration IO = Duration.ofSeconds(5);

  private static RedisTestServer server;
  private static RedisConnector nodeA;
  private static RedisConnector nodeB;
  private static RedisConnection<byte[], byte[]> connectionA;
  private static RedisConnection<byte[], byte[]> connectionB;

  private RedisNamespace namespace;

  @BeforeAll
  static void connect(RedisTestServer redis) {
    server = redis;
    nodeA = RedisConnector.create(RedisSettings.builder(redis.uri()).clientName("node-a").build());
    nodeB = RedisConnector.create(RedisSettings.builder(redis.uri()).clientName("node-b").build());
    connectionA = nodeA.connect(ByteArrayCodec.INSTANCE);
    connectionB = nodeB.connect(ByteArrayCodec.INSTANCE);
  }

  @AfterAll
  static void disconnect() {
    for (AutoCloseable closeable : new AutoCloseable[] {connectionA, connectionB, nodeA, nodeB}) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception ignored) {
        // best effort: the next closeable still gets its turn
      }
    }
  }

  @BeforeEach
  void useNamespace(RedisNamespace ns) {
    this.namespace = ns;
  }

  @Override
  protected IdempotencyStore newStore(Duration lease, Duration retention) {
    return storeOn(connectionA, lease, retention);
  }

  @Override
  protected IdempotencyStore storeOnAnotherNode(Duration lease, Duration retention) {
    return storeOn(connectionB, lease, retention);
  }

  private RedisIdempotencyStore storeOn(
      RedisConnection<byte[], byte[]> connection, Duration lease, Duration retention) {
    return RedisIdempotencyStore.builder(connection)
        .keyPrefix(namespace.prefix())
        .lease(lease)
        .retention(retention)
        .clock(clock)
        .build();
  }

  private RedisIdempotencyStore serverTimeStore(Duration lease) {
    return RedisIdempotencyStore.builder(connectionA)
        .keyPrefix(namespace.prefix())
        .lease(lease)
        .build();
  }

  /** The Redis key of {@code key}'s entry in this test's store. */
  private String redisKey(String key) {
    return ((RedisIdempotencyStore) store()).redisKey(key(key));
  }

  private static String sha256Base64Url96(String text) throws NoSuchAlgorithmException {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(UTF_8));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 12));
  }

  /** A connector whose connections go through {@code proxy}, giving up after {@code timeout}. */
  private static RedisConnector connectorThrough(FaultProxy proxy, Duration timeout) {
    return RedisConnector.create(
        RedisSettings.builder(proxy.proxied(server).uri())
            .commandTimeout(timeout)
            .connectTimeout(Duration.ofSeconds(5))
            .build());
  }

  @Nested
  @DisplayName("in Redis")
  class InRedis {

    @Test
    @DisplayName(
        "each idempotency key is one hash under the prefix, hash-tagged, expiring with the retention")
    void eachKeyIsOneHashTaggedHashExpiringWithTheRetention() {
      Started started = started(store().begin(key("order-1"), CHARGE_10));
      String redisKey = redisKey("order-1");

      assertThat(namespace.keys()).containsExactly(redisKey);
      try (RespClient redis = RespClient.connect(server, IO)) {
        assertThat(redis.call("TYPE", redisKey)).isEqualTo("hash");
        assertThat(redis.callList("HKEYS", redisKey))
            .containsExactlyInAnyOrder("state", "fp", "owner", "lease", "expires");
        assertThat(redis.call("HSTRLEN", redisKey, "fp")).isEqualTo((long) CHARGE_10.length());
        // In progress: the lease plus the retention.
        Duration inProgress = LEASE.plus(RETENTION);
        assertThat((Long) redis.call("PTTL", redisKey))
            .isBetween(inProgress.minusMinutes(1).toMillis(), inProgress.toMillis());

        clock.advance(Duration.ofHours(1));
        store().complete(key("order-1"), started.token(), CHARGED);

        assertThat(redis.callList("HKEYS", redisKey)).contains("response");
        assertThat((Long) redis.call("PTTL", redisKey))
            .isBetween(RETENTION.minusMinutes(1).toMillis(), RETENTION.toMillis());
      }
    }

    @Test
    @DisplayName("by default a lease follows the Redis server's clock, not the node's")
    void byDefaultALeaseFollowsTheRedisServersClock() {
      RedisIdempotencyStore store = serverTimeStore(Duration.ofMinutes(1));
      assertThat(store.clock()).isEmpty();
      // The test's fake clock sits months away from the server's; the store never reads it.
      clock.advance(Duration.ofDays(3650));

      started(store.begin(key("order-1"), CHARGE_10));
      BeginResult second = store.begin(key("order-1"), CHARGE_10);

      assertThat(second).isInstanceOf(InProgress.class);
      assertThat(((InProgress) second).leaseRemaining())
          .isBetween(Duration.ofSeconds(30), Duration.ofMinutes(1));
    }

    @Test
    @DisplayName(
        "with the server's clock, a crashed owner's lease is taken over once Redis time passes it")
    void withTheServersClockALeaseIsTakenOverOnceRedisTimePassesIt() {
      RedisIdempotencyStore store = serverTimeStore(Duration.ofMillis(200));
      Started crashed = started(store.begin(key("order-1"), CHARGE_10));

      BeginResult takeover =
          await()
              .atMost(Duration.ofSeconds(20))
              .pollInterval(Duration.ofMillis(50))
              .until(
                  () -> store.begin(key("order-1"), CHARGE_10),
                  result -> result instanceof Started);

      assertThat(((Started) takeover).takeover()).isTrue();
      assertThat(store.complete(key("order-1"), crashed.token(), DECLINED)).isFalse();
    }

    @Test
    @DisplayName(
        "with node clocks, a node whose clock runs ahead takes over early: why the server's clock is the default")
    void withNodeClocksANodeAheadTakesOverEarly() {
      FakeClock ahead = clock.skewedBy(LEASE);
      IdempotencyStore fastNode =
          RedisIdempotencyStore.builder(connectionB)
              .keyPrefix(namespace.prefix())
              .lease(LEASE)
              .clock(ahead)
              .build();
      store().begin(key("order-1"), CHARGE_10);

      assertThat(started(fastNode.begin(key("order-1"), CHARGE_10)).takeover()).isTrue();
    }

    @Test
    @DisplayName(
        "Redis errors become an IdempotencyStoreException naming the key, with the cause kept")
    void redisErrorsBecomeAnIdempotencyStoreException() {
      try (RespClient redis = RespClient.connect(server, IO)) {
        redis.call("SET", redisKey("order-1"), "not a hash");
      }

      assertThatThrownBy(() -> store().begin(key("order-1"), CHARGE_10))
          .isInstanceOf(IdempotencyStoreException.class)
          .hasMessage(
              "Redis failed to begin idempotency key 'order-1' (RedisCommandExecutionException)")
          .hasCauseInstanceOf(RedisCommandExecutionException.class)
          .satisfies(
              e -> assertThat(((IdempotencyStoreException) e).key()).isEqualTo(key("order-1")));
      assertThatThrownBy(() -> store().complete(key("order-1"), LeaseToken.random(), CHARGED))
          .isInstanceOf(IdempotencyStoreException.class)
          .hasMessageContaining("failed to complete idempotency key 'order-1'");
      assertThatThrownBy(() -> store().release(key("order-1"), LeaseToken.random()))
          .isInstanceOf(IdempotencyStoreException.class)
          .hasMessageContaining("failed to release idempotency key 'order-1'");
    }

    @Test
    @DisplayName("a corrupt stored response is reported, not replayed")
    void aCorruptStoredResponseIsReported() {
      Started started = started(store().begin(key("order-1"), CHARGE_10));
      store().complete(key("order-1"), started.token(), CHARGED);
      try (RespClient redis = RespClient.connect(server, IO)) {
        redis.call("HSET", redisKey("order-1"), "response", "garbage");
      }

      assertThatThrownBy(() -> store().begin(key("order-1"), CHARGE_10))
          .isInstanceOf(IdempotencyStoreException.class)
          .hasMessage("idempotency key 'order-1' has a corrupt stored response in Redis")
          .hasCauseInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName(
        "a closed connection and a frozen server fail with the typed exception, never with secrets")
    void closedConnectionsAndFrozenServersFailTyped() {
      String fingerprintHex = HexFormat.of().formatHex(CHARGE_10.bytes());
      try (FaultProxy proxy = FaultProxy.startFor(server);
          RedisConnector connector = connectorThrough(proxy, Duration.ofMillis(500))) {
        RedisConnection<byte[], byte[]> connection = connector.connect(ByteArrayCodec.INSTANCE);
        IdempotencyStore store =
            RedisIdempotencyStore.builder(connection).keyPrefix(namespace.prefix()).build();
        started(store.begin(key("order-1"), CHARGE_10));

        proxy.blackHole(true);
        assertThatThrownBy(() -> store.begin(key("order-2"), CHARGE_10))
            .isInstanceOf(IdempotencyStoreException.class)
            .hasMessage(
                "Redis failed to begin idempotency key 'order-2' (RedisCommandTimeoutException)")
            .hasCauseInstanceOf(RedisCommandTimeoutException.class)
            .message()
            .doesNotContain(fingerprintHex);

        proxy.heal();
        connection.close();
        assertThatThrownBy(() -> store.begin(key("order-3"), CHARGE_10))
            .isInstanceOf(IdempotencyStoreException.class)
            .hasCauseInstanceOf(RedisException.class);
      }
    }

    @Test
    @DisplayName(
        "a begin that timed out after Redis ran it is taken back by a retry with its token, not"
            + " taken over a lease later")
    void aBeginThatTimedOutIsTakenBackByARetryWithItsToken() {
      try (FaultProxy proxy = FaultProxy.startFor(server);
          RedisConnector connector = connectorThrough(proxy, Duration.ofMillis(200));
          RedisConnection<byte[], byte[]> connection = connector.connect(ByteArrayCodec.INSTANCE)) {
        RedisIdempotencyStore slowNode = storeOn(connection, LEASE, RETENTION);
        // Loads the script first, so that the slow call is the BEGIN itself.
        started(slowNode.begin(key("warm-up"), CHARGE_10));

        // A BGSAVE fork under load: Redis answers, but after the command timeout.
        proxy.latency(Duration.ofMillis(600));
        IdempotencyStoreException timedOut =
            catchThrowableOfType(
                IdempotencyStoreException.class, () -> slowNode.begin(key("order-1"), CHARGE_10));
        assertThat(timedOut).hasCauseInstanceOf(RedisCommandTimeoutException.class);
        LeaseToken attempted = timedOut.attemptedToken().orElseThrow();
        assertThat(timedOut.getMessage()).doesNotContain(attempted.value());
        // The script ran all the same once the request got through: the key is claimed.
        String redisKey = slowNode.redisKey(key("order-1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> namespace.keys().contains(redisKey));
        assertThat(store().begin(key("order-1"), CHARGE_10)).isInstanceOf(InProgress.class);

        proxy.heal();
        // Retried as a client retries, until Redis answers in time; each try is safe.
        BeginResult retried =
            await()
                .atMost(Duration.ofSeconds(10))
                .ignoreExceptionsInstanceOf(IdempotencyStoreException.class)
                .until(
                    () -> slowNode.begin(key("order-1"), CHARGE_10, attempted),
                    result -> !(result instanceof InProgress));

        assertThat(retried).isEqualTo(new Started(attempted, false));
        assertThat(slowNode.complete(key("order-1"), attempted, CHARGED)).isTrue();
        assertThat(store().begin(key("order-1"), CHARGE_10)).isEqualTo(new Completed(CHARGED));
      }
    }

    @Test
    @DisplayName(
        "a Redis that forgot the scripts (restart, SCRIPT FLUSH) gets them again with EVAL")
    void aRedisThatForgotTheScriptsGetsThemAgain() {
      Path binary = RedisServerLocator.fromEnvironment().redisServerOnPath().orElseThrow();
      // A private server: SCRIPT FLUSH on a shared one would disturb other tests.
      try (RedisProcess fresh = RedisProcess.start(binary, "--save", "", "--appendonly", "no");
          RedisConnector connector =
              RedisConnector.create(RedisSettings.builder(fresh.server().uri()).build());
          RedisConnection<byte[], byte[]> connection = connector.connect(ByteArrayCodec.INSTANCE);
          RespClient admin = RespClient.connect(fresh.server(), IO)) {
        IdempotencyStore store = RedisIdempotencyStore.builder(connection).clock(clock).build();

        Started started = started(store.begin(key("order-1"), CHARGE_10));
        admin.call("SCRIPT", "FLUSH");
        assertThat(store.complete(key("order-1"), started.token(), CHARGED)).isTrue();
        admin.call("SCRIPT", "FLUSH");
        assertThat(store.begin(key("order-1"), CHARGE_10)).isEqualTo(new Completed(CHARGED));
        admin.call("SCRIPT", "FLUSH");
        assertThat(store.release(key("order-1"), started.token())).isFalse();

        assertThat(admin.callList("KEYS", "*"))
            .containsExactly(((RedisIdempotencyStore) store).redisKey(key("order-1")));
      }
    }
  }

  @Nested
  @DisplayName("Cluster slots")
  class ClusterSlots {

    private final RedisIdempotencyStore store = RedisIdempotencyStore.builder(connectionA).build();

    @Test
    @DisplayName(
        "an entry's name and any name that begins with it share a slot, whatever braces the key has")
    void anEntrysNameAndItsCompanionsShareASlot() {
      for (String raw : List.of("}x", "a}b{c", "}", "{", "{}", "}{", "{x}", "order-1")) {
        String name = store.redisKey(key(raw));

        assertThat(SlotHash.getSlot(name + ":companion")).as(raw).isEqualTo(SlotHash.getSlot(name));
      }
    }

    @Test
    @DisplayName("keys alike up to a closing brace spread over the slots instead of sharing one")
    void keysAlikeUpToAClosingBraceSpreadOverTheSlots() {
      Set<Integer> slots =
          IntStream.range(0, 1000)
              .mapToObj(i -> SlotHash.getSlot(store.redisKey(key("a}" + i))))
              .collect(Collectors.toSet());

      // 1,000 keys thrown at random into 16,384 slots land in about 970 different ones.
      assertThat(slots).hasSizeGreaterThan(940);
    }
  }

  @Nested
  @DisplayName("builder")
  class BuilderChecks {

    @Test
    @DisplayName("has the documented defaults")
    void hasTheDocumentedDefaults() throws NoSuchAlgorithmException {
      RedisIdempotencyStore store = RedisIdempotencyStore.builder(connectionA).build();

      assertThat(store.keyPrefix()).isEqualTo("securecart:idempotency:");
      assertThat(store.lease()).isEqualTo(IdempotencyStore.DEFAULT_LEASE);
      assertThat(store.retention()).isEqualTo(IdempotencyStore.DEFAULT_RETENTION);
      assertThat(store.clock()).isEmpty();
      assertThat(store.redisKey(IdempotencyKey.of("abc")))
          .isEqualTo("securecart:idempotency:{" + sha256Base64Url96("abc") + "}abc");
      assertThat(store)
          .hasToString(
              "RedisIdempotencyStore[keyPrefix=securecart:idempotency:, lease=PT30S,"
                  + " retention=PT24H, time=redis]");
    }

    @Test
    @DisplayName("refuses a key prefix with a brace, which would move the hash tag")
    void refusesAKeyPrefixWithABrace() {
      RedisIdempotencyStore.Builder builder = RedisIdempotencyStore.builder(connectionA);

      assertThatThrownBy(() -> builder.keyPrefix("shop:{eu}:"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("must not contain '{' or '}'");
      assertThatThrownBy(() -> builder.keyPrefix("x".repeat(257)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("keyPrefix must be at most 256 characters, but had 257");
    }

    @Test
    @DisplayName("checks durations when they are set and their relation at build()")
    void checksDurations() {
      RedisIdempotencyStore.Builder builder = RedisIdempotencyStore.builder(connectionA);

      assertThatThrownBy(() -> builder.lease(Duration.ofNanos(10)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("lease must be at least 1 ms, but was PT0.00000001S");
      assertThatThrownBy(() -> builder.retention(Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("retention must be positive, but was PT-1S");
      assertThatThrownBy(() -> RedisIdempotencyStore.builder(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("connection cannot be null");
      assertThatThrownBy(() -> builder.retention(Duration.ofSeconds(1)).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("retention (PT1S) must not be shorter than lease (PT30S)");
    }

    @Test
    @DisplayName("newBuilder() keeps the connection and settings")
    void newBuilderKeepsConnectionAndSettings() {
      RedisIdempotencyStore original =
          RedisIdempotencyStore.builder(connectionA)
              .keyPrefix(namespace.prefix())
              .lease(Duration.ofSeconds(5))
              .clock(clock)
              .build();
      Started started = started(original.begin(key("order-1"), CHARGE_10));

      RedisIdempotencyStore copy = original.newBuilder().retention(Duration.ofHours(1)).build();

      assertThat(copy.lease()).isEqualTo(Duration.ofSeconds(5));
      assertThat(copy.clock()).contains(clock);
      assertThat(copy.complete(key("order-1"), started.token(), CHARGED)).isTrue();
    }
  }
}
