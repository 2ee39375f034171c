package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.cache.internal.LayeredCacheImpl;
import dev.securecart.cache.redis.RedisCacheStore;
import dev.securecart.cache.redis.RedisInvalidationBus;
import dev.securecart.core.redis.RedisConnector;
import dev.securecart.core.redis.RedisSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proofs with three "nodes": three {@link LayeredCache}s in this JVM, each with its own {@link
 * RedisConnector}, store and bus, sharing one Redis (standalone or Cluster, per subclass).
 */
abstract class ThreeNodeProofs {

  private static final Logger logger = LoggerFactory.getLogger(ThreeNodeProofs.class);

  static final CachePolicy POLICY =
      CachePolicy.builder()
          .freshFor(Duration.ofSeconds(60))
          .staleWhileRevalidate(Duration.ofMinutes(10))
          .staleIfError(Duration.ofHours(1))
          .originTimeout(Duration.ofSeconds(30))
          .build();

  /**
   * One cycle of the warm-up: this many invalidations back to back, then a tenth as many at the
   * pace of the second timed round, so that both rounds' code paths are compiled before either is
   * timed.
   */
  private static final int WARM_UP_CYCLE = 1000;

  /**
   * The fewest cycles: C2 compiles a method after about 15,000 calls, and much of the path runs
   * once per invalidation.
   */
  private static final int WARM_UP_MIN_CYCLES = 20;

  /**
   * The warm-up then ends after three cycles in a row in which the JIT compiled for at most this
   * long each (about 1 % of a cycle's half second); a JVM's compilers never go wholly quiet, and
   * one long compile adds to the JIT's time only when it ends...
   */
  private static final Duration JIT_SETTLED = Duration.ofMillis(5);

  /** ...or after this long at most, and the report then says how long the JIT ran meanwhile. */
  private static final Duration WARM_UP_LIMIT = Duration.ofSeconds(45);

  /** The pace of the second timed round: 500 invalidations per second. */
  private static final long PACED_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  final TestOrigin origin = new TestOrigin();
  final ExecutorService executor =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "three-node-test");
            t.setDaemon(true);
            return t;
          });
  final List<Node> nodes = new ArrayList<>();
  final String nodeTag = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);

  /** Settings for one node's connector: what it connects to, with a client name. */
  abstract RedisSettings.Builder settings(int node);

  /** The key prefix every node uses (cleaned up by the subclass). */
  abstract String prefix();

  /** The invalidation channel every node uses. */
  String channel() {
    return prefix() + "invalidations";
  }

  /** One node: its own connector, store, bus and cache. */
  final class Node implements AutoCloseable {
    final String name;
    final RedisConnector connector;
    final RedisCacheStore store;
    final RedisInvalidationBus bus;
    final RecordingStats stats = new RecordingStats();
    final LayeredCache<String, String> cache;

    Node(int index, boolean lease) {
      this.name = "sc-node" + index + "-" + nodeTag;
      this.connector =
          RedisConnector.create(
              settings(index)
                  .clientName(name)
                  .commandTimeout(Duration.ofMillis(500))
                  .connectTimeout(Duration.ofMillis(500))
                  .build());
      this.store = RedisCacheStore.builder(connector).keyPrefix(prefix()).build();
      this.bus = RedisInvalidationBus.create(connector, channel());
      LayeredCache.Builder<String, String> builder =
          LayeredCache.<String, String>builder("products", POLICY)
              .loader(origin)
              .sharedStore(store, Codec.utf8())
              .invalidationBus(bus)
              .executor(executor)
              .l2RetryInterval(Duration.ofMillis(100))
              .statsCounter(cacheName -> stats);
      if (lease) {
        builder.distributedLease(Duration.ofSeconds(30));
      }
      this.cache = builder.build();
    }

    @Override
    public void close() {
      cache.close();
      bus.close();
      store.close();
      connector.close();
    }
  }

  List<Node> startNodes(boolean lease) {
    for (int i = 0; i < 3; i++) {
      nodes.add(new Node(i, lease));
    }
    return nodes;
  }

  @AfterEach
  void stopNodes() {
    origin.open();
    nodes.forEach(Node::close);
    executor.shutdownNow();
  }

  long total(String stat) {
    return nodes.stream().mapToLong(n -> n.stats.count(stat)).sum();
  }

  @Test
  void aHundredReadersPerNodeOfAColdKeyCallTheOriginOnceAcrossThreeNodesWithTheLease()
      throws Exception {
    startNodes(true);
    origin.hold();
    // One thread per reader: 300 readers blocked at once, 100 on each node.
    ExecutorService readers = Executors.newFixedThreadPool(300);
    try {
      List<Future<String>> reads = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        for (Node node : nodes) {
          reads.add(readers.submit(() -> node.cache.get("cold")));
        }
      }
      origin.awaitEntered();
      // The two nodes without the lease wait for the leaseholder's result in L2.
      await().atMost(Duration.ofSeconds(30)).until(() -> total("lease.denied") == 2);
      origin.open();
      for (Future<String> read : reads) {
        assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo("cold:v1");
      }
    } finally {
      readers.shutdownNow();
    }

    assertThat(origin.calls("cold")).isEqualTo(1);
    // A waiting node that looked in L2 just before the holder's write, and asks again just after
    // the holder's release, is granted the lease and then finds the value in L2: more than one
    // grant is allowed (a busy machine makes it likely), more than one origin call is not.
    assertThat(total("lease.acquired")).isBetween(1L, 3L);
  }

  @Test
  void aLoadOnOneNodeIsServedToTheOthersFromL2() {
    startNodes(false);
    assertThat(nodes.get(0).cache.get("p1")).isEqualTo("p1:v1");

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> nodes.get(1).cache.lookup("p1").status() == CacheStatus.FRESH);
    assertThat(nodes.get(2).cache.get("p1")).isEqualTo("p1:v1");
    assertThat(origin.calls("p1")).isEqualTo(1);
  }

  @Test
  void readersOfAnL2HitGetTheirValueOffTheRedisClientsThreadsSoTheirCallbacksMayUseTheCache()
      throws Exception {
    startNodes(false);
    nodes.get(0).cache.get("p1");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> nodes.get(0).store.read("products", "p1").get().entry().isPresent());
    LayeredCache<String, String> reader = nodes.get(1).cache;

    // A callback that calls the cache: on a Redis I/O thread, invalidate() would wait for a reply
    // only that thread can read, time out, and mark L2 down.
    CompletableFuture<String> thread =
        reader
            .getAsync("p1")
            .thenApply(
                value -> {
                  reader.invalidate("p1");
                  return Thread.currentThread().getName();
                });

    assertThat(thread)
        .succeedsWithin(Duration.ofSeconds(10))
        .asString()
        .doesNotStartWith("lettuce-");
    assertThat(origin.calls("p1")).as("the read was an L2 hit").isEqualTo(1);
    assertThat(nodes.get(1).stats.count("get.L2.HIT")).isEqualTo(1);
  }

  @Test
  void aThousandTagInvalidationsFromOneNodeReachTheOtherTwo() throws Exception {
    startNodes(false);
    List<Map<String, Long>> receivedAt =
        List.of(new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
    for (int i = 1; i <= 2; i++) {
      Map<String, Long> received = receivedAt.get(i - 1);
      nodes
          .get(i)
          .bus
          .subscribe(
              invalidation -> received.putIfAbsent(invalidation.target(), System.nanoTime()));
    }
    origin.tag("p1", "tag-999");
    nodes.get(1).cache.get("p1");
    nodes.get(2).cache.get("p1");

    LayeredCache<String, String> publisher = nodes.get(0).cache;
    long warmUp = warmUp(publisher);
    awaitTagsReceived(warmUp, 0, 0);
    receivedAt.forEach(Map::clear);

    // The three timed rounds run one after the other, and are reported and checked only after the
    // last: reporting loads classes, and C2's compile of the class loader that followed (0.4 s of a
    // core, seen with -XX:+LogCompilation) ran through the next round.
    JvmActivity before = JvmActivity.now();
    Map<String, Long> sentAt = invalidateTags(publisher, "tag-", 0, 1000);
    awaitTagsReceived(warmUp, 1, 1000);
    JvmActivity meanwhile = JvmActivity.now().minus(before);

    // The same at a steady 500 per second. Back to back, the publisher, three Lettuce I/O threads
    // and Redis keep both cores of a small machine busy, so there the p99 also measures the
    // scheduler's queue; paced, each invalidation meets a machine with cores to spare.
    JvmActivity pacedBefore = JvmActivity.now();
    Map<String, Long> pacedSentAt = invalidateTags(publisher, "paced-", PACED_INTERVAL_NANOS, 1000);
    awaitTagsReceived(warmUp, 2, 1000);
    JvmActivity pacedMeanwhile = JvmActivity.now().minus(pacedBefore);

    // The bus alone: PUBLISH to delivery, without the L2 tag bump before it.
    Map<String, Long> busSentAt = new ConcurrentHashMap<>();
    JvmActivity busBefore = JvmActivity.now();
    for (int i = 0; i < 1000; i++) {
      String tag = "bus-" + i;
      busSentAt.put(tag, System.nanoTime());
      nodes
          .get(0)
          .bus
          .publish(
              new Invalidation("bus-only", "test", CacheStatsCounter.InvalidationKind.TAG, tag))
          .get(5, TimeUnit.SECONDS);
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                receivedAt.stream()
                    .allMatch(received -> received.keySet().containsAll(busSentAt.keySet())));
    JvmActivity busMeanwhile = JvmActivity.now().minus(busBefore);

    assertThat(nodes.get(0).stats.count("sent.TAG")).isEqualTo(warmUp + 2000);
    double p99 =
        report(
            "invalidateTag() call (L2 tag bump + PUBLISH) to delivery, back to back",
            sentAt,
            receivedAt,
            meanwhile);
    assertThat(p99).as("a very loose sanity bound").isLessThan(2000.0);
    double pacedP99 =
        report(
            "invalidateTag() call (L2 tag bump + PUBLISH) to delivery, one every 2 ms",
            pacedSentAt,
            receivedAt,
            pacedMeanwhile);
    assertThat(pacedP99).as("a very loose sanity bound").isLessThan(2000.0);
    report("bus only (PUBLISH to delivery)", busSentAt, receivedAt, busMeanwhile);

    // p1 carried tag-999: both nodes dropped it. Checked only now, after every timed round: the
    // loads it takes run code the invalidations do not, and in between the rounds they made C2
    // throw away and recompile the invalidation path while the next round was timed.
    origin.version = "v2";
    assertThat(nodes.get(1).cache.get("p1")).isEqualTo("p1:v2");
    assertThat(nodes.get(2).cache.get("p1")).isEqualTo("p1:v2");
  }

  /**
   * Invalidates {@code prefix + 0..count-1}, each call returning before the next, one every {@code
   * intervalNanos} (0: back to back); returns when each was sent.
   */
  private static Map<String, Long> invalidateTags(
      LayeredCache<String, String> publisher, String prefix, long intervalNanos, int count) {
    Map<String, Long> sentAt = new ConcurrentHashMap<>();
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      // Pacing by the schedule, not by a pause after each call, so a slow call does not shift
      // the rest; parkNanos here paces a sender, it does not wait for something to happen.
      long due = start + i * intervalNanos;
      for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
      String tag = prefix + i;
      sentAt.put(tag, System.nanoTime());
      publisher.invalidateTag(tag);
    }
    return sentAt;
  }

  /**
   * Unmeasured warm-up (JIT, connections, script cache), as a JMH run would have, so that the
   * figure is the steady state of a running service: cycles of tag invalidations back to back and
   * paced until the JIT has settled. After a fixed 200, C2 was still compiling the path's methods
   * (Lettuce's argument encoding, the store's key escaping, {@code CompletableFuture}'s completion)
   * while it was timed; on 2 cores the compiler threads then held a core, sometimes both, while the
   * Redis client's I/O threads waited 1-4 ms to run (seen with {@code perf sched timehist}).
   * Returns how many were sent.
   */
  private static long warmUp(LayeredCache<String, String> publisher) {
    long deadline = System.nanoTime() + WARM_UP_LIMIT.toNanos();
    long sent = 0;
    int cycles = 0;
    int settledCycles = 0;
    while ((cycles < WARM_UP_MIN_CYCLES || settledCycles < 3) && System.nanoTime() - deadline < 0) {
      long jitMillis = JvmActivity.now().jitMillis();
      invalidateTags(publisher, "warm-up-" + sent + "-", 0, WARM_UP_CYCLE);
      invalidateTags(
          publisher, "warm-up-paced-" + sent + "-", PACED_INTERVAL_NANOS, WARM_UP_CYCLE / 10);
      sent += WARM_UP_CYCLE + WARM_UP_CYCLE / 10;
      cycles++;
      boolean settled = JvmActivity.now().jitMillis() - jitMillis <= JIT_SETTLED.toMillis();
      settledCycles = settled ? settledCycles + 1 : 0;
    }
    logger.info("Warm-up: {} invalidations in {} cycles", sent, cycles);
    return sent;
  }

  /** Waits until nodes 1 and 2 each received the warm-up plus {@code rounds} x {@code timed}. */
  private void awaitTagsReceived(long warmUp, int rounds, int timed) {
    long expected = warmUp + (long) rounds * timed;
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                nodes.get(1).stats.count("received.TAG") == expected
                    && nodes.get(2).stats.count("received.TAG") == expected);
  }

  /**
   * Reports one round: every invalidation in {@code sentAt} must have reached both receiving nodes
   * ({@code receivedAt} also holds the other rounds').
   */
  private double report(
      String what,
      Map<String, Long> sentAt,
      List<Map<String, Long>> receivedAt,
      JvmActivity meanwhile) {
    long[] latencies = new long[2000];
    int n = 0;
    for (Map<String, Long> received : receivedAt) {
      for (Map.Entry<String, Long> sent : sentAt.entrySet()) {
        Long at = received.get(sent.getKey());
        assertThat(at).as("%s received", sent.getKey()).isNotNull();
        latencies[n++] = at - sent.getValue();
      }
    }
    Arrays.sort(latencies);
    double p50 = latencies[1000] / 1e6;
    double p99 = latencies[(int) (2000 * 0.99)] / 1e6;
    double max = latencies[1999] / 1e6;
    String line =
        String.format(
            Locale.ROOT,
            "%s: %s, 1000 messages x 2 receiving nodes: p50=%.3f ms p99=%.3f ms max=%.3f ms"
                + " (%s)",
            getClass().getSimpleName(),
            what,
            p50,
            p99,
            max,
            meanwhile);
    logger.info(line);
    TargetReport.append("propagation-latency.txt", line);
    return p99;
  }

  @Test
  void anInvalidationFromAnotherNodeWhileALoadIsInFlightKeepsTheValueOutOfL1AndL2()
      throws Exception {
    startNodes(false);
    Node loader = nodes.get(0);
    origin.hold();
    CompletableFuture<String> read = loader.cache.getAsync("p1");
    origin.awaitEntered();

    nodes.get(1).cache.invalidate("p1");
    await().atMost(Duration.ofSeconds(10)).until(() -> loader.stats.count("received.KEY") == 1);
    origin.open();

    assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo("p1:v1");
    await().until(() -> ((LayeredCacheImpl<?, ?>) loader.cache).flightsInProgress() == 0);
    assertThat(loader.stats.count("load.DISCARDED")).isEqualTo(1);
    assertThat(loader.store.read("products", "p1").get(5, TimeUnit.SECONDS).entry()).isEmpty();
    origin.version = "v2";
    assertThat(loader.cache.get("p1")).isEqualTo("p1:v2");
    assertThat(nodes.get(2).cache.get("p1")).isEqualTo("p1:v2");
  }

  @Test
  void aWriteOfAnL2EntryRacingAnInvalidationIsRefusedEvenBeforeTheMessageArrives()
      throws Exception {
    startNodes(false);
    Node loader = nodes.get(0);
    // The loader read the stamp, then another node invalidated the key, then the loader writes.
    long stamp = loader.store.read("products", "p1").get(5, TimeUnit.SECONDS).stamp();
    nodes.get(1).cache.invalidate("p1");
    long now = System.currentTimeMillis();
    StoredEntry stale =
        StoredEntry.found(
            "p1:old".getBytes(StandardCharsets.UTF_8),
            java.util.Set.of(),
            now,
            now + 60_000,
            now + 60_000,
            now + 60_000,
            stamp,
            0);

    assertThat(loader.store.write("products", "p1", stale).get(5, TimeUnit.SECONDS)).isFalse();
    assertThat(nodes.get(2).cache.get("p1")).isEqualTo("p1:v1");
  }
}
