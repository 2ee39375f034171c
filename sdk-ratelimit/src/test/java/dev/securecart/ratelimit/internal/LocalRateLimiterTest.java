package dev.securecart.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.ratelimit.Algorithm;
import dev.securecart.ratelimit.Decision;
import dev.securecart.ratelimit.Keys;
import dev.securecart.ratelimit.RateLimit;
import dev.securecart.ratelimit.RateLimiter;
import dev.securecart.ratelimit.RateLimiterConfig;
import dev.securecart.ratelimit.RateLimiterContractTest;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

final class LocalRateLimiterTest extends RateLimiterContractTest {

  @Override
  protected RateLimiter limiter(RateLimiterConfig config) {
    return RateLimiter.local(config);
  }

  @Override
  protected Decision.Source expectedSource() {
    return Decision.Source.LOCAL;
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void racingThreadsNeverGetMoreThanTheBurstWhileTimeStandsStill(Algorithm algorithm)
      throws Exception {
    RateLimiter limiter = single(algorithm, RateLimit.perMinute(1_000));
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Long>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  long allowed = 0;
                  for (int i = 0; i < 20_000; i++) {
                    if (limiter.tryAcquire("hot").isAllowed()) {
                      allowed++;
                    }
                  }
                  return allowed;
                }));
      }
      start.countDown();
      long total = 0;
      for (Future<Long> result : results) {
        total += result.get(60, TimeUnit.SECONDS);
      }
      assertThat(total).isEqualTo(1_000);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void racingMultiLimitDecisionsConsumeEveryLimitExactlyOncePerGrant() throws Exception {
    RateLimiter limiter =
        limiter(
            config("race")
                .limit("user", RateLimit.perMinute(300))
                .limit("global", RateLimit.perMinute(1_000))
                .build());
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Long>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String user = "user-" + t;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  long allowed = 0;
                  for (int i = 0; i < 5_000; i++) {
                    if (limiter.tryAcquire(Keys.of("user", user, "global", "g")).isAllowed()) {
                      allowed++;
                    }
                  }
                  return allowed;
                }));
      }
      start.countDown();
      long total = 0;
      for (Future<Long> result : results) {
        long allowed = result.get(60, TimeUnit.SECONDS);
        assertThat(allowed).isLessThanOrEqualTo(300);
        total += allowed;
      }
      assertThat(total).isEqualTo(1_000);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void idleKeysAreForgottenAndMemoryStaysBounded() {
    LocalRateLimiter limiter =
        new LocalRateLimiter(
            config("bounded").limit(RateLimit.perSecond(10)).maximumKeys(1_000).build());
    for (int i = 0; i < 500; i++) {
      limiter.tryAcquire("k" + i);
    }
    assertThat(limiter.trackedKeys(0)).isEqualTo(500);

    clock.advance(Duration.ofSeconds(6)); // every key is back to a full burst, and a sweep is due
    limiter.tryAcquire("fresh");

    assertThat(limiter.trackedKeys(0)).isEqualTo(1);
    assertThat(limiter.evictions()).isZero();
  }

  @Test
  void aFullTableEvictsSomeKeysRatherThanGrowing() {
    LocalRateLimiter limiter =
        new LocalRateLimiter(
            config("full").limit(RateLimit.perMinute(10)).maximumKeys(1_000).build());
    for (int i = 0; i < 5_000; i++) {
      limiter.tryAcquire("k" + i);
      assertThat(limiter.trackedKeys(0)).isLessThanOrEqualTo(1_000);
    }
    assertThat(limiter.evictions()).isGreaterThan(3_000);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aFloodOfNewKeysCannotEvictTheKeysThatAreBeingHeldBack(Algorithm algorithm) {
    LocalRateLimiter limiter =
        new LocalRateLimiter(
            config("login")
                .algorithm(algorithm)
                .limit(RateLimit.perMinute(5))
                .maximumKeys(16)
                .build());
    List<String> guessed = guessedAccounts(limiter);

    // Then sprays other accounts, one attempt each, to push the guessed ones out of the table.
    for (int i = 0; i < 500; i++) {
      limiter.tryAcquire("spray-" + i);
      assertThat(limiter.trackedKeys(0)).isLessThanOrEqualTo(16);
    }

    assertThat(limiter.evictions()).isGreaterThan(400);
    for (String account : guessed) {
      assertThat(limiter.tryAcquire(account).isAllowed()).as(account).isFalse();
    }
  }

  @Test
  void aConcurrentFloodOfNewKeysCannotEvictTheKeysThatAreBeingHeldBackEither() throws Exception {
    LocalRateLimiter limiter =
        new LocalRateLimiter(
            config("login").limit(RateLimit.perMinute(5)).maximumKeys(1_000).build());
    List<String> guessed = guessedAccounts(limiter);
    int threads = 4;
    int rounds = 10;
    // The threads spray in rounds and the table is measured between them, when no insert or
    // eviction runs. ConcurrentHashMap.size() read while they run is no snapshot: it sums
    // per-thread counters one after another, and a reader descheduled halfway (2 busy cores)
    // counts evicted keys next to the keys added since, as many rounds of eviction as it slept
    // through. A table that grew without bound stays grown; that the others wait while one thread
    // makes room, whatever its speed, KeyTableTest shows by stopping that thread.
    Phaser pause = new Phaser(threads + 1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> sprays = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        sprays.add(
            pool.submit(
                () -> {
                  try {
                    for (int round = 0; round < rounds; round++) {
                      for (int i = 0; i < 500; i++) {
                        limiter.tryAcquire("spray-" + thread + "-" + round + "-" + i);
                      }
                      pause.arriveAndAwaitAdvance(); // the round is over
                      pause.arriveAndAwaitAdvance(); // the table was measured
                    }
                  } finally {
                    pause.arriveAndDeregister();
                  }
                  return null;
                }));
      }
      int largest = 0;
      for (int round = 0; round < rounds; round++) {
        awaitRound(pause);
        largest = Math.max(largest, limiter.trackedKeys(0));
        awaitRound(pause);
      }
      for (Future<?> spray : sprays) {
        spray.get(30, TimeUnit.SECONDS);
      }
      // While one thread makes room, the others may add an eighth more, and one key each.
      assertThat(largest).isLessThanOrEqualTo(1_000 + 1_000 / 8 + threads);
    } finally {
      pool.shutdownNow();
    }

    assertThat(limiter.evictions()).isGreaterThan(15_000);
    for (String account : guessed) {
      assertThat(limiter.tryAcquire(account).isAllowed()).as(account).isFalse();
    }
  }

  private static void awaitRound(Phaser pause) throws Exception {
    pause.awaitAdvanceInterruptibly(pause.arrive(), 30, TimeUnit.SECONDS);
  }

  /** Seven accounts whose burst a password guesser has used up. */
  private static List<String> guessedAccounts(RateLimiter limiter) {
    List<String> guessed = List.of("alice", "bob", "carol", "dave", "erin", "frank", "grace");
    for (String account : guessed) {
      while (limiter.tryAcquire(account).isAllowed()) {
        // one more guess
      }
    }
    return guessed;
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void tryConsumeOnAKnownKeyAllocatesNothingAndTryAcquireOnlyItsDecision(Algorithm algorithm) {
    RateLimiter limiter =
        RateLimiter.local(
            RateLimiterConfig.builder("alloc")
                .algorithm(algorithm)
                .limit(RateLimit.perSecond(1_000_000).withBurst(1_000))
                .build());
    // 100,000 decisions per round; warm up until the JIT has compiled the path, and keep the best
    // of several rounds (the machine is noisy, and the first rounds run interpreted).
    long consume = bestAllocation(() -> consumeMany(limiter, "known"));
    long acquire = bestAllocation(() -> acquireMany(limiter, "known"));

    assertThat(consume).as("bytes allocated by 100,000 tryConsume calls").isLessThan(10_000);
    // A Decision is 56 bytes with compressed references: nothing else may be allocated.
    assertThat(acquire).as("bytes allocated by 100,000 tryAcquire calls").isLessThan(6_500_000);
  }

  private static long bestAllocation(java.util.function.LongSupplier work) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long best = Long.MAX_VALUE;
    long sink = 0;
    for (int round = 0; round < 40; round++) {
      long before = threads.getCurrentThreadAllocatedBytes();
      sink += work.getAsLong();
      best = Math.min(best, threads.getCurrentThreadAllocatedBytes() - before);
    }
    assertThat(sink).isPositive();
    return best;
  }

  private static long consumeMany(RateLimiter limiter, String key) {
    long allowed = 0;
    for (int i = 0; i < 100_000; i++) {
      if (limiter.tryConsume(key, 1)) {
        allowed++;
      }
    }
    return allowed;
  }

  private static long acquireMany(RateLimiter limiter, String key) {
    long allowed = 0;
    for (int i = 0; i < 100_000; i++) {
      if (limiter.tryAcquire(key, 1).isAllowed()) {
        allowed++;
      }
    }
    return allowed;
  }
}
