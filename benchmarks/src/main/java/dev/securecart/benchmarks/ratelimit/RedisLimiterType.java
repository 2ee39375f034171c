package dev.securecart.benchmarks.ratelimit;

import dev.securecart.core.redis.RedisConnection;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import dev.securecart.ratelimit.Decision;
import dev.securecart.ratelimit.RateLimit;
import dev.securecart.ratelimit.RateLimiterConfig;
import dev.securecart.ratelimit.RateLimiterStats;
import dev.securecart.ratelimit.redis.RedisRateLimiter;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.proxy.RemoteAsyncBucketBuilder;
import io.github.bucket4j.distributed.proxy.RemoteBucketBuilder;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.redisson.Redisson;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/** The Redis-backed limiters, each on its own client to the same Redis. */
public enum RedisLimiterType {
  /** SecureCart's Redis limiter: one script per batch of concurrent decisions (exact). */
  SECURECART {
    @Override
    Limiter create(String uri, String prefix, long perSecond) {
      return secureCart(uri, prefix, perSecond, 0);
    }
  },
  /** The same with local batching: 16 permits leased per round trip (bounded over-admission). */
  SECURECART_BATCHING {
    @Override
    Limiter create(String uri, String prefix, long perSecond) {
      return secureCart(uri, prefix, perSecond, 16);
    }
  },
  /** Bucket4j's Lettuce proxy manager (compare-and-swap). */
  BUCKET4J {
    @Override
    Limiter create(String uri, String prefix, long perSecond) {
      return bucket4j(uri, prefix, perSecond, false);
    }
  },
  /** Bucket4j's Lettuce proxy manager with its {@code batching()} optimization. */
  BUCKET4J_BATCHING {
    @Override
    Limiter create(String uri, String prefix, long perSecond) {
      return bucket4j(uri, prefix, perSecond, true);
    }
  },
  /** Redisson's {@code RRateLimiter}. */
  REDISSON {
    @Override
    Limiter create(String uri, String prefix, long perSecond) {
      Config config = new Config();
      config.useSingleServer().setAddress(uri);
      RedissonClient redisson = Redisson.create(config);
      ConcurrentHashMap<String, RRateLimiter> limiters = new ConcurrentHashMap<>();
      return new Limiter() {
        private RRateLimiter limiter(String key) {
          return limiters.computeIfAbsent(
              key,
              k -> {
                RRateLimiter limiter = redisson.getRateLimiter(prefix + k);
                limiter.trySetRate(RateType.OVERALL, perSecond, Duration.ofSeconds(1));
                return limiter;
              });
        }

        @Override
        public boolean tryAcquire(String key) {
          return limiter(key).tryAcquire();
        }

        @Override
        public CompletableFuture<Boolean> tryAcquireAsync(String key) {
          return limiter(key).tryAcquireAsync().toCompletableFuture();
        }

        @Override
        public void close() {
          redisson.shutdown();
        }
      };
    }
  };

  abstract Limiter create(String uri, String prefix, long perSecond);

  private static Limiter secureCart(String uri, String prefix, long perSecond, int batch) {
    RedisConnector connector = RedisConnector.create(RedisSettings.of(uri));
    RedisConnection<String, String> connection = connector.connect();
    LongAdder fallbacks = new LongAdder();
    RedisRateLimiter limiter =
        RedisRateLimiter.create(
            connection,
            RateLimiterConfig.builder("bench")
                .keyPrefix(prefix)
                .limit(RateLimit.perSecond(perSecond))
                .localBatch(batch)
                // Throughput, not latency, is measured: a decision must come from Redis.
                .deadline(Duration.ofSeconds(2))
                .stats(
                    new RateLimiterStats() {
                      @Override
                      public void recordDecision(Decision.Source source, boolean allowed) {
                        if (source == Decision.Source.FALLBACK) {
                          fallbacks.increment();
                        }
                      }

                      @Override
                      public void recordRedisLatency(long nanos) {}

                      @Override
                      public void recordFallback(boolean active) {}
                    })
                .build());
    return new Limiter() {
      @Override
      public boolean tryAcquire(String key) {
        return limiter.tryConsume(key, 1);
      }

      @Override
      public CompletableFuture<Boolean> tryAcquireAsync(String key) {
        return limiter.tryAcquireAsync(key, 1).thenApply(Decision::isAllowed);
      }

      @Override
      public void close() {
        if (fallbacks.sum() > 0) {
          throw new IllegalStateException(fallbacks.sum() + " decisions fell back: not measured");
        }
        connection.close();
        connector.close();
      }
    };
  }

  private static Limiter bucket4j(String uri, String prefix, long perSecond, boolean batching) {
    RedisClient client = RedisClient.create(uri);
    StatefulRedisConnection<String, byte[]> connection =
        client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
    LettuceBasedProxyManager<String> manager = Bucket4jLettuce.casBasedBuilder(connection).build();
    BucketConfiguration configuration =
        BucketConfiguration.builder()
            .addLimit(
                limit -> limit.capacity(perSecond).refillGreedy(perSecond, Duration.ofSeconds(1)))
            .build();
    ConcurrentHashMap<String, BucketProxy> buckets = new ConcurrentHashMap<>();
    ConcurrentHashMap<String, AsyncBucketProxy> asyncBuckets = new ConcurrentHashMap<>();
    return new Limiter() {
      @Override
      public boolean tryAcquire(String key) {
        return buckets
            .computeIfAbsent(
                key,
                k -> {
                  RemoteBucketBuilder<String> builder = manager.builder();
                  if (batching) {
                    builder = builder.withOptimization(Optimizations.batching());
                  }
                  return builder.build(prefix + k, () -> configuration);
                })
            .tryConsume(1);
      }

      @Override
      public CompletableFuture<Boolean> tryAcquireAsync(String key) {
        return asyncBuckets
            .computeIfAbsent(
                key,
                k -> {
                  RemoteAsyncBucketBuilder<String> builder = manager.asAsync().builder();
                  if (batching) {
                    builder = builder.withOptimization(Optimizations.batching());
                  }
                  return builder.build(prefix + k, configuration);
                })
            .tryConsume(1);
      }

      @Override
      public void close() {
        connection.close();
        client.shutdown();
      }
    };
  }
}
