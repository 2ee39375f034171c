package dev.securecart.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.core.testing.FakeClock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every {@link RateLimiter} implementation must do, driven by a {@link FakeClock}. Subclasses
 * create the limiter under test from a config whose ticker is {@link #clock}; the Redis one feeds
 * the same clock to its script so that both backends compute from the same inputs.
 */
public abstract class RateLimiterContractTest {

  protected FakeClock clock;

  /** Creates the limiter under test; its ticker is {@link #clock}. */
  protected abstract RateLimiter limiter(RateLimiterConfig config);

  /** Whether the decisions come from {@link Decision.Source#LOCAL} or another source. */
  protected abstract Decision.Source expectedSource();

  /** How a test calls the limiter: both ways must give the same decisions. */
  public enum Call {
    SYNC,
    ASYNC
  }

  @BeforeEach
  void createClock() {
    clock = FakeClock.create();
  }

  protected RateLimiterConfig.Builder config(String name) {
    return RateLimiterConfig.builder(name).ticker(clock);
  }

  protected RateLimiter single(Algorithm algorithm, RateLimit limit) {
    return limiter(config("single").algorithm(algorithm).limit(limit).build());
  }

  protected static Decision call(RateLimiter limiter, Call call, String key, long permits) {
    if (call == Call.SYNC) {
      return limiter.tryAcquire(key, permits);
    }
    try {
      return limiter.tryAcquireAsync(key, permits).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the async decision failed", e);
    }
  }

  protected static Decision call(RateLimiter limiter, Call call, Keys keys, long permits) {
    if (call == Call.SYNC) {
      return limiter.tryAcquire(keys, permits);
    }
    try {
      return limiter.tryAcquireAsync(keys, permits).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the async decision failed", e);
    }
  }

  /** Moves the clock to the start of a window of {@code window}, for sliding-window tests. */
  protected void alignTo(Duration window) {
    long micros = Math.floorDiv(clock.read(), 1_000L);
    long windowMicros = window.toNanos() / 1_000;
    long into = Math.floorMod(micros, windowMicros);
    if (into != 0) {
      clock.advance(Duration.ofNanos((windowMicros - into) * 1_000));
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void theBurstIsGrantedAtOnceThenRequestsAreRejectedWithARetryAfter(Algorithm algorithm) {
    RateLimiter limiter = single(algorithm, RateLimit.perSecond(100).withBurst(10));
    alignTo(Duration.ofMillis(100));

    for (int i = 0; i < 10; i++) {
      Decision decision = limiter.tryAcquire("alice");
      assertThat(decision.isAllowed()).as("request %d", i).isTrue();
      assertThat(decision.remaining()).as("remaining after request %d", i).isEqualTo(9 - i);
      assertThat(decision.source()).isEqualTo(expectedSource());
      assertThat(decision.retryAfter()).isZero();
    }
    Decision rejected = limiter.tryAcquire("alice");

    assertThat(rejected.isAllowed()).isFalse();
    assertThat(rejected.remaining()).isZero();
    assertThat(rejected.retryAfter()).isPositive();
    assertThat(rejected.limitName()).isEqualTo(RateLimiterConfig.DEFAULT_LIMIT_NAME);
    if (algorithm != Algorithm.SLIDING_WINDOW) {
      assertThat(rejected.retryAfter()).isEqualTo(Duration.ofMillis(10));
      assertThat(rejected.resetAfter()).isEqualTo(Duration.ofMillis(100));
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aRejectedRequestSucceedsExactlyWhenItsRetryAfterHasPassed(Algorithm algorithm) {
    RateLimiter limiter = single(algorithm, RateLimit.perSecond(50).withBurst(5));
    clock.advance(Duration.ofMillis(37)); // off any boundary
    int rejections = 0;
    for (int step = 0; step < 200; step++) {
      Decision decision = limiter.tryAcquire("bob", 1 + step % 3);
      if (!decision.isAllowed()) {
        rejections++;
        Duration wait = decision.retryAfter();
        assertThat(wait).isPositive();
        clock.advance(wait.minusNanos(1_000));
        assertThat(limiter.tryAcquire("bob", 1 + step % 3).isAllowed())
            .as("1 µs before the retry-after of step %d", step)
            .isFalse();
        clock.advance(Duration.ofNanos(1_000));
        assertThat(limiter.tryAcquire("bob", 1 + step % 3).isAllowed())
            .as("at the retry-after of step %d", step)
            .isTrue();
      }
      clock.advance(Duration.ofMillis(step % 7));
    }
    assertThat(rejections).isGreaterThan(20);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void underSteadyPressureTheLimiterAdmitsTheRateAndNeverMoreThanRateTimesTimePlusBurst(
      Algorithm algorithm) {
    RateLimiter limiter = single(algorithm, RateLimit.perSecond(100).withBurst(10));
    long allowed = 0;
    // Ask every 0.5 ms for 10 s: 20,000 requests against 1,000 + 10 permits.
    for (int i = 0; i < 20_000; i++) {
      if (limiter.tryAcquire("hot").isAllowed()) {
        allowed++;
      }
      clock.advance(Duration.ofNanos(500_000));
    }
    assertThat(allowed).isBetween(990L, 1_010L);
  }

  @ParameterizedTest
  @EnumSource(Call.class)
  void severalPermitsAreTakenAtOnce(Call call) {
    RateLimiter limiter = single(Algorithm.GCRA, RateLimit.perMinute(60));

    assertThat(call(limiter, call, "carol", 50).remaining()).isEqualTo(10);
    Decision rejected = call(limiter, call, "carol", 11);

    assertThat(rejected.isAllowed()).isFalse();
    assertThat(rejected.remaining()).isEqualTo(10);
    assertThat(rejected.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(call(limiter, call, "carol", 10).isAllowed()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void keysAreLimitedIndependently(Algorithm algorithm) {
    RateLimiter limiter = single(algorithm, RateLimit.perMinute(2));
    assertThat(limiter.tryAcquire("a", 2).isAllowed()).isTrue();
    assertThat(limiter.tryAcquire("a").isAllowed()).isFalse();
    assertThat(limiter.tryAcquire("b", 2).isAllowed()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(Call.class)
  void whenThePerUserLimitRejectsThePerIpAndGlobalLimitsAreNotConsumed(Call call) {
    RateLimiter limiter =
        limiter(
            config("checkout")
                .limit("user", RateLimit.perMinute(5))
                .limit("ip", RateLimit.perMinute(100))
                .limit("global", RateLimit.perSecond(10_000))
                .build());
    Keys alice = Keys.of("user", "alice", "ip", "10.0.0.1", "global", "checkout");
    for (int i = 0; i < 5; i++) {
      Decision decision = call(limiter, call, alice, 1);
      assertThat(decision.isAllowed()).isTrue();
      assertThat(decision.limitName()).isEqualTo("user");
    }
    for (int i = 0; i < 20; i++) {
      Decision rejected = call(limiter, call, alice, 1);
      assertThat(rejected.isAllowed()).isFalse();
      assertThat(rejected.limitName()).isEqualTo("user");
    }

    // Another user on the same IP sees what the 5 granted requests used, and nothing more.
    Decision bob =
        call(limiter, call, Keys.of("user", "bob", "ip", "10.0.0.1", "global", "checkout"), 5);
    assertThat(bob.isAllowed()).isTrue();
    assertThat(bob.limitName()).isEqualTo("user");
    RateLimiter ipOnly = limiter; // same state: probe the ip limit with a fresh user
    Decision probe =
        call(ipOnly, call, Keys.of("user", "carol", "ip", "10.0.0.1", "global", "checkout"), 1);
    assertThat(probe.isAllowed()).isTrue();
    // 5 (alice) + 5 (bob) + 1 (carol) taken from the ip limit; 20 rejections took nothing.
    Decision ip =
        call(limiter, call, Keys.of("user", "dave", "ip", "10.0.0.1", "global", "checkout"), 5);
    assertThat(ip.isAllowed()).isTrue();
    assertThat(ip.limitName()).isEqualTo("user");
    Decision viaIp =
        call(limiter, call, Keys.of("user", "erin", "ip", "10.0.0.1", "global", "other"), 1);
    assertThat(viaIp.isAllowed()).isTrue();
    // ip: 100 - 17 = 83 left; user erin: 4 left; global 'other': 9,999 left: user is reported.
    assertThat(viaIp.remaining()).isEqualTo(4);
    Decision ipReport =
        call(limiter, call, Keys.of("user", "frank", "ip", "10.0.0.1", "global", "x"), 5);
    assertThat(ipReport.isAllowed()).isTrue();
    // Prove the exact ip count by draining it: 100 - 17 - 5 = 78 remain.
    long drained = 0;
    for (int u = 0; u < 100; u++) {
      Decision d =
          call(limiter, call, Keys.of("user", "u" + u, "ip", "10.0.0.1", "global", "x"), 1);
      if (!d.isAllowed()) {
        assertThat(d.limitName()).isEqualTo("ip");
        break;
      }
      drained++;
    }
    assertThat(drained).isEqualTo(78);
  }

  @Test
  void aRejectionByTheGlobalLimitIsReportedAsSuchAndConsumesNoUserPermits() {
    RateLimiter limiter =
        limiter(
            config("global-first")
                .limit("user", RateLimit.perMinute(5))
                .limit("global", RateLimit.perMinute(3))
                .build());
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryAcquire(Keys.of("user", "u" + i, "global", "g")).isAllowed()).isTrue();
    }
    Decision rejected = limiter.tryAcquire(Keys.of("user", "zoe", "global", "g"));
    assertThat(rejected.isAllowed()).isFalse();
    assertThat(rejected.limitName()).isEqualTo("global");
    assertThat(rejected.retryAfter()).isEqualTo(Duration.ofSeconds(20));

    clock.advance(Duration.ofSeconds(20));
    Decision zoe = limiter.tryAcquire(Keys.of("user", "zoe", "global", "g"));
    assertThat(zoe.isAllowed()).isTrue();
    assertThat(zoe.limitName()).isEqualTo("global"); // 0 left globally, 4 for zoe
  }

  @Test
  void theSlidingWindowCanAdmitOneMoreThanTheRateOverTheIntervalPlusTheBurst() {
    // Windows of 60 s holding 5 permits each; the previous window's count is weighted by its
    // overlap and the estimate rounded down, which lets one permit more through.
    RateLimiter limiter = single(Algorithm.SLIDING_WINDOW, RateLimit.perMinute(5));
    alignTo(Duration.ofMinutes(1));
    clock.advance(Duration.ofSeconds(60).minusNanos(1_000)); // the last microsecond of a window
    int allowed = 0;
    for (int i = 0; i < 5; i++) {
      allowed += limiter.tryAcquire("k").isAllowed() ? 1 : 0;
    }
    clock.advance(Duration.ofNanos(2_000)); // 5 * (60 s - 1 us) / 60 s rounds down to 4
    allowed += limiter.tryAcquire("k").isAllowed() ? 1 : 0;
    clock.advance(Duration.ofSeconds(12)); // 5 * (48 s - 1 us) / 60 s + 1 rounds down to 4
    allowed += limiter.tryAcquire("k").isAllowed() ? 1 : 0;
    allowed += limiter.tryAcquire("k").isAllowed() ? 1 : 0;

    // Over 12 s + 2 us: 5 * 12.000002 / 60 + 5 = 6.0000002, plus one.
    assertThat(allowed).isEqualTo(7);
  }

  @Test
  void oneKeyForSeveralLimitsAppliesEveryWindow() {
    RateLimiter limiter =
        limiter(
            config("windows")
                .limit("second", RateLimit.perSecond(2))
                .limit("minute", RateLimit.perMinute(5))
                .build());
    int allowed = 0;
    for (int i = 0; i < 60; i++) {
      if (limiter.tryAcquire("user-1").isAllowed()) {
        allowed++;
      }
      clock.advance(Duration.ofMillis(250));
    }
    assertThat(allowed).isEqualTo(5 + 1); // 5 within 1.5 s, then one per 12 s at 5/min
  }

  @Test
  void badInputIsRejectedWithClearTypedErrors() {
    RateLimiter limiter =
        limiter(
            config("login")
                .limit("user", RateLimit.perMinute(5))
                .limit("ip", RateLimit.perMinute(100))
                .build());

    assertThatThrownBy(() -> limiter.tryAcquire(""))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("login")
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> limiter.tryAcquire("x".repeat(257)))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("at most 256 characters, but was 257")
        .hasMessageNotContaining("xxx");
    assertThatThrownBy(() -> limiter.tryAcquire("alice", 0))
        .isInstanceOf(InvalidPermitsException.class)
        .hasMessageContaining("permits must be greater than 0, but was 0");
    assertThatThrownBy(() -> limiter.tryAcquire("alice", -3))
        .isInstanceOf(InvalidPermitsException.class)
        .hasMessageContaining("but was -3");
    assertThatThrownBy(() -> limiter.tryAcquire("alice", 6))
        .isInstanceOf(InvalidPermitsException.class)
        .hasMessageContaining("burst of limit 'user' (5)")
        .hasMessageContaining("but was 6");
    assertThatThrownBy(() -> limiter.tryAcquire(Keys.of("user", "alice")))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("no key was given for limit 'ip'");
    assertThatThrownBy(() -> limiter.tryAcquire(Keys.of("user", "a", "ip", "b", "device", "c")))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("limit 'device', which this limiter does not have");
    assertThatThrownBy(() -> limiter.tryAcquire(Keys.of("user", "", "ip", "b")))
        .isInstanceOf(InvalidKeyException.class)
        .satisfies(e -> assertThat(((InvalidKeyException) e).limitName()).isEqualTo("user"));
    assertThatThrownBy(() -> limiter.tryAcquireAsync("", 1))
        .isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> limiter.tryAcquire((String) null, 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("key");
    // Nothing was consumed by the refused calls.
    assertThat(limiter.tryAcquire("alice", 5).isAllowed()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(Call.class)
  void keysWithAnyCharactersAreAcceptedAndKeptApart(Call call) {
    RateLimiter limiter = single(Algorithm.GCRA, RateLimit.perMinute(1));
    String[] keys = {"{tag}", "a}b", "ключ", "with space", "new\nline", "x".repeat(256), "*"};
    for (String key : keys) {
      assertThat(call(limiter, call, key, 1).isAllowed()).as(key).isTrue();
    }
    for (String key : keys) {
      assertThat(call(limiter, call, key, 1).isAllowed()).as(key).isFalse();
    }
  }

  @Test
  void aDecisionRendersTheRateLimitHeaders() {
    RateLimiter limiter =
        limiter(
            config("api")
                .limit("burst", RateLimit.perMinute(100).withBurst(10))
                .limit("daily", RateLimit.of(1_000, Duration.ofDays(1)))
                .build());
    for (int i = 0; i < 10; i++) {
      limiter.tryAcquire("k");
    }
    Decision rejected = limiter.tryAcquire("k");

    assertThat(rejected.headers())
        .containsEntry("RateLimit-Policy", "\"burst\";q=100;w=60, \"daily\";q=1000;w=86400")
        .containsEntry("RateLimit", "\"burst\";r=0;t=6")
        .containsEntry("Retry-After", "1");
  }
}
