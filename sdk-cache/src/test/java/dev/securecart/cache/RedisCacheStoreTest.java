package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.cache.redis.RedisCacheStore;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.FakeClock;
import dev.securecart.core.testing.FaultProxy;
import dev.securecart.core.testing.RedisExtension;
import dev.securecart.core.testing.RedisNamespace;
import dev.securecart.core.testing.RespClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(RedisExtension.class)
final class RedisCacheStoreTest extends CacheStoreContractTest {

  private RedisNamespace ns;
  private RedisConnector connector;
  private RedisCacheStore store;

  @BeforeEach
  void connect(RedisNamespace ns) {
    this.ns = ns;
    connector = RedisConnector.create(RedisSettings.of(ns.server().uri()));
    store = RedisCacheStore.builder(connector).keyPrefix(ns.prefix()).build();
  }

  @AfterEach
  void disconnect() {
    store.close();
    connector.close();
  }

  @Override
  CacheStore store() {
    return store;
  }

  @Override
  String cache() {
    return "products";
  }

  @Override
  long now() {
    return System.currentTimeMillis();
  }

  /** Runs one command on the test's Redis, as an operator (or another program) would. */
  private Object redis(String... command) {
    try (RespClient redis = RespClient.connect(ns.server(), Duration.ofSeconds(5))) {
      return redis.call(command);
    }
  }

  private String entryKey(String key) {
    return ns.prefix() + cache() + ":e:{" + key + "}";
  }

  /** "v", written at {@code written}: fresh, stale and ending a minute apart; load 5 ns. */
  private static StoredEntry minuteApart(long written, Set<String> tags, long stamp) {
    return StoredEntry.found(
        "v".getBytes(StandardCharsets.UTF_8),
        tags,
        written,
        written + 60_000,
        written + 120_000,
        written + 180_000,
        stamp,
        5);
  }

  @Test
  void withClocksLessThanHalfASecondApartAnEntryReadsBackAsWrittenEveryTime() throws Exception {
    FakeClock clock = FakeClock.create(); // stands still while Redis counts the TTL down
    try (RedisCacheStore both =
        RedisCacheStore.builder(connector).keyPrefix(ns.prefix()).clock(clock).build()) {
      long stamp = get(both.read(cache(), "k")).stamp();
      long written = clock.millis();
      StoredEntry found = minuteApart(written, Set.of(), stamp);
      assertThat(get(both.write(cache(), "k", found))).isTrue();
      // The TTL moves on by a few milliseconds, as the round trip does between two reads.
      await().until(() -> (Long) redis("PTTL", entryKey("k")) < 180_000 - 20);

      StoredEntry first = get(both.read(cache(), "k")).entry().orElseThrow();
      await().until(() -> (Long) redis("PTTL", entryKey("k")) < 180_000 - 40);
      StoredEntry second = get(both.read(cache(), "k")).entry().orElseThrow();

      // Else the cache would take the copy it holds for a newer one.
      for (StoredEntry read : List.of(first, second)) {
        assertThat(read.writtenAtMillis()).isEqualTo(written);
        assertThat(read.freshUntilMillis()).isEqualTo(written + 60_000);
        assertThat(read.expiresAtMillis()).isEqualTo(written + 180_000);
      }
    }
  }

  @ParameterizedTest(name = "writer {0} s off")
  @ValueSource(longs = {30, -30})
  void deadlinesReadBackAreInTheReadersClockWhateverTheWritersSays(long writerOffsetSeconds)
      throws Exception {
    FakeClock readerClock = FakeClock.create();
    FakeClock writerClock = readerClock.skewedBy(Duration.ofSeconds(writerOffsetSeconds));
    try (RedisCacheStore writer =
            RedisCacheStore.builder(connector).keyPrefix(ns.prefix()).clock(writerClock).build();
        RedisCacheStore reader =
            RedisCacheStore.builder(connector).keyPrefix(ns.prefix()).clock(readerClock).build()) {
      long stamp = get(reader.read(cache(), "k")).stamp();
      long written = writerClock.millis();
      StoredEntry found = minuteApart(written, Set.of("a"), stamp);
      assertThat(get(writer.write(cache(), "k", found))).isTrue();
      assertThat(
              get(
                  writer.write(
                      cache(),
                      "gone",
                      StoredEntry.notFound(Set.of("a"), written, written + 10_000, stamp))))
          .isTrue();

      StoredEntry read = get(reader.read(cache(), "k")).entry().orElseThrow();
      StoredEntry notFound = get(reader.read(cache(), "gone")).entry().orElseThrow();
      await().until(() -> (Long) redis("PTTL", entryKey("k")) < 180_000 - 30);
      StoredEntry again = get(reader.read(cache(), "k")).entry().orElseThrow();
      // The same copy, whatever the round trip did meanwhile: else the cache would take it for a
      // newer one.
      assertThat(again.writtenAtMillis()).isEqualTo(read.writtenAtMillis());
      assertThat(again.expiresAtMillis()).isEqualTo(read.expiresAtMillis());

      // Redis counts the TTL down in real time while the fake clocks stand still.
      long now = readerClock.millis();
      assertThat(read.expiresAtMillis()).isBetween(now + 179_000, now + 180_000);
      assertThat(read.writtenAtMillis()).isEqualTo(read.expiresAtMillis() - 180_000);
      assertThat(read.freshUntilMillis()).isEqualTo(read.writtenAtMillis() + 60_000);
      assertThat(read.staleUntilMillis()).isEqualTo(read.writtenAtMillis() + 120_000);
      assertThat(new String(read.value(), StandardCharsets.UTF_8)).isEqualTo("v");
      assertThat(read.tags()).containsExactly("a");
      assertThat(read.stamp()).isEqualTo(stamp);
      assertThat(read.loadNanos()).isEqualTo(5);
      assertThat(notFound.isFound()).isFalse();
      assertThat(notFound.expiresAtMillis()).isBetween(now + 9_000, now + 10_000);
      assertThat(notFound.writtenAtMillis()).isEqualTo(notFound.expiresAtMillis() - 10_000);
    }
  }

  @Test
  void anEntryKeyWithoutATtlIsNotOneOfOurs() throws Exception {
    long stamp = get(store.read(cache(), "k")).stamp();
    long now = now();
    get(
        store.write(
            cache(),
            "k",
            StoredEntry.found(
                new byte[] {1},
                Set.of(),
                now,
                now + 60_000,
                now + 60_000,
                now + 60_000,
                stamp,
                0)));
    assertThat(redis("PERSIST", entryKey("k"))).isEqualTo(1L);

    assertThat(get(store.read(cache(), "k")).entry()).isEmpty();
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({
    "{products}:t:shoes, garbage",
    "{products}:t:shoes, -5",
    "{products}:all, garbage",
    "{products}:seq, 12x"
  })
  void anEpochOrSequenceThatIsNotANumberIsAMissNotAFailedRead(String key, String value)
      throws Exception {
    long stamp = get(store.read(cache(), "k")).stamp();
    long now = now();
    assertThat(
            get(
                store.write(
                    cache(),
                    "k",
                    StoredEntry.found(
                        new byte[] {1},
                        Set.of("shoes"),
                        now,
                        now + 60_000,
                        now + 60_000,
                        now + 60_000,
                        stamp,
                        0))))
        .isTrue();
    redis("SET", ns.prefix() + cache() + ":" + key, value);

    CacheStore.ReadResult read = get(store.read(cache(), "k"));

    assertThat(read.entry()).isEmpty();
    assertThat(read.stamp()).isNotNegative();
  }

  @Test
  void anEntryKeyOfAnotherTypeIsAMissNotAFailedRead() throws Exception {
    redis("RPUSH", entryKey("k"), "not an entry");

    assertThat(get(store.read(cache(), "k")).entry()).isEmpty();
  }

  @Test
  void aReadThatRedisDoesNotAnswerStillFails() {
    try (FaultProxy proxy = FaultProxy.startFor(ns.server());
        RedisConnector proxied =
            RedisConnector.create(
                RedisSettings.builder(proxy.proxied(ns.server()).uri())
                    .commandTimeout(Duration.ofMillis(200))
                    .build());
        RedisCacheStore unanswered =
            RedisCacheStore.builder(proxied).keyPrefix(ns.prefix()).build()) {
      proxy.blackHole(true);

      assertThat(unanswered.read(cache(), "k")).failsWithin(Duration.ofSeconds(10));
    }
  }

  @Test
  void anEpochKeepsTheLongestRetentionAskedOfIt() throws Exception {
    get(store.invalidateTag(cache(), "shoes", Duration.ofHours(1)));
    get(store.invalidateTag(cache(), "shoes", Duration.ofMillis(1)));
    get(store.invalidateKey(cache(), "k", Duration.ofHours(1)));
    get(store.invalidateKey(cache(), "k", Duration.ofMillis(1)));

    assertThat((Long) redis("PTTL", ns.prefix() + cache() + ":{" + cache() + "}:t:shoes"))
        .isGreaterThan(Duration.ofMinutes(59).toMillis());
    assertThat((Long) redis("PTTL", ns.prefix() + cache() + ":v:{k}"))
        .isGreaterThan(Duration.ofMinutes(59).toMillis());
  }
}
