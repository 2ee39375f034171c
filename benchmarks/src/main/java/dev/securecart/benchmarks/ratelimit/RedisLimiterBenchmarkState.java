package dev.securecart.benchmarks.ratelimit;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the Redis limiter benchmarks share: the limiter under test on the same Redis ({@code
 * REDIS_URL}, default {@code redis://127.0.0.1:6379}), its keys under {@code scbench:}, deleted
 * afterwards, and every limit 1,000,000 per second, so the decisions measured are grants (the write
 * path).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public abstract class RedisLimiterBenchmarkState {

  /** One key for every caller, or one key each. */
  public enum KeyMode {
    HOT,
    PER_CALLER
  }

  @Param({"SECURECART", "SECURECART_BATCHING", "BUCKET4J", "BUCKET4J_BATCHING", "REDISSON"})
  RedisLimiterType limiterType;

  @Param({"HOT", "PER_CALLER"})
  KeyMode keyMode;

  String uri;
  String prefix;
  Limiter limiter;
  final AtomicInteger callers = new AtomicInteger();

  /** Decisions that failed instead of answering (an asynchronous one has no caller to throw to). */
  final LongAdder failures = new LongAdder();

  @Setup(Level.Trial)
  public void setUp() {
    String env = System.getenv("REDIS_URL");
    uri = env == null || env.isBlank() ? "redis://127.0.0.1:6379" : env;
    prefix =
        "scbench:" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL) + ":";
    limiter = limiterType.create(uri, prefix, 1_000_000);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    try {
      limiter.close();
    } finally {
      deleteKeys();
    }
    if (failures.sum() > 0) {
      throw new IllegalStateException(failures.sum() + " decisions failed: not measured");
    }
  }

  /** The key of the next caller: the hot key, or a key of its own. */
  String nextCallerKey() {
    return keyMode == KeyMode.HOT ? "hot" : "caller-" + callers.getAndIncrement();
  }

  private void deleteKeys() {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        KeyScanCursor<String> page =
            connection.sync().scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(1_000));
        if (!page.getKeys().isEmpty()) {
          connection.sync().del(page.getKeys().toArray(String[]::new));
        }
        cursor = page;
      } while (!cursor.isFinished());
    } finally {
      client.shutdown();
    }
  }
}
