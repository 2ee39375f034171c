package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.securecart.cache.internal.LayeredCacheImpl;
import dev.securecart.core.testing.BlockedJdkDelayThread;
import dev.securecart.core.testing.FakeClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An origin call that outlives its deadline keeps running (a thread cannot be stopped); the loads
 * of its key that come after it wait for that call instead of asking a struggling origin again. The
 * origin here is an {@link AsyncCacheLoader} whose answers the test gives, on the test's own thread
 * a few lines after the read, well within the deadline; only the first call is meant to miss it.
 */
final class OriginCallPastDeadlineTest {

  /** Long enough that a busy machine never stalls the test thread past it between two lines. */
  private static final Duration DEADLINE = Duration.ofSeconds(1);

  private final FakeClock clock = FakeClock.create();
  private final List<CompletableFuture<Loaded<String>>> calls = new CopyOnWriteArrayList<>();
  private final CacheStore store = CacheStore.inMemory(clock);
  private final RecordingStats stats = new RecordingStats();
  private final LayeredCache<String, String> cache = build(null);

  private LayeredCache<String, String> build(@Nullable CacheStore l2) {
    LayeredCache.Builder<String, String> builder =
        LayeredCache.<String, String>builder(
                "slow-origin",
                CachePolicy.builder()
                    .freshFor(Duration.ofSeconds(1))
                    .staleWhileRevalidate(Duration.ofMinutes(10))
                    .originTimeout(DEADLINE)
                    .build())
            .asyncLoader(
                (key, executor) -> {
                  CompletableFuture<Loaded<String>> call = new CompletableFuture<>();
                  calls.add(call);
                  return call;
                })
            .ticker(clock)
            .clock(clock)
            .statsCounter(name -> stats);
    return l2 == null ? builder.build() : builder.sharedStore(l2, Codec.utf8()).build();
  }

  @AfterEach
  void close() {
    calls.forEach(call -> call.cancel(false));
    cache.close();
  }

  /**
   * The deadline is the SDK's own: application code that blocks the JDK's one delay thread (which
   * every {@code orTimeout} in the JVM shares) does not hold a read past it.
   */
  @Test
  void theDeadlineHoldsWhileTheJdksDelayThreadIsBlocked() {
    try (BlockedJdkDelayThread blocked = BlockedJdkDelayThread.block()) {
      CompletableFuture<String> first = cache.getAsync("p1");
      assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS))
          .as("failed at its 1 s deadline, while the JDK's delay thread is blocked for 30")
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(CacheLoadException.class);
    }
  }

  @Test
  void aLoadAfterTheDeadlineWaitsForTheCallStillRunningInsteadOfCallingAgain() {
    timeOutTheFirstCall(cache);

    CompletableFuture<String> next = cache.getAsync("p1");
    assertThat(calls).hasSize(1);
    answer(0);

    assertThat(next).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("p1:1");
    assertThat(cache.lookup("p1").status()).isEqualTo(CacheStatus.FRESH);
  }

  /**
   * The load that waited for the call reports the call's duration: what the load-time metric and
   * early refresh weigh is how long the origin took, not how long the last reader waited.
   */
  @Test
  void aLoadThatWaitedForTheCallReportsHowLongTheOriginTook() {
    timeOutTheFirstCall(cache);
    clock.advance(Duration.ofSeconds(3));

    CompletableFuture<String> next = cache.getAsync("p1");
    clock.advance(Duration.ofSeconds(2));
    answer(0);

    assertThat(next).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("p1:1");
    assertThat(stats.lastLoadNanos(CacheStatsCounter.LoadResult.SUCCESS))
        .isEqualTo(Duration.ofSeconds(5).toNanos());
  }

  /**
   * The call began before an invalidation of its key, so its answer is known to be out of date: the
   * next load asks the origin again, and the old answer, when it comes, is not cached, although
   * thousands of invalidations since have made the cache prune its records (those newer than the
   * call's start must stay).
   */
  @Test
  void aCallThatBeganBeforeAnInvalidationOfItsKeyIsNotWaitedForNorCached() {
    timeOutTheFirstCall(cache);
    cache.invalidate("p1");
    for (int i = 0; i < 5_000; i++) {
      cache.invalidate("other-" + i);
    }

    assertThat(readAnswering(cache, 1)).isEqualTo("p1:2");

    answer(0);
    assertThat(cache.get("p1")).isEqualTo("p1:2");
  }

  /**
   * The same for a tag, which only the call's answer brings: the load that waited for it learns
   * then that the answer predates an invalidation, and must not hand it to its reader, who came
   * after the invalidation; it asks the origin again.
   */
  @Test
  void aCallThatBeganBeforeATagInvalidationIsNotHandedToTheLoadThatWaitsForIt() {
    timeOutTheFirstCall(cache);
    cache.invalidateTag("product:p1");

    CompletableFuture<String> next = cache.getAsync("p1");
    assertThat(calls).hasSize(1);
    answer(0);
    assertThat(calls).hasSize(2);
    answer(1);

    assertThat(next).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("p1:2");
  }

  /**
   * Another node invalidated the key in L2 after the call began, and its message has not arrived:
   * the load that waits for the call writes the answer to L2 as of the L2 read before the call, so
   * L2 refuses it rather than serving it to every node.
   */
  @Test
  void theAnswerOfACallWaitedForIsWrittenToL2AsOfTheReadBeforeTheCall() {
    try (LayeredCache<String, String> node = build(store)) {
      timeOutTheFirstCall(node);
      store.invalidateKey("slow-origin", "p1", Duration.ofHours(1)).join();

      CompletableFuture<String> next = node.getAsync("p1");
      assertThat(calls).hasSize(1);
      answer(0);

      assertThat(next)
          .succeedsWithin(Duration.ofSeconds(10))
          .isEqualTo("p1:1"); // this node has not heard of it yet
      assertThat(store.read("slow-origin", "p1").join().entry()).isEmpty();
    }
  }

  /**
   * Another node loaded the key after the call began and wrote it to L2 (no invalidation: nothing
   * tells this node). A load here that finds that copy, stale, must not wait for the older call,
   * whose answer would replace the newer copy in L1 and L2: it calls the origin again.
   */
  @Test
  void aLoadThatSawACopyNewerThanTheCallDoesNotWaitForIt() {
    try (LayeredCache<String, String> node = build(store);
        LayeredCache<String, String> otherNode = build(store)) {
      timeOutTheFirstCall(node);
      clock.advance(Duration.ofSeconds(1));
      assertThat(readAnswering(otherNode, 1)).isEqualTo("p1:2");
      clock.advance(Duration.ofMillis(1_500)); // that copy is now stale, within its window

      CompletableFuture<String> next = node.getAsync("p1");
      assertThat(next).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("p1:2");
      assertThat(calls).as("a call of its own").hasSize(3);
      answer(2);
      answer(0);

      assertThat(inL2()).isEqualTo("p1:3");
    }
  }

  /**
   * The call's flight could not read L2 (it was failing), so its answer would not be written there;
   * a later load that did read L2 calls the origin itself, so that the answer reaches L2 for the
   * other nodes.
   */
  @Test
  void aLoadThatReadL2DoesNotWaitForACallWhoseAnswerWouldNotBeWrittenThere() {
    ControlledStore flaky = new ControlledStore(store);
    try (LayeredCache<String, String> node = build(flaky)) {
      flaky.failNextRead();
      timeOutTheFirstCall(node);
      clock.advance(LayeredCache.Builder.DEFAULT_L2_RETRY_INTERVAL.plusMillis(1));

      assertThat(readAnswering(node, 1)).isEqualTo("p1:2");
      assertThat(inL2()).isEqualTo("p1:2");
    }
  }

  private String inL2() {
    return store
        .read("slow-origin", "p1")
        .join()
        .entry()
        .map(entry -> new String(entry.value(), StandardCharsets.UTF_8))
        .orElse("nothing");
  }

  /**
   * Only a call whose flight gave up on it is waited for. Here the flight refreshing a stale copy
   * from L2 (its readers already answered with it) still waits for its call when a tag invalidation
   * overtakes it: its answer would be refused, so the load that replaces the flight calls the
   * origin itself rather than wait for that answer and then call anyway.
   */
  @Test
  void aCallWhoseFlightStillWaitsIsNotWaitedForByTheFlightThatReplacedIt() {
    try (LayeredCache<String, String> node = build(store);
        LayeredCache<String, String> otherNode = build(store)) {
      otherNode.put("p1", "p1:0", Set.of("product:p1"));
      clock.advance(Duration.ofSeconds(2)); // stale, within its window
      CompletableFuture<String> stale = node.getAsync("p1");
      assertThat(stale).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("p1:0");
      assertThat(calls).as("the refresh").hasSize(1);
      node.invalidateTag("product:p1");

      assertThat(readAnswering(node, 1)).isEqualTo("p1:2");
    }
  }

  /**
   * A flight that an invalidation replaced while it waited for its call does not hand that call on
   * when it gives up: the flight that replaced it was started because the answer would be refused,
   * so it calls the origin itself. (Its L2 read is held until the replaced flight has given up.)
   */
  @Test
  void aReplacedFlightDoesNotHandItsCallOn() throws Exception {
    ControlledStore held = new ControlledStore(store);
    try (LayeredCache<String, String> node = build(held);
        LayeredCache<String, String> otherNode = build(store)) {
      otherNode.put("p1", "p1:0", Set.of("product:p1"));
      clock.advance(Duration.ofSeconds(2)); // stale, within its window
      assertThat(node.getAsync("p1")).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("p1:0");
      assertThat(calls).as("the refresh").hasSize(1);
      node.invalidateTag("product:p1");

      held.holdNextRead();
      CompletableFuture<String> next = node.getAsync("p1");
      held.awaitReadHeld();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ((LayeredCacheImpl<?, ?>) node).flightsInProgress() == 1);
      held.releaseRead();

      await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == 2);
      answer(1);
      assertThat(next).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("p1:2");
    }
  }

  /** A call still running after ten deadlines is presumed hung: the next load calls again. */
  @Test
  void aCallRunningForTenDeadlinesIsNoLongerWaitedFor() {
    timeOutTheFirstCall(cache);
    clock.advance(DEADLINE.multipliedBy(10));

    assertThat(readAnswering(cache, 1)).isEqualTo("p1:2");
  }

  /** Nor does a hung call keep every invalidation record from being pruned once given up on. */
  @Test
  void aHungCallGivenUpOnDoesNotKeepInvalidationRecords() {
    timeOutTheFirstCall(cache);
    clock.advance(DEADLINE.multipliedBy(10));
    for (int i = 0; i < 5_000; i++) {
      cache.invalidate("other-" + i);
    }

    assertThat(((LayeredCacheImpl<?, ?>) cache).invalidationRecords()).isLessThan(2_500);
  }

  /**
   * A loader that throws an {@code Error} leaves no call behind: none to wait for, and none holding
   * back the pruning of invalidation records.
   */
  @Test
  void aLoaderThatThrowsAnErrorLeavesNoCallBehind() {
    try (LayeredCache<String, String> broken =
        LayeredCache.<String, String>builder(
                "broken-origin", CachePolicy.builder().freshFor(Duration.ofSeconds(1)).build())
            .asyncLoader(
                (key, executor) -> {
                  throw new AssertionError("a loader with a bug");
                })
            .ticker(clock)
            .clock(clock)
            .build()) {
      assertThat(broken.getAsync("p1")).failsWithin(Duration.ofSeconds(10));
      for (int i = 0; i < 5_000; i++) {
        broken.invalidate("other-" + i);
      }

      assertThat(((LayeredCacheImpl<?, ?>) broken).invalidationRecords()).isLessThan(2_500);
    }
  }

  /** The first read of p1 reaches the origin, which does not answer before the deadline. */
  private void timeOutTheFirstCall(LayeredCache<String, String> target) {
    CompletableFuture<String> first = target.getAsync("p1");
    assertThat(calls).hasSize(1);
    await().atMost(Duration.ofSeconds(10)).until(first::isDone);
    assertThat(first)
        .isCompletedExceptionally()
        .failsWithin(Duration.ZERO)
        .withThrowableThat()
        .withCauseInstanceOf(CacheLoadException.class);
  }

  /**
   * Reads p1 on {@code target}, which must call the origin itself (call number {@code index}, from
   * 0), answers that call, and returns what the read got.
   */
  private String readAnswering(LayeredCache<String, String> target, int index) {
    CompletableFuture<String> read = target.getAsync("p1");
    assertThat(calls).as("a call of its own").hasSize(index + 1);
    answer(index);
    return assertThat(read).succeedsWithin(Duration.ofSeconds(10)).actual();
  }

  /** The origin answers its call number {@code index} (from 0) with {@code p1:<index + 1>}. */
  private void answer(int index) {
    calls.get(index).complete(Loaded.of("p1:" + (index + 1), Set.of("product:p1")));
  }
}
