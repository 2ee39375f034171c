package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.cache.redis.RedisCacheStore;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.RedisExtension;
import dev.securecart.core.testing.RedisNamespace;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two nodes on one Redis whose wall clocks disagree by 30 s. A copy that the node ahead put in L2
 * carries deadlines in its clock; the other node must judge it by the time Redis has left on it, or
 * it serves the copy as fresh, and at all, 30 s too long. Real time (short windows), because Redis
 * counts TTLs down in real time.
 */
@ExtendWith(RedisExtension.class)
final class ClockSkewTest {

  private static final Duration FRESH = Duration.ofSeconds(2);
  private static final Duration STALE = Duration.ofSeconds(1);
  private static final Duration IF_ERROR = Duration.ofSeconds(1);

  /** Margin for the L1 hit clock and scheduling; the skew under test is 30 s. */
  private static final long SLACK_MILLIS = 500;

  private static final CachePolicy POLICY =
      CachePolicy.builder()
          .freshFor(FRESH)
          .staleWhileRevalidate(STALE)
          .staleIfError(IF_ERROR)
          .build();

  private final Clock readerClock = Clock.systemUTC();
  private final Clock writerClock = Clock.offset(readerClock, Duration.ofSeconds(30));
  private RedisConnector connector;
  private RedisCacheStore writerStore;
  private RedisCacheStore readerStore;
  private LayeredCache<String, String> writer;
  private LayeredCache<String, String> reader;

  @BeforeEach
  void start(RedisNamespace ns) {
    connector = RedisConnector.create(RedisSettings.of(ns.server().uri()));
    writerStore =
        RedisCacheStore.builder(connector).keyPrefix(ns.prefix()).clock(writerClock).build();
    readerStore =
        RedisCacheStore.builder(connector).keyPrefix(ns.prefix()).clock(readerClock).build();
    writer =
        LayeredCache.<String, String>builder("products", POLICY)
            .clock(writerClock)
            .sharedStore(writerStore, Codec.utf8())
            .loader(key -> Loaded.of(key + "@19.99"))
            .build();
    reader =
        LayeredCache.<String, String>builder("products", POLICY)
            .clock(readerClock)
            .sharedStore(readerStore, Codec.utf8())
            .loader(
                key -> {
                  throw new IllegalStateException("the origin is down");
                })
            .build();
  }

  @AfterEach
  void stop() {
    writer.close();
    reader.close();
    writerStore.close();
    readerStore.close();
    connector.close();
  }

  @Test
  void aCopyFromANodeWhoseClockIsAheadIsNeitherFreshNorServedPastItsWindowsOnAnother()
      throws Exception {
    assertThat(writer.get("p1")).isEqualTo("p1@19.99");
    // The load ended by now: its windows end at most this long after it, in true time.
    long loaded = readerClock.millis();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> readerStore.read("products", "p1").get().entry().isPresent());

    CacheResult<String> first = reader.lookup("p1");
    assertThat(first.status()).isEqualTo(CacheStatus.FRESH);

    long freshEnd = loaded + FRESH.toMillis() + SLACK_MILLIS;
    long end = loaded + FRESH.plus(STALE).plus(IF_ERROR).toMillis() + SLACK_MILLIS;
    List<String> late = new ArrayList<>();
    AtomicBoolean refused = new AtomicBoolean();
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              long asked = readerClock.millis();
              try {
                CacheResult<String> result = reader.lookup("p1");
                if (asked > end || (result.status() == CacheStatus.FRESH && asked > freshEnd)) {
                  late.add(result.status() + " at +" + (asked - loaded) + " ms");
                }
              } catch (CacheLoadException e) {
                refused.set(true);
              }
              return refused.get() || asked > end + 2_000;
            });

    assertThat(late).as("served past its windows").isEmpty();
    assertThat(refused).as("nothing served once its windows ended").isTrue();
  }
}
