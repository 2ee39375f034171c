package dev.securecart.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.redis.RedisConnection;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.BlockedJdkDelayThread;
import dev.securecart.core.testing.FaultProxy;
import dev.securecart.core.testing.RedisExtension;
import dev.securecart.core.testing.RedisNamespace;
import dev.securecart.core.testing.RedisTestServer;
import dev.securecart.ratelimit.Decision;
import dev.securecart.ratelimit.FailMode;
import dev.securecart.ratelimit.RateLimit;
import dev.securecart.ratelimit.RateLimiterConfig;
import dev.securecart.ratelimit.RateLimiterStats;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Redis frozen, black-holed or cut through a fault proxy: decisions keep their deadline. */
@ExtendWith(RedisExtension.class)
final class RedisRateLimiterFaultTest {

  private static final Duration DEADLINE = Duration.ofMillis(10);

  private FaultProxy proxy;
  private RedisConnector connector;
  private RedisConnection<String, String> connection;
  private RedisNamespace ns;

  /** Records the fallback transitions (the same code path logs them). */
  private static final class RecordingStats implements RateLimiterStats {
    final List<Boolean> transitions = new CopyOnWriteArrayList<>();
    final AtomicLong fallbackDecisions = new AtomicLong();

    @Override
    public void recordDecision(Decision.Source source, boolean allowed) {
      if (source == Decision.Source.FALLBACK) {
        fallbackDecisions.incrementAndGet();
      }
    }

    @Override
    public void recordRedisLatency(long nanos) {}

    @Override
    public void recordFallback(boolean active) {
      transitions.add(active);
    }
  }

  /** How Redis goes away. */
  enum Fault {
    /** Every byte is delayed by 3 s: a server that stops answering for a while, then catches up. */
    FROZEN,
    /** Bytes vanish, connections stay open; it ends with the connections reset, as TCP would. */
    BLACK_HOLE,
    /** Open connections are reset and new ones refused. */
    CUT
  }

  @BeforeEach
  void connect(RedisTestServer server, RedisNamespace ns) {
    this.ns = ns;
    proxy = FaultProxy.startFor(server);
    connector =
        RedisConnector.create(
            RedisSettings.builder(proxy.proxied(server).uri())
                .commandTimeout(Duration.ofSeconds(2))
                .connectTimeout(Duration.ofMillis(500))
                .build());
    connection = connector.connect();
  }

  @AfterEach
  void disconnect() {
    connection.close();
    connector.close();
    proxy.close();
  }

  private RateLimiterConfig.Builder config(String name) {
    return RateLimiterConfig.builder(name)
        .keyPrefix(ns.prefix())
        .deadline(DEADLINE)
        .recoveryCheckInterval(Duration.ofMillis(100));
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void everyDecisionKeepsItsDeadlineFallsBackAndTheLimiterReturnsToRedis(Fault fault)
      throws Exception {
    RecordingStats stats = new RecordingStats();
    RedisRateLimiter limiter =
        onRedis(config("faulty").limit(RateLimit.perSecond(100_000)).stats(stats).build());

    switch (fault) {
      case FROZEN -> proxy.latency(Duration.ofSeconds(3));
      case BLACK_HOLE -> proxy.blackHole(true);
      case CUT -> {
        proxy.refuseConnections(true);
        proxy.resetConnections();
      }
    }
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    List<Decision.Source> sources = Collections.synchronizedList(new ArrayList<>());
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String key = "key-" + t;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < 500; i++) {
                    long begun = System.nanoTime();
                    Decision decision =
                        i % 2 == 0
                            ? limiter.tryAcquire(key)
                            : limiter.tryAcquireAsync(key, 1).get(10, TimeUnit.SECONDS);
                    latencies.add(System.nanoTime() - begun);
                    sources.add(decision.source());
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> future : done) {
        future.get(60, TimeUnit.SECONDS); // no exception reaches a caller
      }
    } finally {
      pool.shutdownNow();
    }

    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    long p99 = sorted.get((int) (sorted.size() * 0.99) - 1);
    long max = sorted.get(sorted.size() - 1);
    // p99 within deadline + 5 ms; the maximum under a hard cap far below the 2 s command timeout
    // (a 2-core machine shared with other builds can stall any thread for a while).
    assertThat(Duration.ofNanos(p99)).isLessThanOrEqualTo(DEADLINE.plusMillis(5));
    assertThat(Duration.ofNanos(max)).isLessThan(Duration.ofMillis(500));
    assertThat(sources.stream().filter(s -> s == Decision.Source.FALLBACK).count())
        .isGreaterThan(1_900);
    assertThat(limiter.isFallingBack()).isTrue();

    proxy.heal();
    if (fault == Fault.BLACK_HOLE) {
      proxy.resetConnections();
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> limiter.tryAcquire("after").source() == Decision.Source.REDIS);
    assertThat(limiter.isFallingBack()).isFalse();
    assertThat(stats.transitions).startsWith(true, false);
    assertThat(stats.fallbackDecisions.get()).isGreaterThan(1_900);
  }

  @Test
  void aStallThatLeavesConcurrentDecisionsLateFallsBackForThemOnlyButASilentRedisSwitches()
      throws Exception {
    RecordingStats stats = new RecordingStats();
    RedisRateLimiter limiter =
        onRedis(config("late").limit(RateLimit.perSecond(100_000)).stats(stats).build());

    // A stall of this JVM or one slow command looks the same from here: answers too late, for
    // every decision in flight at once.
    proxy.latency(DEADLINE.multipliedBy(5));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      // Started together once every thread exists: decisions begun over more than 3 deadlines
      // (threads created one by one on a busy machine) would be a spell of silence, not a stall.
      CountDownLatch ready = new CountDownLatch(8);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Decision>> decisions = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String key = "k" + i;
        decisions.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  start.await();
                  return limiter.tryAcquire(key);
                }));
      }
      assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
      start.countDown();
      for (Future<Decision> decision : decisions) {
        assertThat(decision.get(10, TimeUnit.SECONDS).source()).isEqualTo(Decision.Source.FALLBACK);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(limiter.isFallingBack()).as("one stall is not an outage").isFalse();
    assertThat(stats.transitions).isEmpty();

    // Redis silent for several deadlines is: the limiter stops asking it until a check finds it
    // answering in time again (decisions keep coming, as traffic does in an outage).
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              limiter.tryAcquire("k");
              return limiter.isFallingBack();
            });

    proxy.latency(Duration.ZERO);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> limiter.tryAcquire("k").source() == Decision.Source.REDIS);
    assertThat(stats.transitions).containsExactly(true, false);
  }

  @Test
  void aLateDecisionAfterAQuietSpellIsNotTakenForAnOutage() {
    RecordingStats stats = new RecordingStats();
    RedisRateLimiter limiter =
        onRedis(config("quiet").limit(RateLimit.perSecond(100_000)).stats(stats).build());
    proxy.latency(DEADLINE.multipliedBy(5));
    assertThat(limiter.tryAcquire("k").source()).isEqualTo(Decision.Source.FALLBACK);

    // No traffic for longer than a recovery interval (100 ms here): that spell of lateness ended.
    long quietUntil = System.nanoTime() + Duration.ofMillis(200).toNanos();
    await().until(() -> System.nanoTime() - quietUntil >= 0);

    assertThat(limiter.tryAcquire("k").source()).isEqualTo(Decision.Source.FALLBACK);
    assertThat(limiter.isFallingBack()).as("one late decision after a quiet spell").isFalse();
    assertThat(stats.transitions).isEmpty();
  }

  @Test
  void failingClosedRejectsEveryRequestWhileRedisIsDown() {
    RedisRateLimiter limiter =
        onRedis(config("closed").limit(RateLimit.perMinute(100)).failMode(FailMode.CLOSED).build());
    cut();
    for (int i = 0; i < 20; i++) {
      Decision decision = limiter.tryAcquire("user");
      assertThat(decision.isAllowed()).isFalse();
      assertThat(decision.isFallback()).isTrue();
      assertThat(decision.retryAfter()).isPositive();
    }
  }

  @Test
  void failingOpenAdmitsEveryRequestWhileRedisIsDown() {
    RedisRateLimiter limiter =
        RedisRateLimiter.create(
            connection,
            config("open").limit(RateLimit.perMinute(1)).failMode(FailMode.OPEN).build());
    cut();
    for (int i = 0; i < 20; i++) {
      Decision decision = limiter.tryAcquire("user");
      assertThat(decision.isAllowed()).isTrue();
      assertThat(decision.isFallback()).isTrue();
    }
  }

  @Test
  void theLocalFallbackEnforcesThisNodesShareOfTheLimit() {
    RedisRateLimiter limiter =
        RedisRateLimiter.create(
            connection, config("share").limit(RateLimit.perMinute(10)).expectedNodes(2).build());
    cut();
    int allowed = 0;
    Decision last = null;
    for (int i = 0; i < 20; i++) {
      last = limiter.tryAcquire("user");
      assertThat(last.isFallback()).isTrue();
      allowed += last.isAllowed() ? 1 : 0;
    }
    assertThat(allowed).isEqualTo(5); // half the burst of 10 on each of 2 nodes
    assertThat(last.headers()).containsEntry("RateLimit-Policy", "\"default\";q=10;w=60");
  }

  @Test
  void anInterruptedCallerFallsBackAtOnceKeepsItsInterruptAndDoesNotMarkRedisDown()
      throws Exception {
    RedisRateLimiter limiter =
        RedisRateLimiter.create(
            connection,
            config("interrupted")
                .limit(RateLimit.perSecond(1_000))
                .deadline(Duration.ofSeconds(20))
                .build());
    proxy.latency(Duration.ofSeconds(30)); // the answer cannot come before the interrupt

    ExecutorService caller = Executors.newSingleThreadExecutor();
    try {
      CountDownLatch started = new CountDownLatch(1);
      Thread[] thread = new Thread[1];
      Future<Object[]> call =
          caller.submit(
              () -> {
                thread[0] = Thread.currentThread();
                started.countDown();
                Decision decision = limiter.tryAcquire("user");
                return new Object[] {decision, Thread.currentThread().isInterrupted()};
              });
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> thread[0].getState() == Thread.State.TIMED_WAITING);
      thread[0].interrupt();

      Object[] outcome = call.get(10, TimeUnit.SECONDS); // far inside the 20 s deadline
      assertThat(((Decision) outcome[0]).source()).isEqualTo(Decision.Source.FALLBACK);
      assertThat((Boolean) outcome[1]).as("interrupt status kept").isTrue();
      assertThat(limiter.isFallingBack()).as("an interrupt says nothing about Redis").isFalse();
    } finally {
      caller.shutdownNow();
      proxy.heal();
    }
  }

  @Test
  void aBlockingDecisionInAnAsyncCallbackDoesNotWaitOnTheThreadThatReadsItsAnswer()
      throws Exception {
    RecordingStats stats = new RecordingStats();
    RedisRateLimiter limiter =
        onRedis(
            config("callback")
                .limit(RateLimit.perSecond(1_000))
                .deadline(Duration.ofSeconds(5))
                .stats(stats)
                .build());
    // The outer answer takes 200 ms, so the callback is registered before it and runs on the
    // thread that reads it.
    proxy.latency(Duration.ofMillis(200));
    try {
      Thread caller = Thread.currentThread();
      Object[] inner =
          limiter
              .tryAcquireAsync("outer", 1)
              .thenApply(
                  outer -> {
                    long started = System.nanoTime();
                    Decision decision = limiter.tryAcquire("inner");
                    return new Object[] {
                      decision, System.nanoTime() - started, Thread.currentThread() != caller
                    };
                  })
              .get(20, TimeUnit.SECONDS);
      assertThat((Boolean) inner[2]).as("the callback ran on the reply thread").isTrue();
      assertThat(((Decision) inner[0]).source()).isEqualTo(Decision.Source.FALLBACK);
      assertThat((Long) inner[1])
          .as("it did not wait for an answer it was holding up")
          .isLessThan(TimeUnit.SECONDS.toNanos(1));
      assertThat(stats.transitions).as("Redis answered: it is not marked down").isEmpty();
      assertThat(limiter.isFallingBack()).isFalse();
    } finally {
      proxy.heal();
    }
    assertThat(limiter.tryAcquire("after").source()).isEqualTo(Decision.Source.REDIS);
  }

  @Test
  void anAsyncDecisionThatMissesItsDeadlineCompletesOffTheJdkTimerThread() throws Exception {
    RecordingStats stats = new RecordingStats();
    RedisRateLimiter limiter =
        onRedis(config("late-async").limit(RateLimit.perSecond(1_000)).stats(stats).build());
    proxy.latency(Duration.ofSeconds(2));
    try {
      // Registered before the deadline passes, so the callback runs where the answer completes.
      CompletableFuture<Object[]> answered =
          limiter
              .tryAcquireAsync("late", 1)
              .thenApply(d -> new Object[] {d, Thread.currentThread().getName()});
      Object[] result = answered.get(20, TimeUnit.SECONDS);
      assertThat(((Decision) result[0]).source()).isEqualTo(Decision.Source.FALLBACK);
      assertThat((String) result[1])
          .as("the deadline's thread is shared by every deadline of the SDK")
          .doesNotContain("CompletableFutureDelayScheduler")
          .doesNotStartWith("securecart-deadline-timer");
    } finally {
      proxy.heal();
    }
  }

  /**
   * The deadline is the SDK's own: application code that blocks the JDK's one delay thread (which
   * every {@code orTimeout} in the JVM shares) does not hold a decision until Redis answers.
   */
  @Test
  void aDecisionKeepsItsDeadlineWhileTheJdksDelayThreadIsBlocked(RedisTestServer server)
      throws Exception {
    // A command timeout far beyond the hold, so that only the limiter's deadline can answer soon.
    try (RedisConnector patient =
            RedisConnector.create(
                RedisSettings.builder(proxy.proxied(server).uri())
                    .commandTimeout(Duration.ofSeconds(60))
                    .build());
        RedisConnection patientConnection = patient.connect()) {
      RedisRateLimiter limiter =
          RedisRateLimiter.create(
              patientConnection,
              config("delay-blocked").limit(RateLimit.perSecond(100_000)).build());
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> limiter.tryAcquire("warm").source() == Decision.Source.REDIS);
      proxy.latency(Duration.ofSeconds(60));
      try (BlockedJdkDelayThread blocked = BlockedJdkDelayThread.block()) {
        CompletableFuture<Decision> decision = limiter.tryAcquireAsync("k", 1);
        assertThat(decision.get(10, TimeUnit.SECONDS).source())
            .as("answered at its 10 ms deadline, while the JDK's delay thread is held for 30 s")
            .isEqualTo(Decision.Source.FALLBACK);
      } finally {
        proxy.heal();
      }
    }
  }

  @Test
  void lateAsyncDecisionsCompleteOnABoundedNumberOfThreads() throws Exception {
    RedisRateLimiter limiter =
        onRedis(
            config("late-many")
                .limit(RateLimit.perSecond(100_000))
                .deadline(Duration.ofMillis(500))
                .build());
    proxy.latency(Duration.ofSeconds(3));
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try {
      long startedBefore = threads.getTotalStartedThreadCount();
      Set<Thread> completing = ConcurrentHashMap.newKeySet();
      List<CompletableFuture<Decision>> decisions = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        decisions.add(
            limiter
                .tryAcquireAsync("k" + i, 1)
                .whenComplete((decision, error) -> completing.add(Thread.currentThread())));
      }
      for (CompletableFuture<Decision> decision : decisions) {
        assertThat(decision.get(20, TimeUnit.SECONDS).source()).isEqualTo(Decision.Source.FALLBACK);
      }
      // CompletableFuture's default async executor starts a thread per task where the common
      // pool has a single worker (up to 2 cores): 200 threads here.
      assertThat(threads.getTotalStartedThreadCount() - startedBefore)
          .as("threads started for 200 late decisions")
          .isLessThan(10);
      assertThat(completing).as("threads the late answers completed on").hasSizeLessThan(3);
    } finally {
      proxy.heal();
    }
  }

  /** A limiter on the proxied connection, once its decisions come from Redis. */
  private RedisRateLimiter onRedis(RateLimiterConfig config) {
    RedisRateLimiter limiter = RedisRateLimiter.create(connection, config);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> limiter.tryAcquire("warm").source() == Decision.Source.REDIS);
    return limiter;
  }

  private void cut() {
    proxy.refuseConnections(true);
    proxy.resetConnections();
  }
}
