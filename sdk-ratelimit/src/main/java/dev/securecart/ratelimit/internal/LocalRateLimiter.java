package dev.securecart.ratelimit.internal;

import dev.securecart.core.Ticker;
import dev.securecart.ratelimit.Algorithm;
import dev.securecart.ratelimit.Decision;
import dev.securecart.ratelimit.Keys;
import dev.securecart.ratelimit.RateLimit;
import dev.securecart.ratelimit.RateLimiter;
import dev.securecart.ratelimit.RateLimiterConfig;
import dev.securecart.ratelimit.RateLimiterStats;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The in-process limiter: per key and limit one word of state in a bounded table, updated by
 * compare-and-set. Lock-free; for a key already tracked {@link #tryConsume} allocates nothing and
 * {@link #tryAcquire(String, long)} allocates only the {@link Decision} it returns (which the JIT
 * removes when it inlines the call and the caller only reads it). This class is thread-safe.
 */
public final class LocalRateLimiter implements RateLimiter {

  /*
   * How is the in-process limiter designed, and why?
   *
   * Every algorithm keeps its per-key state in ONE long, so that a decision is a read, some
   * arithmetic and one compare-and-set: no lock, no allocation, no retry unless another thread
   * changed the same key in between.
   *
   * GCRA (and the token bucket, which is the same machine): the state is the theoretical arrival
   * time TAT of the next permit, in microseconds of the ticker. With t = period / permits (the
   * emission interval) and tau = burst * t, a request for n permits at time now is admitted iff
   *
   *     max(TAT, now) + n*t - now <= tau
   *
   * and then TAT becomes max(TAT, now) + n*t. Worked example, 100/s burst 10 (t = 10 ms,
   * tau = 100 ms): ten requests at time 0 push TAT to 100 ms; the eleventh would need TAT = 110 ms,
   * 110 ms ahead of now > tau: rejected, retry after 10 ms. At 10 ms one more fits. Over any
   * interval W at most W/t + burst permits pass - the bound the tests check - and a caller that
   * keeps asking gets exactly one permit per t: no under-admission either. A token bucket of
   * capacity burst refilled by one token per t holds (now - emptyAt)/t tokens, and emptyAt is
   * TAT - tau: one word again, so the in-process token bucket shares this code. (On Redis it is
   * stored the classic way, tokens and last refill, to read as tokens.)
   *
   * Sliding window: the window is tau long and holds at most burst permits; the state packs the
   * window index (mod 2^24) and the current and previous window's counts (20 bits each). The
   * estimate prev * (w - f)/w + cur, with f the time into the current window, must stay within
   * burst.
   *
   * Several limits at once: read every state, decide every limit; if any rejects, nothing is
   * written. Else compare-and-set each in order; if one fails (a concurrent change), give back the
   * ones already taken and start again. A concurrent observer may briefly see permits taken that
   * are then given back: it can be rejected wrongly for that instant, never admitted wrongly.
   *
   * Time is read once per decision, in microseconds, so that this code and the Redis script
   * compute the same numbers from the same inputs (the contract tests hold them to it).
   *
   * Memory: see KeyTable. An idle state (TAT in the past; both window counts zero) is the same as
   * no state, so sweeping it loses nothing.
   */

  private final RateLimiterConfig config;
  private final Requests requests;
  private final Spec[] specs;
  private final KeyTable[] tables;
  private final boolean sliding;
  private final Ticker ticker;
  private final RateLimiterStats stats;
  private final Decision.Source source;
  private final Map<String, RateLimit> reported;

  /**
   * An in-process limiter for {@code config}.
   *
   * @param config the limits and settings
   */
  public LocalRateLimiter(RateLimiterConfig config) {
    this(config, Decision.Source.LOCAL, config.limits(), config.stats());
  }

  /**
   * An in-process limiter whose decisions carry {@code source} and report {@code reported} as the
   * limits (a fallback reports the shared limits it stands in for).
   *
   * @param config the limits and settings
   * @param source the source stamped on decisions
   * @param reported the limits named in decisions; must have the same names as the config's
   * @param stats where decisions are recorded
   */
  public LocalRateLimiter(
      RateLimiterConfig config,
      Decision.Source source,
      Map<String, RateLimit> reported,
      RateLimiterStats stats) {
    this.config = config;
    this.requests = new Requests(config);
    this.sliding = config.algorithm() == Algorithm.SLIDING_WINDOW;
    this.ticker = config.ticker();
    this.stats = stats;
    this.source = source;
    this.reported = reported;
    RateLimit[] limits = config.limits().values().toArray(RateLimit[]::new);
    String[] names = config.limits().keySet().toArray(String[]::new);
    this.specs = new Spec[names.length];
    this.tables = new KeyTable[names.length];
    for (int i = 0; i < names.length; i++) {
      Spec spec = new Spec(names[i], i, limits[i]);
      specs[i] = spec;
      KeyTable.States states = sliding ? SlidingWindow.states(spec) : Gcra.states(spec);
      tables[i] =
          new KeyTable(
              sliding ? SlidingWindow.EMPTY : Gcra.EMPTY, states, config.maximumKeys(), now());
    }
  }

  @Override
  public RateLimiterConfig config() {
    return config;
  }

  @Override
  public Decision tryAcquire(String key, long permits) {
    requests.checkKey(key);
    requests.checkPermits(permits);
    return decide(key, permits);
  }

  @Override
  public boolean tryConsume(String key, long permits) {
    requests.checkKey(key);
    requests.checkPermits(permits);
    if (specs.length != 1) {
      return decide(key, permits).isAllowed();
    }
    long now = now();
    KeyTable table = tables[0];
    table.maybeSweep(now);
    Spec spec = specs[0];
    while (true) {
      Cell cell = table.cell(key, now);
      long seen = cell.get();
      if (seen == Cell.DEAD) {
        continue;
      }
      long next = next(spec, seen, now, permits);
      if (next == rejected()) {
        stats.recordDecision(source, false);
        return false;
      }
      if (cell.compareAndSet(seen, next)) {
        stats.recordDecision(source, true);
        return true;
      }
    }
  }

  @Override
  public Decision tryAcquire(Keys keys, long permits) {
    String[] resolved = requests.resolve(keys);
    requests.checkPermits(permits);
    return decide(resolved, permits);
  }

  @Override
  public CompletableFuture<Decision> tryAcquireAsync(String key, long permits) {
    return CompletableFuture.completedFuture(tryAcquire(key, permits));
  }

  @Override
  public CompletableFuture<Decision> tryAcquireAsync(Keys keys, long permits) {
    return CompletableFuture.completedFuture(tryAcquire(keys, permits));
  }

  /** Decides for an already validated key, the same for every limit. */
  public Decision decide(String key, long permits) {
    if (specs.length == 1) {
      return decideOne(key, permits);
    }
    String[] keys = new String[specs.length];
    Arrays.fill(keys, key);
    return decide(keys, permits);
  }

  /** Decides for already validated keys, one per limit in declaration order. */
  public Decision decide(String[] keys, long permits) {
    if (specs.length == 1) {
      return decideOne(keys[0], permits);
    }
    return decideAll(keys, permits);
  }

  /** The number of keys tracked for the limit at {@code index}, for tests. */
  int trackedKeys(int index) {
    return tables[index].size();
  }

  /** Keys evicted while in use, over all limits. */
  long evictions() {
    long total = 0;
    for (KeyTable table : tables) {
      total += table.evictions();
    }
    return total;
  }

  private long now() {
    long nanos = ticker.read();
    // Truncating division is monotonic too and cheaper; floor only matters for negative readings,
    // where it keeps sliding windows aligned the way the Redis script aligns them.
    return nanos >= 0 ? nanos / 1_000L : Math.floorDiv(nanos, 1_000L);
  }

  private Decision decideOne(String key, long n) {
    long now = now();
    KeyTable table = tables[0];
    table.maybeSweep(now);
    Spec spec = specs[0];
    boolean allowed;
    long state;
    // One allocation site for the Decision, after the loop: the JIT can only scalar-replace an
    // object that does not merge with another allocation.
    while (true) {
      Cell cell = table.cell(key, now);
      long seen = cell.get();
      if (seen == Cell.DEAD) {
        continue;
      }
      long next = next(spec, seen, now, n);
      if (next == rejected()) {
        allowed = false;
        state = seen;
        break;
      }
      if (cell.compareAndSet(seen, next)) {
        allowed = true;
        state = next;
        break;
      }
    }
    stats.recordDecision(source, allowed);
    return new Decision(
        allowed,
        remaining(spec, state, now),
        resetAfter(spec, state, now) * 1_000,
        allowed ? 0 : retryAfter(spec, state, now, n) * 1_000,
        source,
        spec.name,
        reported);
  }

  private Decision decideAll(String[] keys, long n) {
    long now = now();
    int count = specs.length;
    for (KeyTable table : tables) {
      table.maybeSweep(now);
    }
    Cell[] cells = new Cell[count];
    long[] seen = new long[count];
    long[] next = new long[count];
    attempt:
    while (true) {
      for (int i = 0; i < count; i++) {
        Cell cell = tables[i].cell(keys[i], now);
        long state = cell.get();
        if (state == Cell.DEAD) {
          continue attempt;
        }
        cells[i] = cell;
        seen[i] = state;
      }
      int worst = -1;
      long worstRetry = -1;
      for (int i = 0; i < count; i++) {
        next[i] = next(specs[i], seen[i], now, n);
        if (next[i] == rejected()) {
          long retry = retryAfter(specs[i], seen[i], now, n);
          if (retry > worstRetry) {
            worst = i;
            worstRetry = retry;
          }
        }
      }
      if (worst >= 0) {
        return rejected(specs[worst], seen[worst], now, n);
      }
      for (int i = 0; i < count; i++) {
        if (!cells[i].compareAndSet(seen[i], next[i])) {
          for (int j = 0; j < i; j++) {
            refund(specs[j], cells[j], seen[j], next[j], now, n);
          }
          continue attempt;
        }
      }
      int best = 0;
      long bestRemaining = Long.MAX_VALUE;
      for (int i = 0; i < count; i++) {
        long remaining = remaining(specs[i], next[i], now);
        if (remaining < bestRemaining) {
          best = i;
          bestRemaining = remaining;
        }
      }
      return allowed(specs[best], next[best], now);
    }
  }

  private void refund(Spec spec, Cell cell, long seen, long taken, long takenAt, long n) {
    while (true) {
      long state = cell.get();
      if (state == Cell.DEAD) {
        return;
      }
      long refunded =
          sliding
              ? SlidingWindow.refund(spec, state, takenAt, n)
              : Gcra.refund(spec, seen, taken, state, now(), n);
      if (cell.compareAndSet(state, refunded)) {
        return;
      }
    }
  }

  private long rejected() {
    return sliding ? SlidingWindow.REJECTED : Gcra.REJECTED;
  }

  private long next(Spec spec, long state, long now, long n) {
    return sliding ? SlidingWindow.next(spec, state, now, n) : Gcra.next(spec, state, now, n);
  }

  private long remaining(Spec spec, long state, long now) {
    return sliding ? SlidingWindow.remaining(spec, state, now) : Gcra.remaining(spec, state, now);
  }

  private long resetAfter(Spec spec, long state, long now) {
    return sliding ? SlidingWindow.resetAfter(spec, state, now) : Gcra.resetAfter(state, now);
  }

  private long retryAfter(Spec spec, long state, long now, long n) {
    return sliding
        ? SlidingWindow.retryAfter(spec, state, now, n)
        : Gcra.retryAfter(spec, state, now, n);
  }

  private Decision allowed(Spec spec, long next, long now) {
    stats.recordDecision(source, true);
    return new Decision(
        true,
        remaining(spec, next, now),
        resetAfter(spec, next, now) * 1_000,
        0,
        source,
        spec.name,
        reported);
  }

  private Decision rejected(Spec spec, long state, long now, long n) {
    stats.recordDecision(source, false);
    return new Decision(
        false,
        remaining(spec, state, now),
        resetAfter(spec, state, now) * 1_000,
        retryAfter(spec, state, now, n) * 1_000,
        source,
        spec.name,
        reported);
  }

  @Override
  public String toString() {
    return "LocalRateLimiter[" + config.name() + "]";
  }
}
