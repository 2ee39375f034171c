package dev.securecart.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.core.redis.RedisConnection;
import dev.securecart.ratelimit.Algorithm;
import dev.securecart.ratelimit.Decision;
import dev.securecart.ratelimit.RateLimit;
import dev.securecart.ratelimit.RateLimiterConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hammers one key from 8 threads on two connections ("nodes", each with its own limiter) for a
 * while, and checks the count against the limit's bound over the interval that Redis itself
 * measured ({@code TIME} before the first and after the last decision): the count is a matter of
 * Redis time, not of how fast this machine runs.
 */
final class AccuracyRun {

  private static final Logger log = LoggerFactory.getLogger(AccuracyRun.class);

  private AccuracyRun() {}

  /**
   * @param nodes two connections
   * @param redisMicros reads Redis TIME in microseconds
   * @return the number of permits granted
   */
  static long run(
      List<RedisConnection<String, String>> nodes,
      LongSupplier redisMicros,
      String prefix,
      Algorithm algorithm,
      Duration length)
      throws Exception {
    RateLimit limit = RateLimit.perSecond(100).withBurst(10);
    RateLimiterConfig config =
        RateLimiterConfig.builder("accuracy-" + algorithm.name().toLowerCase(java.util.Locale.ROOT))
            .keyPrefix(prefix)
            .algorithm(algorithm)
            .limit(limit)
            .deadline(Duration.ofSeconds(5)) // counts, not latency: no decision may fall back
            .build();
    List<RedisRateLimiter> limiters = new ArrayList<>();
    for (RedisConnection<String, String> node : nodes) {
      limiters.add(RedisRateLimiter.create(node, config));
    }
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<long[]>> results = new ArrayList<>();
      long[] window = new long[2];
      for (int t = 0; t < threads; t++) {
        RedisRateLimiter limiter = limiters.get(t % limiters.size());
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  long end = System.nanoTime() + length.toNanos();
                  long allowed = 0;
                  long other = 0;
                  while (System.nanoTime() - end < 0) {
                    Decision decision = limiter.tryAcquire("hot");
                    if (decision.source() != Decision.Source.REDIS) {
                      other++;
                    } else if (decision.isAllowed()) {
                      allowed++;
                    }
                  }
                  return new long[] {allowed, other};
                }));
      }
      window[0] = redisMicros.getAsLong();
      start.countDown();
      long allowed = 0;
      long notFromRedis = 0;
      for (Future<long[]> result : results) {
        long[] counts = result.get(length.toSeconds() + 60, TimeUnit.SECONDS);
        allowed += counts[0];
        notFromRedis += counts[1];
      }
      window[1] = redisMicros.getAsLong();
      double seconds = (window[1] - window[0]) / 1e6;
      double bound = 100 * seconds + 10 + (algorithm == Algorithm.SLIDING_WINDOW ? 1 : 0);
      log.info(
          "accuracy {} over {} s of Redis time: {} allowed, bound {} ({}% of it)",
          algorithm,
          String.format(java.util.Locale.ROOT, "%.3f", seconds),
          allowed,
          String.format(java.util.Locale.ROOT, "%.1f", bound),
          String.format(java.util.Locale.ROOT, "%.2f", 100.0 * allowed / bound));
      assertThat(notFromRedis).as("decisions not made by Redis").isZero();
      assertThat((double) allowed).isLessThanOrEqualTo(Math.floor(bound));
      assertThat((double) allowed).isGreaterThanOrEqualTo(0.95 * bound);
      return allowed;
    } finally {
      pool.shutdownNow();
    }
  }
}
