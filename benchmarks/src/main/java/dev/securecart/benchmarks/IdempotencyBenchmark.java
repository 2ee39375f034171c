package dev.securecart.benchmarks;

import dev.securecart.core.idempotency.BeginResult;
import dev.securecart.core.idempotency.IdempotencyKey;
import dev.securecart.core.idempotency.IdempotencyStore;
import dev.securecart.core.idempotency.RequestFingerprint;
import dev.securecart.core.idempotency.StoredResponse;
import dev.securecart.core.idempotency.redis.RedisIdempotencyStore;
import dev.securecart.core.redis.RedisConnection;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one idempotent request on {@link RedisIdempotencyStore}: {@code begin} on a new key,
 * then {@code complete} with a 200-byte response, from 1 and from 16 concurrent callers sharing one
 * connection (as the threads of one service node do). Each operation is two script round trips.
 *
 * <p>The peer in the same run is the floor for two round trips that claim and fill a key without
 * scripts: {@code SET key NX PX} then {@code SET key XX PX} with the same bytes. The ratio of the
 * two is what the Lua scripts (one hash, fingerprint and owner checks, time) cost.
 *
 * <p>Needs a Redis: {@code REDIS_URL}, else {@code redis://127.0.0.1:6379}. Keys live under {@code
 * scbench:idempotency:<pid>:} and are deleted after every iteration.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar IdempotencyBenchmark -f 1 -wi 3 -i 5</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class IdempotencyBenchmark {

  private static final RequestFingerprint FINGERPRINT =
      RequestFingerprint.sha256("POST /checkout".getBytes(StandardCharsets.UTF_8));
  private static final byte[] BODY = new byte[200];
  private static final StoredResponse RESPONSE =
      StoredResponse.of(201, BODY, Map.of("Content-Type", "application/json"));

  private final AtomicLong sequence = new AtomicLong();
  private RedisConnector connector;
  private RedisConnection<byte[], byte[]> connection;
  private IdempotencyStore store;
  private String prefix;

  @Setup(Level.Trial)
  public void connect() {
    String uri = System.getenv().getOrDefault("REDIS_URL", "redis://127.0.0.1:6379");
    connector = RedisConnector.create(RedisSettings.builder(uri).clientName("scbench").build());
    connection = connector.connect(ByteArrayCodec.INSTANCE);
    prefix = "scbench:idempotency:" + ProcessHandle.current().pid() + ":";
    store =
        RedisIdempotencyStore.builder(connection)
            .keyPrefix(prefix)
            .retention(Duration.ofMinutes(10))
            .build();
  }

  @TearDown(Level.Iteration)
  public void deleteKeys() {
    ScanArgs matching =
        ScanArgs.Builder.matches((prefix + "*").getBytes(StandardCharsets.UTF_8)).limit(1000);
    KeyScanCursor<byte[]> page = connection.sync().scan(matching);
    while (true) {
      if (!page.getKeys().isEmpty()) {
        connection.sync().unlink(page.getKeys().toArray(new byte[0][]));
      }
      if (page.isFinished()) {
        return;
      }
      page = connection.sync().scan(ScanCursor.of(page.getCursor()), matching);
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    deleteKeys();
    connection.close();
    connector.close();
  }

  @Benchmark
  @Threads(1)
  public boolean beginComplete_1caller() {
    return beginAndComplete();
  }

  @Benchmark
  @Threads(16)
  public boolean beginComplete_16callers() {
    return beginAndComplete();
  }

  @Benchmark
  @Threads(1)
  public boolean plainSetNxSet_1caller() {
    return plainSetNxThenSet();
  }

  @Benchmark
  @Threads(16)
  public boolean plainSetNxSet_16callers() {
    return plainSetNxThenSet();
  }

  private boolean beginAndComplete() {
    IdempotencyKey key = IdempotencyKey.of("order-" + sequence.incrementAndGet());
    BeginResult result = store.begin(key, FINGERPRINT);
    if (!(result instanceof BeginResult.Started started)) {
      throw new IllegalStateException("a new key did not start: " + result);
    }
    return store.complete(key, started.token(), RESPONSE);
  }

  private boolean plainSetNxThenSet() {
    byte[] key =
        (prefix + "plain:{order-" + sequence.incrementAndGet() + "}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] claim = Arrays.copyOf(FINGERPRINT.bytes(), 48);
    String claimed = connection.sync().set(key, claim, SetArgs.Builder.nx().px(30_000));
    if (!"OK".equals(claimed)) {
      throw new IllegalStateException("a new key was not claimed");
    }
    return "OK".equals(connection.sync().set(key, BODY, SetArgs.Builder.xx().px(600_000)));
  }
}
