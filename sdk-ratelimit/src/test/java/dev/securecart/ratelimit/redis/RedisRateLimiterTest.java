package dev.securecart.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.core.redis.RedisConnection;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.FakeClock;
import dev.securecart.core.testing.RedisExtension;
import dev.securecart.core.testing.RedisNamespace;
import dev.securecart.core.testing.RedisProcess;
import dev.securecart.core.testing.RedisServerLocator;
import dev.securecart.core.testing.RedisTestServer;
import dev.securecart.core.testing.RespClient;
import dev.securecart.ratelimit.Algorithm;
import dev.securecart.ratelimit.Decision;
import dev.securecart.ratelimit.Keys;
import dev.securecart.ratelimit.RateLimit;
import dev.securecart.ratelimit.RateLimiter;
import dev.securecart.ratelimit.RateLimiterConfig;
import dev.securecart.ratelimit.RateLimiterContractTest;
import dev.securecart.ratelimit.RateLimiterMetrics;
import dev.securecart.ratelimit.RateLimiterStats;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The contract on a real Redis, with the script's clock driven by the test's {@link FakeClock}
 * (through a test-only hook) so that Redis and the in-process limiter are held to the same exact
 * answers; plus what only the Redis limiter does.
 */
@ExtendWith(RedisExtension.class)
final class RedisRateLimiterTest extends RateLimiterContractTest {

  private RedisTestServer server;
  private RedisNamespace ns;
  private RedisConnector connector;
  private RedisConnection<String, String> connection;

  @BeforeEach
  void connect(RedisTestServer server, RedisNamespace ns) {
    this.server = server;
    this.ns = ns;
    this.connector = RedisConnector.create(RedisSettings.of(server.uri()));
    this.connection = connector.connect();
  }

  @AfterEach
  void disconnect() {
    connection.close();
    connector.close();
  }

  @Override
  protected RateLimiter limiter(RateLimiterConfig config) {
    FakeClock ticker = clock;
    LongSupplier micros = () -> Math.floorDiv(ticker.read(), 1_000L);
    return RedisRateLimiter.withClientTime(
        connection,
        config.newBuilder().keyPrefix(ns.prefix()).deadline(Duration.ofSeconds(10)).build(),
        micros,
        600_000);
  }

  @Override
  protected Decision.Source expectedSource() {
    return Decision.Source.REDIS;
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aBackwardStepOfTheRedisHostsClockNeitherAdmitsMoreNorHoldsKeysBackByTheStep(
      Algorithm algorithm) {
    // Just past a minute boundary, where a sliding window's index changes.
    AtomicLong micros = new AtomicLong(TimeUnit.MINUTES.toMicros(29_000_000) + 1_000);
    RedisRateLimiter limiter =
        RedisRateLimiter.withClientTime(
            connection,
            real("step-" + algorithm).algorithm(algorithm).limit(RateLimit.perMinute(5)).build(),
            micros::get,
            0);
    // 3 just before the boundary, then as many as the window allows just after it.
    micros.addAndGet(-2_000);
    int allowed = 0;
    for (int i = 0; i < 3; i++) {
      allowed += limiter.tryAcquire("k").isAllowed() ? 1 : 0;
    }
    micros.addAndGet(2_000);
    for (int i = 0; i < 5; i++) {
      allowed += limiter.tryAcquire("k").isAllowed() ? 1 : 0;
    }
    int beforeTheStep = allowed;

    micros.addAndGet(-5_000); // NTP steps the Redis host back 5 ms, across the boundary
    for (int i = 0; i < 5; i++) {
      allowed += limiter.tryAcquire("k").isAllowed() ? 1 : 0;
    }
    assertThat(allowed).as("no second burst").isEqualTo(beforeTheStep);
    assertThat(beforeTheStep).isLessThanOrEqualTo(6);

    micros.addAndGet(-TimeUnit.HOURS.toMicros(1)); // and then an hour back
    assertThat(limiter.tryAcquire("k").isAllowed()).as("still used up").isFalse();
    micros.addAndGet(TimeUnit.SECONDS.toMicros(61));
    assertThat(limiter.tryAcquire("k").isAllowed())
        .as("held back a period, not an hour more")
        .isTrue();
  }

  private RateLimiterConfig.Builder real(String name) {
    return RateLimiterConfig.builder(name).keyPrefix(ns.prefix()).deadline(Duration.ofSeconds(10));
  }

  @Test
  void anAsyncDecisionWhoseStatsThrowFailsItsFutureInsteadOfLeavingItPending() throws Exception {
    RateLimiterStats throwing =
        new RateLimiterStats() {
          @Override
          public void recordDecision(Decision.Source source, boolean allowed) {
            if (source == Decision.Source.REDIS) {
              throw new IllegalStateException("a broken meter registry");
            }
          }

          @Override
          public void recordRedisLatency(long nanos) {}

          @Override
          public void recordFallback(boolean active) {}
        };
    RedisRateLimiter limiter =
        RedisRateLimiter.create(
            connection,
            real("throwing-stats").limit(RateLimit.perSecond(10)).stats(throwing).build());

    CompletableFuture<Decision> decision = limiter.tryAcquireAsync("k");

    assertThatThrownBy(() -> decision.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseMessage("a broken meter registry");
  }

  @Test
  void twoNodesWhoseClocksDifferByTenSecondsAgreeExactlyBecauseRedisKeepsTheTime() {
    FakeClock nodeA = FakeClock.create();
    FakeClock nodeB = nodeA.skewedBy(Duration.ofSeconds(10));
    RateLimiterConfig config = real("skew").limit(RateLimit.perMinute(10)).build();
    try (RedisConnection<String, String> second = connector.connect()) {
      RedisRateLimiter a =
          RedisRateLimiter.create(connection, config.newBuilder().ticker(nodeA).build());
      RedisRateLimiter b =
          RedisRateLimiter.create(second, config.newBuilder().ticker(nodeB).build());

      List<Long> remaining = new ArrayList<>();
      int allowed = 0;
      for (int i = 0; i < 20; i++) {
        Decision decision = (i % 2 == 0 ? a : b).tryAcquire("shopper");
        if (decision.isAllowed()) {
          allowed++;
          remaining.add(decision.remaining());
        }
      }
      assertThat(allowed).isEqualTo(10);
      assertThat(remaining).containsExactly(9L, 8L, 7L, 6L, 5L, 4L, 3L, 2L, 1L, 0L);
      Duration retryA = a.tryAcquire("shopper").retryAfter();
      Duration retryB = b.tryAcquire("shopper").retryAfter();
      assertThat(retryA).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(6));
      assertThat(retryB).isBetween(retryA.minusSeconds(1), retryA); // later, never earlier
    }
  }

  @Test
  void clientClocksTenSecondsApartWouldDisagreeWhichIsWhyTheScriptReadsRedisTime() {
    FakeClock nodeA = FakeClock.create();
    FakeClock nodeB = nodeA.skewedBy(Duration.ofSeconds(10));
    RateLimiterConfig config = real("naive").limit(RateLimit.perMinute(10)).build();
    RedisRateLimiter a =
        RedisRateLimiter.withClientTime(connection, config, () -> micros(nodeA.instant()), 0);
    RedisRateLimiter b =
        RedisRateLimiter.withClientTime(connection, config, () -> micros(nodeB.instant()), 0);

    int allowed = 0;
    for (int i = 0; i < 10; i++) {
      allowed += a.tryAcquire("shopper").isAllowed() ? 1 : 0;
    }
    for (int i = 0; i < 10; i++) {
      allowed += b.tryAcquire("shopper").isAllowed() ? 1 : 0;
    }
    // Node B, 10 s ahead, sees 10 s of refill that never happened: 1 permit per 6 s, so 1 extra.
    assertThat(allowed).isEqualTo(11);
  }

  private static long micros(Instant instant) {
    return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1_000;
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aKeyLeftByAnotherAlgorithmCountsAsNewAndNeverFailsTheBatch(Algorithm next) {
    // The limiter's algorithm changed, or a rolling deploy runs both: the same keys.
    forEachSwitchTo(
        next,
        "switch-",
        (before, old, changed) -> {
          assertThat(old.tryAcquire("alice", 5).isAllowed()).isTrue();
          Decision decision = changed.tryAcquire("alice", 5);

          assertThat(decision.source())
              .as(before + " then " + next)
              .isEqualTo(Decision.Source.REDIS);
          assertThat(decision.isAllowed()).isTrue(); // a new key: the whole burst
          assertThat(changed.tryAcquire("alice").isAllowed()).isFalse();
          assertThat(changed.isFallingBack()).isFalse();
        });
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void nodesOfTwoAlgorithmsTakingTurnsOnAKeyEachFindItNewEveryTurn(Algorithm next) {
    // A rolling deploy that changes the algorithm: old and new nodes share the keys.
    forEachSwitchTo(
        next,
        "turns-",
        (before, old, changed) -> {
          int allowed = 0;
          for (int i = 0; i < 20; i++) {
            allowed += (i % 2 == 0 ? old : changed).tryAcquire("alice").isAllowed() ? 1 : 0;
          }
          // Each writer overwrites the other's format, so every turn starts from a full burst:
          // not one extra burst for the rollout, but the limit not enforced while writers
          // alternate.
          assertThat(allowed).as(before + " and " + next).isEqualTo(20);
        });
  }

  /**
   * Two limiters of one name and {@code perMinute(5)}: one of each other algorithm, one of next.
   */
  private void forEachSwitchTo(Algorithm next, String namePrefix, AlgorithmSwitch check) {
    RateLimit limit = RateLimit.perMinute(5);
    for (Algorithm before : Algorithm.values()) {
      if (before == next) {
        continue;
      }
      String name = namePrefix + before.name().toLowerCase(Locale.ROOT);
      check.run(
          before,
          RedisRateLimiter.create(connection, real(name).algorithm(before).limit(limit).build()),
          RedisRateLimiter.create(connection, real(name).algorithm(next).limit(limit).build()));
    }
  }

  @FunctionalInterface
  private interface AlgorithmSwitch {
    void run(Algorithm before, RedisRateLimiter old, RedisRateLimiter changed);
  }

  @Test
  void keysFollowTheDocumentedLayoutAndExpireOnceTheBurstIsBack() {
    RedisRateLimiter single =
        RedisRateLimiter.create(connection, real("login").limit(RateLimit.perMinute(5)).build());
    RedisRateLimiter multi =
        RedisRateLimiter.create(
            connection,
            real("checkout")
                .limit("user", RateLimit.perMinute(5))
                .limit("ip", RateLimit.perMinute(100))
                .build());
    single.tryAcquire("alice");
    multi.tryAcquire(Keys.of("user", "alice", "ip", "10.0.0.1"));

    assertThat(ns.keys())
        .containsExactlyInAnyOrder(
            ns.prefix() + "login:default:{alice}",
            ns.prefix() + "{checkout}:user:alice",
            ns.prefix() + "{checkout}:ip:10.0.0.1");
    try (RespClient redis = RespClient.connect(server, Duration.ofSeconds(5))) {
      long ttl = (Long) redis.call("PTTL", ns.prefix() + "login:default:{alice}");
      assertThat(ttl).isBetween(1L, 12_001L); // one permit of 5/min: back to full in 12 s
    }
  }

  @Test
  void aFlushedScriptCacheIsReloadedAndTheDecisionStillComesFromRedis() {
    Path binary =
        RedisServerLocator.fromEnvironment()
            .redisServerOnPath()
            .orElseThrow(() -> new IllegalStateException("redis-server is not on PATH"));
    // A private server: SCRIPT FLUSH on a shared one would disturb other tests and processes.
    try (RedisProcess fresh = RedisProcess.start(binary, "--save", "", "--appendonly", "no");
        RedisConnector freshConnector =
            RedisConnector.create(RedisSettings.of(fresh.server().uri()));
        RedisConnection<String, String> freshConnection = freshConnector.connect();
        RespClient redis = RespClient.connect(fresh.server(), Duration.ofSeconds(5))) {
      RedisRateLimiter limiter =
          RedisRateLimiter.create(
              freshConnection, real("flush").limit(RateLimit.perMinute(5)).build());
      assertThat(limiter.tryAcquire("k").source()).isEqualTo(Decision.Source.REDIS);
      redis.call("SCRIPT", "FLUSH");
      Decision decision = limiter.tryAcquire("k");

      assertThat(decision.source()).isEqualTo(Decision.Source.REDIS);
      assertThat(decision.remaining()).isEqualTo(3);
      assertThat(redis.callList("SCRIPT", "EXISTS", RedisRateLimiter.scriptSha()).get(0))
          .isEqualTo(1L);
      assertThat(limiter.isFallingBack()).isFalse();
    }
  }

  @Test
  void anErrorReplyFallsBackForItsDecisionOnlyAndDoesNotTakeTheServerOut() {
    Path binary =
        RedisServerLocator.fromEnvironment()
            .redisServerOnPath()
            .orElseThrow(() -> new IllegalStateException("redis-server is not on PATH"));
    // A private server: CONFIG SET maxmemory on a shared one would disturb other tests.
    try (RedisProcess fresh = RedisProcess.start(binary, "--save", "", "--appendonly", "no");
        RedisConnector freshConnector =
            RedisConnector.create(RedisSettings.of(fresh.server().uri()));
        RedisConnection<String, String> freshConnection = freshConnector.connect();
        RespClient redis = RespClient.connect(fresh.server(), Duration.ofSeconds(5))) {
      FallbackTransitions stats = new FallbackTransitions();
      RedisRateLimiter limiter =
          RedisRateLimiter.create(
              freshConnection,
              real("refused")
                  .limit(RateLimit.perSecond(1_000))
                  .recoveryCheckInterval(Duration.ofMillis(20))
                  .stats(stats)
                  .build());
      assertThat(limiter.tryAcquire("k").source()).isEqualTo(Decision.Source.REDIS);

      // Out of memory, Redis refuses the script's writes (OOM) and answers everything else,
      // a recovery check included: taking it out would only bring it back 20 ms later, and again.
      redis.call("CONFIG", "SET", "maxmemory", "1");
      List<Decision.Source> sources = new ArrayList<>();
      long until = System.nanoTime() + Duration.ofMillis(500).toNanos();
      while (System.nanoTime() - until < 0) {
        sources.add(limiter.tryAcquire("k").source());
      }
      assertThat(sources).containsOnly(Decision.Source.FALLBACK);
      assertThat(stats.transitions).as("switches to the fallback and back").isEmpty();
      assertThat(limiter.isFallingBack()).isFalse();

      redis.call("CONFIG", "SET", "maxmemory", "0");
      assertThat(limiter.tryAcquire("k").source()).isEqualTo(Decision.Source.REDIS);
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void concurrentDecisionsShareScriptCallsAndEachCallerGetsItsOwnExactDecision(Algorithm algorithm)
      throws Exception {
    FakeClock frozen = FakeClock.create();
    RedisRateLimiter limiter =
        RedisRateLimiter.withClientTime(
            connection,
            real("combined")
                .algorithm(algorithm)
                .limit(RateLimit.perMinute(1_000))
                .ticker(frozen)
                .build(),
            () -> Math.floorDiv(frozen.read(), 1_000L),
            600_000);
    int threads = 16;
    int perThread = 200;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<Long>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  List<Long> remaining = new ArrayList<>();
                  for (int i = 0; i < perThread; i++) {
                    Decision decision = limiter.tryAcquire("hot");
                    assertThat(decision.source()).isEqualTo(Decision.Source.REDIS);
                    if (decision.isAllowed()) {
                      remaining.add(decision.remaining());
                      if (algorithm != Algorithm.SLIDING_WINDOW) {
                        // Exactly what a sequential decision reports: 60 ms per permit taken.
                        assertThat(decision.resetAfter())
                            .isEqualTo(Duration.ofMillis(60 * (1_000 - decision.remaining())));
                      }
                    } else {
                      assertThat(decision.remaining()).isZero();
                    }
                  }
                  return remaining;
                }));
      }
      start.countDown();
      List<Long> all = new ArrayList<>();
      for (Future<List<Long>> result : results) {
        all.addAll(result.get(120, TimeUnit.SECONDS));
      }
      // Time stands still: exactly the burst is granted, and every grant saw its own count.
      assertThat(all).hasSize(1_000);
      assertThat(all).doesNotHaveDuplicates();
      assertThat(all).allMatch(r -> r >= 0 && r < 1_000);
      assertThat(limiter.scriptCalls()).isLessThan((long) threads * perThread);
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void decisionsAreCountedInMetricsTaggedByLimiterNotByKey(Algorithm algorithm) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RedisRateLimiter limiter =
        RedisRateLimiter.create(
            connection,
            real("metered")
                .algorithm(algorithm)
                .limit(RateLimit.perMinute(2))
                .metrics(registry)
                .build());
    limiter.tryAcquire("alice");
    limiter.tryAcquire("alice");
    limiter.tryAcquire("alice");

    assertThat(
            registry
                .get(RateLimiterMetrics.DECISIONS)
                .tag("limiter", "metered")
                .tag("result", "allowed")
                .counter()
                .count())
        .isEqualTo(2);
    assertThat(
            registry.get(RateLimiterMetrics.DECISIONS).tag("result", "rejected").counter().count())
        .isEqualTo(1);
    assertThat(registry.get(RateLimiterMetrics.REDIS_LATENCY).timer().count()).isEqualTo(3);
    assertThat(registry.get(RateLimiterMetrics.FALLBACK_ACTIVE).gauge().value()).isZero();
    assertThat(registry.getMeters())
        .allSatisfy(
            meter -> assertThat(meter.getId().getTags().toString()).doesNotContain("alice"));
  }

  @Test
  void localBatchingLeasesPermitsAndSpendsThemWithoutRoundTrips() {
    RedisRateLimiter limiter =
        RedisRateLimiter.create(
            connection,
            real("leased").limit(RateLimit.perMinute(60).withBurst(100)).localBatch(10).build());
    List<Decision.Source> sources = new ArrayList<>();
    for (int i = 0; i < 22; i++) {
      Decision decision = limiter.tryAcquire("hot");
      assertThat(decision.isAllowed()).isTrue();
      sources.add(decision.source());
    }
    // One round trip takes 1 + 10 permits; the next 10 are spent locally.
    assertThat(sources.subList(0, 11))
        .containsExactly(
            Decision.Source.REDIS,
            Decision.Source.LEASE,
            Decision.Source.LEASE,
            Decision.Source.LEASE,
            Decision.Source.LEASE,
            Decision.Source.LEASE,
            Decision.Source.LEASE,
            Decision.Source.LEASE,
            Decision.Source.LEASE,
            Decision.Source.LEASE,
            Decision.Source.LEASE);
    assertThat(limiter.scriptCalls()).isEqualTo(2);
  }

  @Test
  void concurrentCallersOnAHotKeysLeaseAdmitNearlyAllThatRedisGranted() throws Exception {
    int batch = 16;
    RateLimiterConfig config =
        real("hot-lease").limit(RateLimit.perSecond(1_000)).deadline(Duration.ofSeconds(5)).build();
    RedisRateLimiter plain = RedisRateLimiter.create(connection, config);
    RedisRateLimiter leasing =
        RedisRateLimiter.create(connection, config.newBuilder().localBatch(batch).build());
    String key = ns.prefix() + "hot-lease:default:{hot}";
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (RespClient redis = RespClient.connect(server, Duration.ofSeconds(5))) {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<long[]>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  start.await();
                  long end = System.nanoTime() + Duration.ofMillis(2_500).toNanos();
                  long admitted = 0;
                  long fallback = 0;
                  long leased = 0;
                  for (int i = 0; System.nanoTime() - end < 0; i++) {
                    Decision decision = call(leasing, Call.values()[i % 2], "hot", 1);
                    if (decision.isFallback()) {
                      fallback++;
                    } else if (decision.isAllowed()) {
                      admitted++;
                      leased += decision.source() == Decision.Source.LEASE ? 1 : 0;
                    }
                  }
                  return new long[] {admitted, fallback, leased};
                }));
      }
      assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
      long from = redisMicros(redis);
      // 200 permits taken at once put the key's timestamp (GCRA) 200 ms ahead of now; under this
      // load it never falls behind now again, so from here on it grows by exactly 1 ms for every
      // permit Redis grants: leased or not, spent or not.
      assertThat(plain.tryAcquire("hot", 200).isAllowed()).isTrue();
      long tatBefore = Long.parseLong(redis.callString("GET", key));
      start.countDown();
      long admitted = 0;
      long fallback = 0;
      long leased = 0;
      for (Future<long[]> result : results) {
        long[] counts = result.get(60, TimeUnit.SECONDS);
        admitted += counts[0];
        fallback += counts[1];
        leased += counts[2];
      }
      long to = redisMicros(redis);
      long grantedByRedis = (Long.parseLong(redis.callString("GET", key)) - tatBefore) / 1_000;
      double bound = 1_000 * (to - from) / 1e6 + 1_000;

      assertThat(fallback).isZero();
      // Concurrent misses each ask for n more and a reply that finds the lease stocked drops the
      // excess (see RedisRateLimiter's design notes): some of what Redis granted is lost (6-7 %
      // measured), never an eighth, and never more is admitted than it granted.
      assertThat(grantedByRedis)
          .as("granted by Redis, against %d admitted", admitted)
          .isLessThanOrEqualTo(admitted + admitted / 8 + batch)
          .isGreaterThanOrEqualTo(admitted - batch);
      assertThat(leased).as("admitted from the lease").isGreaterThan(10L * batch);
      assertThat(200 + admitted)
          .as("admitted, against a bound of %.0f", bound)
          .isLessThanOrEqualTo((long) bound + batch)
          .isGreaterThanOrEqualTo((long) (0.9 * bound) - batch);
    } finally {
      pool.shutdownNow();
    }
  }

  private static long redisMicros(RespClient redis) {
    List<Object> now = redis.callList("TIME");
    return Long.parseLong((String) now.get(0)) * 1_000_000 + Long.parseLong((String) now.get(1));
  }
}
