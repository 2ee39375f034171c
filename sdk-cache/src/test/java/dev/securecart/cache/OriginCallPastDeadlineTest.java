package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.testing.FakeClock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An origin call that outlives its deadline keeps running (a thread cannot be stopped); the loads
 * of its key that come after it wait for that call instead of asking a struggling origin again.
 */
final class OriginCallPastDeadlineTest {

  private static final Duration DEADLINE = Duration.ofMillis(200);

  private final FakeClock clock = FakeClock.create();
  private final AtomicInteger calls = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);
  private final LayeredCache<String, String> cache =
      LayeredCache.<String, String>builder(
              "slow-origin",
              CachePolicy.builder().freshFor(Duration.ofMinutes(1)).originTimeout(DEADLINE).build())
          .loader(
              key -> {
                int call = calls.incrementAndGet();
                if (!release.await(30, TimeUnit.SECONDS)) {
                  throw new IllegalStateException("the test never released the origin");
                }
                return Loaded.of(key + ":" + call, Set.of("product:" + key));
              })
          .ticker(clock)
          .clock(clock)
          .build();

  @AfterEach
  void releaseAndClose() {
    release.countDown();
    cache.close();
  }

  @Test
  void aLoadAfterTheDeadlineWaitsForTheCallStillRunningInsteadOfCallingAgain() {
    timeOutTheFirstCall();

    CompletableFuture<String> next = cache.getAsync("p1");
    release.countDown();

    assertThat(next).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("p1:1");
    assertThat(calls.get()).isEqualTo(1);
    assertThat(cache.lookup("p1").status()).isEqualTo(CacheStatus.FRESH);
  }

  /**
   * The call began before an invalidation of its key, so its answer may predate the change the
   * invalidation announced: a load that waits for it must not cache it, even after the records of
   * invalidations were pruned (thousands of invalidations since), and asks the origin again.
   */
  @Test
  void aCallThatBeganBeforeAnInvalidationIsNotCachedByTheLoadThatWaitsForIt() {
    timeOutTheFirstCall();
    cache.invalidate("p1");
    for (int i = 0; i < 5_000; i++) {
      cache.invalidate("other-" + i);
    }

    CompletableFuture<String> next = cache.getAsync("p1");
    release.countDown();

    assertThat(next).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("p1:2");
    assertThat(calls.get()).isEqualTo(2);
  }

  /**
   * The same for a tag, which the call's answer brings: the load that waited for it learns only
   * then that the answer predates an invalidation, and must not hand it to its reader either, who
   * came after the invalidation; it asks the origin again.
   */
  @Test
  void aCallThatBeganBeforeATagInvalidationIsNotHandedToTheLoadThatWaitsForIt() {
    timeOutTheFirstCall();
    cache.invalidateTag("product:p1");

    CompletableFuture<String> next = cache.getAsync("p1");
    release.countDown();

    assertThat(next).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("p1:2");
    assertThat(calls.get()).isEqualTo(2);
  }

  /** A call still running after ten deadlines is presumed hung: the next load calls again. */
  @Test
  void aCallRunningForTenDeadlinesIsNoLongerWaitedFor() {
    timeOutTheFirstCall();
    clock.advance(DEADLINE.multipliedBy(10));

    CompletableFuture<String> next = cache.getAsync("p1");

    await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 2);
    release.countDown();
    assertThat(next).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("p1:2");
  }

  /** The first read of p1 reaches the origin, which does not answer before the deadline. */
  private void timeOutTheFirstCall() {
    CompletableFuture<String> first = cache.getAsync("p1");
    await().atMost(Duration.ofSeconds(10)).until(first::isDone);
    assertThat(first)
        .isCompletedExceptionally()
        .failsWithin(Duration.ZERO)
        .withThrowableThat()
        .withCauseInstanceOf(CacheLoadException.class);
    assertThat(calls.get()).isEqualTo(1);
  }
}
