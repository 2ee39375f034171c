package dev.securecart.ratelimit.redis;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import dev.securecart.core.Ticker;
import dev.securecart.core.internal.DeadlineTimer;
import dev.securecart.core.redis.RedisConnection;
import dev.securecart.core.redis.RedisScript;
import dev.securecart.ratelimit.Algorithm;
import dev.securecart.ratelimit.Decision;
import dev.securecart.ratelimit.FailMode;
import dev.securecart.ratelimit.Keys;
import dev.securecart.ratelimit.RateLimit;
import dev.securecart.ratelimit.RateLimiter;
import dev.securecart.ratelimit.RateLimiterConfig;
import dev.securecart.ratelimit.RateLimiterStats;
import dev.securecart.ratelimit.internal.LocalRateLimiter;
import dev.securecart.ratelimit.internal.Requests;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rate limiter whose state lives in Redis, so that every node of a service enforces the same
 * limits. Each decision is one Lua script call ({@code EVALSHA}, reloaded on {@code NOSCRIPT}) that
 * checks and consumes every limit atomically, with time read from Redis ({@code TIME}) so that
 * nodes whose clocks disagree still agree on the limits. Concurrent decisions share script calls.
 *
 * <p>Each decision has a deadline ({@link RateLimiterConfig#deadline()}); when Redis does not
 * answer in time or fails, the {@link FailMode} decides, the limiter logs the change once, counts
 * it ({@link dev.securecart.ratelimit.RateLimiterMetrics}) and marks decisions {@link
 * Decision.Source#FALLBACK}. Until a periodic check finds Redis healthy again, decisions are made
 * by the fallback at once instead of waiting for the deadline each time. On a Cluster this holds
 * per master: a master that stalls or dies sends only the keys it serves to the fallback.
 *
 * <pre>{@code
 * RateLimiter limiter = RedisRateLimiter.create(connection, RateLimiterConfig.builder("login")
 *     .limit("user", RateLimit.perMinute(5))
 *     .limit("ip", RateLimit.perMinute(100))
 *     .expectedNodes(4)
 *     .build());
 * }</pre>
 *
 * <p>Redis keys: {@code <prefix><limiter>:<limit>:{<key>}} for a limiter with one limit (keys
 * spread over a Cluster), and {@code <prefix>{<limiter>}:<limit>:<key>} for several limits, so that
 * the keys of one decision share a Cluster slot. Each key expires once its state is back to a full
 * burst. This class is thread-safe.
 */
public final class RedisRateLimiter implements RateLimiter, AutoCloseable {

  /*
   * How is the Redis limiter designed, and why?
   *
   * One script, one round trip. ratelimit.lua reads each key's state, decides every limit of a
   * request and writes the new states only if all of them allow it: atomic, because Redis runs a
   * script alone. The arithmetic is the in-process limiter's (see LocalRateLimiter: GCRA keeps the
   * theoretical arrival time, the token bucket tokens and last refill, the sliding window two
   * counters), in integer microseconds, so that both give the same answers from the same inputs.
   *
   * Why Redis TIME. A limit is a statement about time. If every node used its own clock, a node
   * 10 s ahead would see every GCRA timestamp as 10 s in the past and grant a full burst on every
   * call. The script asks Redis for the time, so every node decides against one clock.
   * (Scripts are replicated by effects since Redis 5, so TIME in a script that writes is fine.)
   *
   * Why a combiner. A decision is a few microseconds of Redis work but a whole round trip of
   * client and kernel work; 16 threads doing one call each wait in line. Requests bound for the
   * same slot are queued in a Lane; whenever fewer than MAX_IN_FLIGHT calls are under way, the
   * queue is drained into ONE script call carrying up to MAX_BATCH requests, which the script
   * decides in queue order, exactly as if they had been sent one by one, and answers per request.
   * Lettuce pipelines the calls in flight on its one connection. At low load a call carries one
   * request and nothing waits; at high load, batches grow and throughput grows with them. A hot key
   * is no worse than many keys: the batch reads it once and writes it once. Nothing is retried by
   * compare-and-swap, so there is no collapse under contention.
   *
   * Who wakes the callers. A blocking caller parks until its answer is in. Completing a
   * CompletableFuture that a thread waits on unparks that thread, a system call of several
   * microseconds on a VM; with every caller of every batch woken by Lettuce's single I/O thread,
   * a profile with 16 callers showed those wake-ups taking 43 % of that thread's time, and each
   * reply waiting behind the previous batch's wake-ups. So a blocking caller parks on its request
   * itself, the I/O thread completes the batch (waking nobody) and wakes one caller, and each
   * woken caller wakes two more (WakeTree): the wake-ups run on the callers' threads, in
   * parallel. Asynchronous callers are completed after that, because their callbacks run on the
   * I/O thread.
   *
   * Why it is safe to give up. The connection comes from RedisConnector: a command is never
   * replayed after a reconnect, and commands issued while disconnected fail at once, so a script
   * is applied at most once. A caller whose deadline passes falls back; if its request was not yet
   * sent it is dropped from the batch, and if it was, Redis may still count it: a request that
   * timed out can only have consumed permits (over-limiting by at most the permits the requests in
   * flight asked for, a lease top-up's included), never granted extra ones. NOSCRIPT (a restarted
   * or failed-over Redis) is answered by sending the script body once with EVAL, which also caches
   * it; the script did not run, so that is safe.
   * Each call carries a nonce the script echoes, so a reply can never be matched to another call.
   *
   * Local batching (localBatch = n). A request that misses the lease asks Redis for its permits
   * plus up to n more; the extra ones are leased to this node (never more than n held per key)
   * and spent locally without a round trip, until max(n emission intervals of the slowest limit,
   * 100 ms) after the last top-up. Concurrent misses each ask for n more, and a reply that finds
   * the lease still well stocked drops what exceeds n: counted by Redis, admitted by nobody
   * (under-admission). Letting only one miss at a time top the lease up wasted nothing but cut a
   * hot key's throughput about fivefold (each round trip then restocks the lease once, where
   * every reply restocks what the callers spent since the previous one), so it was not kept.
   * Redis counted leased permits when leased, so what Redis granted never exceeds the limit; but
   * permits granted earlier may be spent later, so over any interval at most nodes x n permits
   * more than the limit's bound can be admitted, and a lease that expires unspent (a key gone
   * quiet) is lost (under-admission).
   */

  private static final Logger log = LoggerFactory.getLogger(RedisRateLimiter.class);

  /**
   * Script call nonces, shared by every limiter in the JVM and starting at a random point: limiters
   * may share a connection, and a nonce unique only per limiter would let one accept another's
   * reply if the connection ever fell out of step.
   */
  private static final AtomicLong NONCES =
      new AtomicLong(ThreadLocalRandom.current().nextLong() >>> 1);

  /**
   * Set on every thread that has completed another thread's script call: Lettuce's I/O thread,
   * which reads the replies. A blocking decision there (say, from a {@code tryAcquireAsync}
   * callback) would park the only thread that can read its own answer, so it must not wait.
   */
  private static final ThreadLocal<Boolean> READS_REPLIES = new ThreadLocal<>();

  /**
   * How many deadlines Redis must stay silent, counted from the first decision it left without an
   * answer, before the limiter switches to its fallback.
   */
  static final int SILENT_DEADLINES_BEFORE_FALLBACK = 3;

  static final int MAX_IN_FLIGHT = 2;
  static final int MAX_BATCH = 128;

  /** The shortest time a lease is kept: 100 ms. */
  static final long LEASE_MIN_AGE_NANOS = 100_000_000L;

  private static final RedisScript SCRIPT = RedisScript.of(loadScript());
  private static final Decision.Source REDIS = Decision.Source.REDIS;

  private final RedisConnection<String, String> connection;
  private final RateLimiterConfig config;
  private final Requests requests;
  private final String[] limitNames;
  private final String[] keyParts;
  private final boolean tagByLimiter;
  private final boolean cluster;
  private final Ticker ticker;
  private final RateLimiterStats stats;
  private final long deadlineNanos;
  private final long recoveryIntervalNanos;
  private final @Nullable LongSupplier clientMicros;
  private final long ttlFloorMillis;
  private final String[] argsHead;
  private final long[] emissionMicros;
  private final boolean sliding;
  private final LocalRateLimiter fallback;
  private final Lane single;
  private final AtomicReferenceArray<@Nullable Lane> lanes;
  private final AtomicLong scriptCalls = new AtomicLong();

  private final AtomicBoolean replyThreadWarned = new AtomicBoolean();

  /**
   * Completes the asynchronous decisions that missed their deadline, in order: one thread of the
   * limiter's own, started when needed and ended after a second without work. Not the thread that
   * detects the deadline (the SDK's deadline timer, which every SDK deadline shares), and not where
   * {@code CompletableFuture}'s async methods run by default: with up to 2 cores the common pool
   * has a single worker, and they start a thread per task, one per late decision.
   */
  private final ThreadPoolExecutor lateAnswers;

  /** The key of the warm-up check, which no decision uses. */
  private final String[] idleProbeKeys;

  /** The standalone server's health; on a Cluster, that of slots no master serves (yet). */
  private final NodeHealth soleNode;

  /**
   * Each Cluster master's health, by node id (nodes are never forgotten: a handful per Cluster).
   */
  private final ConcurrentHashMap<String, NodeHealth> nodes = new ConcurrentHashMap<>();

  /** How many nodes are down; changed under this limiter's lock, with the gauge. */
  private volatile int nodesDown;

  private final long leaseNanos;
  private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();

  private RedisRateLimiter(
      RedisConnection<String, String> connection,
      RateLimiterConfig config,
      @Nullable LongSupplier clientMicros,
      long ttlFloorMillis) {
    this.connection = connection;
    this.config = config;
    this.requests = new Requests(config);
    this.limitNames = requests.limitNames();
    this.tagByLimiter = limitNames.length > 1;
    this.cluster = connection.isCluster();
    this.ticker = config.ticker();
    this.stats = config.stats();
    this.deadlineNanos = config.deadline().toNanos();
    this.recoveryIntervalNanos = config.recoveryCheckInterval().toNanos();
    this.clientMicros = clientMicros;
    this.ttlFloorMillis = ttlFloorMillis;
    this.keyParts = new String[limitNames.length];
    for (int i = 0; i < limitNames.length; i++) {
      keyParts[i] =
          tagByLimiter
              ? config.keyPrefix() + "{" + config.name() + "}:" + limitNames[i] + ":"
              : config.keyPrefix() + config.name() + ":" + limitNames[i] + ":{";
    }
    this.idleProbeKeys = new String[] {keyParts[0] + "probe" + (tagByLimiter ? "" : "}")};
    this.soleNode = new NodeHealth("Redis", idleProbeKeys);
    List<String> head = new ArrayList<>();
    head.add(Integer.toString(algorithmCode(config.algorithm())));
    head.add(Integer.toString(limitNames.length));
    long slowest = 0;
    for (RateLimit limit : config.limits().values()) {
      head.add(Long.toString(limit.emissionIntervalMicros()));
      head.add(Long.toString(limit.burst()));
      slowest = Math.max(slowest, limit.emissionIntervalMicros());
    }
    this.argsHead = head.toArray(String[]::new);
    this.emissionMicros =
        config.limits().values().stream().mapToLong(RateLimit::emissionIntervalMicros).toArray();
    this.sliding = config.algorithm() == Algorithm.SLIDING_WINDOW;
    this.leaseNanos =
        Math.max(LEASE_MIN_AGE_NANOS, slowest * 1_000 * Math.max(1, config.localBatch()));
    Map<String, RateLimit> shares = new LinkedHashMap<>();
    config
        .limits()
        .forEach((name, limit) -> shares.put(name, limit.perNode(config.expectedNodes())));
    RateLimiterConfig.Builder rebuilt = RateLimiterConfig.builder(config.name());
    shares.forEach(rebuilt::limit);
    rebuilt
        .algorithm(config.algorithm())
        .maximumKeys(config.maximumKeys())
        .ticker(config.ticker())
        .stats(RateLimiterStats.disabled());
    this.fallback =
        new LocalRateLimiter(
            rebuilt.build(),
            Decision.Source.FALLBACK,
            config.limits(),
            RateLimiterStats.disabled());
    this.single = new Lane(this::send, MAX_IN_FLIGHT, MAX_BATCH);
    String lateThreadName = "securecart-ratelimit-" + config.name() + "-late";
    this.lateAnswers =
        new ThreadPoolExecutor(
            1,
            1,
            1,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            task -> {
              Thread thread = new Thread(task, lateThreadName);
              thread.setDaemon(true);
              return thread;
            });
    lateAnswers.allowCoreThreadTimeOut(true);
    this.lanes = new AtomicReferenceArray<>(cluster ? SlotHash.SLOT_COUNT : 0);
  }

  /**
   * A limiter on {@code connection} (standalone or Cluster) for {@code config}.
   *
   * @param connection a connection from {@link dev.securecart.core.redis.RedisConnector}; shared,
   *     not closed by the limiter
   * @param config the limits and settings
   * @return the limiter
   */
  public static RedisRateLimiter create(
      RedisConnection<String, String> connection, RateLimiterConfig config) {
    requireNonNull(connection, "connection");
    requireNonNull(config, "config");
    return new RedisRateLimiter(connection, config, null, 0).warmedUp();
  }

  /**
   * Sends one probe and waits for it (a second at most, whatever it answers): the first decision of
   * a fresh JVM would otherwise pay for loading the script and the classes on the reply path, 10–17
   * ms on a small machine, past any sensible deadline.
   */
  private RedisRateLimiter warmedUp() {
    if (READS_REPLIES.get() != null) {
      return this; // built on a thread that reads replies: waiting would hold up its own answer
    }
    try {
      call(idleProbeKeys, probeArgs()).get(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      // Redis down or slow now: the first decisions will find out, and fall back.
      log.debug("Rate limiter '{}': the warm-up probe failed", config.name(), e);
    }
    return this;
  }

  /**
   * For tests only: a limiter whose script takes "now" from {@code clientMicros} instead of Redis
   * TIME (so that a fake clock drives it), with keys kept {@code ttlFloorMillis} longer.
   */
  static RedisRateLimiter withClientTime(
      RedisConnection<String, String> connection,
      RateLimiterConfig config,
      LongSupplier clientMicros,
      long ttlFloorMillis) {
    return new RedisRateLimiter(connection, config, clientMicros, ttlFloorMillis);
  }

  @Override
  public RateLimiterConfig config() {
    return config;
  }

  /**
   * Whether the limiter currently decides with its fallback because Redis was slow or down: on a
   * Cluster, for the keys of at least one master.
   */
  public boolean isFallingBack() {
    return nodesDown > 0;
  }

  @Override
  public Decision tryAcquire(String key, long permits) {
    requests.checkKey(key);
    requests.checkPermits(permits);
    return decide(sameKey(key), permits);
  }

  @Override
  public Decision tryAcquire(Keys keys, long permits) {
    String[] resolved = requests.resolve(keys);
    requests.checkPermits(permits);
    return decide(resolved, permits);
  }

  @Override
  public CompletableFuture<Decision> tryAcquireAsync(String key, long permits) {
    requests.checkKey(key);
    requests.checkPermits(permits);
    return decideAsync(sameKey(key), permits);
  }

  @Override
  public CompletableFuture<Decision> tryAcquireAsync(Keys keys, long permits) {
    String[] resolved = requests.resolve(keys);
    requests.checkPermits(permits);
    return decideAsync(resolved, permits);
  }

  /** Stops using the limiter; the connection stays open (it belongs to the caller). */
  @Override
  public void close() {
    leases.clear();
    // lateAnswers is not shut down: a decision still in flight may yet miss its deadline, and its
    // answer belongs on that thread, not the SDK's deadline timer. It ends after a second idle.
  }

  private String[] sameKey(String key) {
    String[] keys = new String[limitNames.length];
    Arrays.fill(keys, key);
    return keys;
  }

  private Decision decide(String[] keys, long permits) {
    long now = ticker.read();
    if (config.localBatch() > 0) {
      Decision leased = spendLease(keys, permits, now);
      if (leased != null) {
        return leased;
      }
    }
    if (!cluster && soleNode.down) {
      return fallbackWhileDown(keys, permits, now);
    }
    Route route = route(keys, now);
    NodeHealth health = route.health;
    if (health.down) {
      return fallback(health, keys, permits);
    }
    if (READS_REPLIES.get() != null) {
      return onReplyThread(keys, permits);
    }
    Request request = submit(route, keys, permits, now, Thread.currentThread());
    // Real time, not the ticker: a test's frozen ticker must not make a caller wait forever.
    long until = System.nanoTime() + Math.max(0, deadlineNanos - (ticker.read() - now));
    boolean interrupted = false;
    while (!request.isDone()) {
      long left = until - System.nanoTime();
      if (left <= 0) {
        break;
      }
      LockSupport.parkNanos(request, left);
      if (Thread.interrupted()) {
        interrupted = true;
        break;
      }
    }
    if (!request.isDone()) {
      // Gives up, unless the answer arrives in between: then the answer counts.
      request.completeExceptionally(
          interrupted ? new InterruptedException() : new TimeoutException());
    }
    request.leave();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    try {
      return decided(health, request, request.join());
    } catch (CompletionException | CancellationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof InterruptedException) {
        return fallback(keys, permits); // says nothing about Redis
      }
      return failedOver(health, cause, request, keys, permits);
    }
  }

  /**
   * A blocking decision on a thread that reads Redis replies: waiting would hold up its own answer
   * (and every other reply on the connection) until the deadline, and then mark Redis down although
   * it answered at once. Decided by the fallback instead, without touching Redis' state; said once.
   */
  private Decision onReplyThread(String[] keys, long permits) {
    if (replyThreadWarned.compareAndSet(false, true)) {
      log.warn(
          "Rate limiter '{}': tryAcquire was called on thread {}, which reads Redis replies (a"
              + " tryAcquireAsync callback, or a Lettuce callback); blocking there would hold up"
              + " its own answer, so such decisions use the {} fallback. Use tryAcquireAsync"
              + " there, or move the callback to another executor (thenApplyAsync).",
          config.name(),
          Thread.currentThread().getName(),
          config.failMode());
    }
    return fallback(keys, permits);
  }

  @SuppressWarnings("FutureReturnValueIgnored") // the answer is completed in the callback
  private CompletableFuture<Decision> decideAsync(String[] keys, long permits) {
    long now = ticker.read();
    if (config.localBatch() > 0) {
      Decision leased = spendLease(keys, permits, now);
      if (leased != null) {
        return CompletableFuture.completedFuture(leased);
      }
    }
    if (!cluster && soleNode.down) {
      return CompletableFuture.completedFuture(fallbackWhileDown(keys, permits, now));
    }
    Route route = route(keys, now);
    NodeHealth health = route.health;
    if (health.down) {
      return CompletableFuture.completedFuture(fallback(health, keys, permits));
    }
    Request request = submit(route, keys, permits, now, null);
    long wait = deadlineNanos - (ticker.read() - now);
    CompletableFuture<Decision> answer = new CompletableFuture<>();
    // Not orTimeout: the JDK's one delay thread, which code elsewhere in the JVM may block.
    // On the SDK timer's own thread: the step chained below only hands a late answer to
    // lateAnswers.
    DeadlineTimer.shared().expireAfterHere(request, Math.max(1, wait));
    request.whenComplete(
        (decision, error) -> {
          complete(answer, request, decision, error, health, keys, permits);
        });
    return answer;
  }

  private void complete(
      CompletableFuture<Decision> answer,
      Request request,
      @Nullable Decision decision,
      @Nullable Throwable error,
      NodeHealth health,
      String[] keys,
      long permits) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof TimeoutException) {
      // The deadline completes on the SDK's one deadline timer thread, which every SDK deadline
      // shares: neither the fallback's WARN nor the caller's callbacks belong there.
      try {
        answer.completeAsync(() -> failedOver(health, cause, request, keys, permits), lateAnswers);
        return;
      } catch (RuntimeException | Error refused) {
        // Closed, or no thread to be had: answered here after all, rather than never.
      }
    }
    try {
      answer.complete(
          cause == null
              ? decided(health, request, requireNonNull(decision, "decision"))
              : failedOver(health, cause, request, keys, permits));
    } catch (RuntimeException | Error e) {
      answer.completeExceptionally(e); // a caller must never wait forever
    }
  }

  private Decision failedOver(
      NodeHealth health, Throwable cause, Request request, String[] keys, long permits) {
    failed(health, cause, request.redisKeys[0]);
    return fallback(health, keys, permits);
  }

  /** Where a decision goes: its state keys in Redis, their slot, and that slot's node's health. */
  private static final class Route {
    final String[] redisKeys;
    final int slot;
    final NodeHealth health;

    Route(String[] redisKeys, int slot, NodeHealth health) {
      this.redisKeys = redisKeys;
      this.slot = slot;
      this.health = health;
    }
  }

  /**
   * A decision while the standalone server is down: no key or route is built for it, since this
   * path runs as often as requests come in while Redis is away.
   */
  private Decision fallbackWhileDown(String[] keys, long permits, long now) {
    maybeProbe(soleNode, now);
    return fallback(soleNode, keys, permits);
  }

  /** Routes a decision, and checks any node that is down and due for a check on the way. */
  private Route route(String[] keys, long now) {
    String[] redisKeys = new String[keys.length];
    for (int i = 0; i < keys.length; i++) {
      redisKeys[i] = tagByLimiter ? keyParts[i] + keys[i] : keyParts[i] + keys[i] + "}";
    }
    int slot = cluster ? SlotHash.getSlot(redisKeys[0]) : 0;
    if (nodesDown > 0) {
      probeDownNodes(now);
    }
    return new Route(redisKeys, slot, health(slot));
  }

  private Request submit(
      Route route, String[] keys, long permits, long now, @Nullable Thread waiter) {
    long most = permits;
    if (config.localBatch() > 0) {
      most = permits + config.localBatch();
    }
    Request request = new Request(route.redisKeys, keys, permits, most, now, waiter);
    lane(route.slot).submit(request);
    return request;
  }

  private Decision decided(NodeHealth health, Request request, Decision decision) {
    stats.recordDecision(REDIS, decision.isAllowed());
    health.answered();
    if (decision.isAllowed() && request.granted > request.least) {
      long extra = request.granted - request.least;
      int most = config.localBatch();
      // A node never holds more than localBatch leased permits for a key: that is what bounds
      // the over-admission. Permits beyond it are dropped (under-admission only). What is left of
      // the lease moves to the new one, which is kept for another lease period: a lease that
      // expired while topped up would lose what it held (under-admission on the keys that are
      // busiest). The old one is emptied atomically, so a permit is spent from one of them only.
      // Read now, not when the decision began: a reply may come after the lease it tops up
      // expired.
      long at = ticker.read();
      leases.compute(
          request.keys[0],
          (key, held) -> {
            long carried = held != null && at - held.expiresAt < 0 ? held.left.getAndSet(0) : 0;
            return new Lease(Math.min(most, carried + extra), at + leaseNanos, decision);
          });
      if (leases.size() > config.maximumKeys()) {
        leases.clear(); // bounded: forgetting leases only under-admits
      }
    }
    return decision;
  }

  private Lane lane(int slot) {
    if (!cluster) {
      return single;
    }
    Lane lane = lanes.get(slot);
    if (lane == null) {
      lanes.compareAndSet(slot, null, new Lane(this::send, MAX_IN_FLIGHT, MAX_BATCH));
      lane = lanes.get(slot);
    }
    return requireNonNull(lane, "lane");
  }

  // ---- Redis calls ----------------------------------------------------------------------------

  @SuppressWarnings("FutureReturnValueIgnored") // completion is handled in the callbacks
  private void send(List<Request> batch, Runnable done) {
    WakeTree tree = wakeTree(batch);
    // Identical requests (same key, same permits) of a single-limit limiter form one group that
    // the script decides one after the other and answers in 9 numbers: a hot key costs the same
    // to encode, run and decode whether 1 or 100 callers wait on it.
    List<List<Request>> groups = new ArrayList<>();
    Map<String, List<Request>> open = new HashMap<>();
    for (Request request : batch) {
      if (limitNames.length == 1 && request.least == request.most) {
        List<Request> group = open.get(request.redisKeys[0]);
        if (group != null && group.get(0).least == request.least) {
          group.add(request);
          continue;
        }
        group = new ArrayList<>(4);
        group.add(request);
        open.put(request.redisKeys[0], group);
        groups.add(group);
      } else {
        groups.add(List.of(request));
      }
    }
    Map<String, Integer> index = new HashMap<>();
    List<String> keys = new ArrayList<>();
    List<String> args =
        new ArrayList<>(8 + argsHead.length + groups.size() * (3 + keyParts.length));
    String nonce = Long.toString(NONCES.incrementAndGet());
    scriptCalls.incrementAndGet();
    args.add(nonce);
    args.add(clientMicros == null ? "" : Long.toString(clientMicros.getAsLong()));
    args.add(Long.toString(ttlFloorMillis));
    args.addAll(Arrays.asList(argsHead));
    args.add(Integer.toString(groups.size()));
    for (List<Request> group : groups) {
      Request first = group.get(0);
      args.add(Integer.toString(group.size()));
      args.add(Long.toString(first.least));
      args.add(Long.toString(first.most));
      for (String key : first.redisKeys) {
        Integer position = index.get(key);
        if (position == null) {
          keys.add(key);
          position = keys.size();
          index.put(key, position);
        }
        args.add(Integer.toString(position));
      }
    }
    String[] keyArray = keys.toArray(String[]::new);
    String[] argArray = args.toArray(String[]::new);
    Thread sender = Thread.currentThread();
    // EVALSHA, and EVAL only after NOSCRIPT (Redis lost its script cache, so the script did not
    // run): the nonce in the reply is checked in finish either way.
    call(keyArray, argArray)
        .whenComplete(
            (reply, error) -> {
              noteReplyThread(sender);
              finish(groups, tree, nonce, reply, error, done);
            });
  }

  /**
   * Marks the current thread as one that reads replies, if it is not the thread that sent the call:
   * a callback runs on the sender only when the reply was in before the callback was registered;
   * otherwise it runs on the thread that completed the call (Lettuce's I/O thread, or its timer on
   * a timeout). A request thread is therefore never marked.
   */
  private static void noteReplyThread(Thread sender) {
    if (Thread.currentThread() != sender && READS_REPLIES.get() == null) {
      READS_REPLIES.set(Boolean.TRUE);
    }
  }

  private CompletableFuture<List<Object>> call(String[] keys, String[] args) {
    return SCRIPT.evalAsync(connection, ScriptOutputType.MULTI, keys, args);
  }

  private static WakeTree wakeTree(List<Request> batch) {
    List<Request> parked = new ArrayList<>(batch.size());
    for (Request request : batch) {
      if (request.waiter != null) {
        parked.add(request);
      }
    }
    return new WakeTree(parked.toArray(new Request[0]));
  }

  private void finish(
      List<List<Request>> groups,
      WakeTree tree,
      String nonce,
      @Nullable List<Object> reply,
      @Nullable Throwable error,
      Runnable done) {
    done.run(); // let the next batch go before waking the callers
    long now = ticker.read();
    Throwable failure = error;
    if (failure == null
        && (reply == null
            || reply.size() != 2 + 9 * groups.size()
            || !nonce.equals(String.valueOf(reply.get(0))))) {
      failure =
          new IllegalStateException(
              "the Redis reply does not match its request (connection out of sync)");
    }
    if (failure == null && reply != null) {
      try {
        answer(groups, reply, now);
      } catch (RuntimeException e) {
        failure = e; // a reply of an unexpected shape: every caller falls back
      }
    }
    settle(groups, tree, failure);
  }

  /**
   * Completes every request of a batch with its answer, or all of them with {@code failure}: the
   * parked callers first, then the wake-up tree starts, then the asynchronous callers, whose
   * callbacks run on this (the I/O) thread and must not hold up the wake-ups.
   */
  private static void settle(
      List<List<Request>> groups, WakeTree tree, @Nullable Throwable failure) {
    for (List<Request> group : groups) {
      for (Request request : group) {
        if (request.waiter != null) {
          request.settle(failure);
        }
      }
    }
    tree.start();
    for (List<Request> group : groups) {
      for (Request request : group) {
        if (request.waiter == null) {
          request.settle(failure);
        }
      }
    }
  }

  /** Reads each request's decision out of the reply, without completing any. */
  private void answer(List<List<Request>> groups, List<Object> reply, long now) {
    for (int g = 0; g < groups.size(); g++) {
      List<Request> group = groups.get(g);
      int at = 2 + 9 * g;
      long grants = (Long) reply.get(at);
      long perGrant = (Long) reply.get(at + 1);
      int grantLimit = ((Long) reply.get(at + 2)).intValue();
      long remaining = (Long) reply.get(at + 3);
      long reset = (Long) reply.get(at + 4);
      long resetStep = sliding ? 0 : perGrant * emissionMicros[grantLimit];
      for (int i = 0; i < group.size(); i++) {
        Request request = group.get(i);
        Decision decision;
        if (i < grants) {
          request.granted = perGrant;
          decision =
              new Decision(
                  true,
                  Math.max(0, remaining - i * perGrant),
                  (reset + i * resetStep) * 1_000,
                  0,
                  REDIS,
                  limitNames[grantLimit],
                  config.limits());
        } else {
          decision =
              new Decision(
                  false,
                  (Long) reply.get(at + 6),
                  (Long) reply.get(at + 7) * 1_000,
                  (Long) reply.get(at + 8) * 1_000,
                  REDIS,
                  limitNames[((Long) reply.get(at + 5)).intValue()],
                  config.limits());
        }
        stats.recordRedisLatency(now - request.submittedAt);
        request.answer = decision;
      }
    }
  }

  // ---- Fallback -------------------------------------------------------------------------------

  /**
   * The health of the node that serves {@code slot}: on a Cluster, the master Lettuce's topology
   * names for it now, so that keys a failover moved to a new master are that master's at once.
   */
  private NodeHealth health(int slot) {
    if (!cluster) {
      return soleNode;
    }
    RedisClusterNode node =
        ((StatefulRedisClusterConnection<String, String>) connection.stateful())
            .getPartitions()
            .getMasterBySlot(slot);
    if (node == null || node.getNodeId() == null) {
      return soleNode;
    }
    NodeHealth health = nodes.get(node.getNodeId());
    if (health != null) {
      return health;
    }
    return nodes.computeIfAbsent(
        node.getNodeId(), id -> new NodeHealth(address(node), idleProbeKeys));
  }

  private static String address(RedisClusterNode node) {
    RedisURI uri = node.getUri();
    return uri == null ? node.getNodeId() : uri.getHost() + ":" + uri.getPort();
  }

  private void failed(NodeHealth health, Throwable cause, String failedKey) {
    if (health.down) {
      return;
    }
    if (isErrorReply(cause)) {
      refused(health, cause);
      return;
    }
    // A late answer (a GC pause or a stall of this JVM, one slow command) is not an outage: that
    // decision falls back on its own. The node silent for several deadlines, or a connection
    // error, switch its keys to the fallback.
    if (cause instanceof TimeoutException
        && !health.silentFor(
            System.nanoTime(), // real time, as the deadline's wait: a test's ticker may stand
            SILENT_DEADLINES_BEFORE_FALLBACK * deadlineNanos,
            recoveryIntervalNanos)) {
      return;
    }
    synchronized (this) {
      if (health.down) {
        return;
      }
      health.probeKeys = new String[] {failedKey};
      health.nextProbeAt = ticker.read() + recoveryIntervalNanos;
      health.down = true;
      if (nodesDown++ == 0) {
        stats.recordFallback(true);
      }
    }
    log.warn(
        "Rate limiter '{}': {} is unavailable ({}, deadline {} ms); deciding {} with the {}"
            + " fallback until it is back",
        config.name(),
        health.name,
        describe(cause),
        config.deadline().toMillis(),
        cluster ? "the keys it serves" : "every key",
        config.failMode());
  }

  /**
   * An error reply (OOM, READONLY, TRYAGAIN, CLUSTERDOWN, BUSY, LOADING...): the node answered, so
   * only this decision falls back. Taking the node out would not help: the recovery check writes
   * nothing, so it would pass at once, and the limiter would switch back and forth, logging each
   * switch, every check interval. Said at WARN at most once a minute per node.
   */
  private void refused(NodeHealth health, Throwable cause) {
    health.answered();
    long count = health.errorReplies.record(System.nanoTime());
    if (count > 0) {
      log.warn(
          "Rate limiter '{}': {} answered {} decision(s) with an error ({}); each is decided by the"
              + " {} fallback while Redis stays in use (reported at most once a minute)",
          config.name(),
          health.name,
          count,
          describe(cause),
          config.failMode());
    }
  }

  private static boolean isErrorReply(Throwable cause) {
    Throwable unwrapped = cause;
    while ((unwrapped instanceof CompletionException || unwrapped instanceof ExecutionException)
        && unwrapped.getCause() != null) {
      unwrapped = unwrapped.getCause();
    }
    return unwrapped instanceof RedisCommandExecutionException;
  }

  private void recovered(NodeHealth health) {
    synchronized (this) {
      if (!health.down) {
        return;
      }
      health.cameBack();
      if (--nodesDown == 0) {
        stats.recordFallback(false);
      }
    }
    log.info(
        "Rate limiter '{}': {} is back; deciding on Redis again after {} fallback decisions",
        config.name(),
        health.name,
        health.fallbackDecisions.getAndSet(0));
  }

  /**
   * Checks every node that is down whose check is due, whichever key the calling decision has: the
   * keys of a master that failed over now go to its replica, so nothing would check the old one.
   */
  private void probeDownNodes(long now) {
    maybeProbe(soleNode, now);
    for (NodeHealth health : nodes.values()) {
      maybeProbe(health, now);
    }
  }

  @SuppressWarnings("FutureReturnValueIgnored") // completion is handled in the callback
  private void maybeProbe(NodeHealth health, long now) {
    if (!health.down
        || now - health.nextProbeAt < 0
        || !health.probing.compareAndSet(false, true)) {
      return;
    }
    health.nextProbeAt = now + recoveryIntervalNanos;
    long started = ticker.read();
    call(health.probeKeys, probeArgs())
        .whenComplete(
            (reply, error) -> {
              long took = ticker.read() - started;
              // Back only when Redis answers within the decision deadline again, or every
              // decision would wait out its deadline and the limiter would flap.
              if (error == null && took <= deadlineNanos) {
                recovered(health);
              }
              health.probing.set(false);
            });
  }

  /** A script call that touches nothing: proves the connection, the script cache and the server. */
  private String[] probeArgs() {
    String[] args = new String[argsHead.length + 4];
    args[0] = "probe";
    args[1] = clientMicros == null ? "" : Long.toString(clientMicros.getAsLong());
    args[2] = "0";
    System.arraycopy(argsHead, 0, args, 3, argsHead.length);
    args[args.length - 1] = "0";
    return args;
  }

  /** A fallback decision for a key of {@code health}'s node, counted for its recovery's log. */
  private Decision fallback(NodeHealth health, String[] keys, long permits) {
    health.fallbackDecisions.incrementAndGet();
    return fallback(keys, permits);
  }

  private Decision fallback(String[] keys, long permits) {
    Decision decision =
        switch (config.failMode()) {
          case OPEN ->
              new Decision(true, 0, 0, 0, Decision.Source.FALLBACK, limitNames[0], config.limits());
          case CLOSED ->
              new Decision(
                  false,
                  0,
                  0,
                  recoveryIntervalNanos,
                  Decision.Source.FALLBACK,
                  limitNames[0],
                  config.limits());
          case LOCAL -> fallback.decide(keys, permits);
        };
    stats.recordDecision(Decision.Source.FALLBACK, decision.isAllowed());
    return decision;
  }

  private static String describe(Throwable cause) {
    if (cause instanceof TimeoutException) {
      return "no answer within the deadline";
    }
    String message = cause.getMessage();
    return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  // ---- Local batching -------------------------------------------------------------------------

  /** Permits leased from Redis for one key (tuple), spent locally until used up or expired. */
  private static final class Lease {
    final AtomicLong left;
    final long expiresAt;
    final Decision granted;

    Lease(long left, long expiresAt, Decision granted) {
      this.left = new AtomicLong(left);
      this.expiresAt = expiresAt;
      this.granted = granted;
    }
  }

  /** Leases exist only for a limiter with one limit (the config refuses localBatch otherwise). */
  private @Nullable Decision spendLease(String[] keys, long permits, long now) {
    Lease lease = leases.get(keys[0]);
    if (lease == null || now - lease.expiresAt >= 0) {
      return null;
    }
    while (true) {
      long left = lease.left.get();
      if (left < permits) {
        return null;
      }
      if (lease.left.compareAndSet(left, left - permits)) {
        Decision granted = lease.granted;
        stats.recordDecision(Decision.Source.LEASE, true);
        return new Decision(
            true,
            granted.remaining() + left - permits,
            granted.resetAfterNanos(),
            0,
            Decision.Source.LEASE,
            granted.limitName(),
            granted.limits());
      }
    }
  }

  // ---- Script ---------------------------------------------------------------------------------

  private static int algorithmCode(Algorithm algorithm) {
    return switch (algorithm) {
      case GCRA -> 1;
      case TOKEN_BUCKET -> 2;
      case SLIDING_WINDOW -> 3;
    };
  }

  private static String loadScript() {
    try (InputStream in = RedisRateLimiter.class.getResourceAsStream("ratelimit.lua")) {
      if (in == null) {
        throw new IllegalStateException("ratelimit.lua is missing from the sdk-ratelimit jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read ratelimit.lua", e);
    }
  }

  /** The number of batched script calls sent, for tests. */
  long scriptCalls() {
    return scriptCalls.get();
  }

  /** The SHA-1 of the script, as {@code EVALSHA} takes it. */
  static String scriptSha() {
    return SCRIPT.sha1();
  }

  @Override
  public String toString() {
    return "RedisRateLimiter[" + config.name() + (nodesDown > 0 ? ", falling back" : "") + "]";
  }
}
