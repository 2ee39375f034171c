package dev.securecart.core.idempotency;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.core.idempotency.BeginResult.Completed;
import dev.securecart.core.idempotency.BeginResult.InProgress;
import dev.securecart.core.idempotency.BeginResult.Mismatch;
import dev.securecart.core.idempotency.BeginResult.Started;
import dev.securecart.core.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of {@link IdempotencyStore}, one set of assertions for every implementation: extend
 * it, implement {@link #newStore} and {@link #storeOnAnotherNode}, and every {@code @Nested} group
 * below runs against the implementation. Time is a {@link FakeClock}; implementations must let the
 * test drive their leases and retention with it.
 */
public abstract class IdempotencyStoreContractTest {

  protected static final Duration LEASE = Duration.ofSeconds(30);
  protected static final Duration RETENTION = Duration.ofHours(24);

  protected static final RequestFingerprint CHARGE_10 =
      RequestFingerprint.sha256("POST /charges".getBytes(UTF_8), "amount=10".getBytes(UTF_8));
  protected static final RequestFingerprint CHARGE_99 =
      RequestFingerprint.sha256("POST /charges".getBytes(UTF_8), "amount=99".getBytes(UTF_8));
  protected static final StoredResponse CHARGED =
      StoredResponse.of(
          201,
          "{\"id\":\"ch_1\",\"status\":\"succeeded\"}".getBytes(UTF_8),
          Map.of("Content-Type", "application/json", "Gateway-Request-Id", "req_42"));
  protected static final StoredResponse DECLINED =
      StoredResponse.of(402, "{\"error\":\"card_declined\"}".getBytes(UTF_8));

  /** The time of every store a test makes; advance it instead of sleeping. */
  protected final FakeClock clock = FakeClock.create();

  private @Nullable IdempotencyStore store;

  /**
   * Creates a store over empty storage whose leases and retention follow {@link #clock}. Called at
   * most a few times per test; every store one test creates shares the same storage.
   */
  protected abstract IdempotencyStore newStore(Duration lease, Duration retention);

  /**
   * Returns a store on the storage of the stores this test made, as a second node of the same
   * service would open it (its own connection, where there is one). An in-process implementation
   * returns the store the test made.
   */
  protected abstract IdempotencyStore storeOnAnotherNode(Duration lease, Duration retention);

  /** This test's store, with {@link #LEASE} and {@link #RETENTION}. */
  protected final IdempotencyStore store() {
    IdempotencyStore current = store;
    if (current == null) {
      current = newStore(LEASE, RETENTION);
      store = current;
    }
    return current;
  }

  /** A second node on this test's storage, with {@link #LEASE} and {@link #RETENTION}. */
  protected final IdempotencyStore otherNode() {
    store();
    return storeOnAnotherNode(LEASE, RETENTION);
  }

  protected static IdempotencyKey key(String value) {
    return IdempotencyKey.of(value);
  }

  protected static Started started(BeginResult result) {
    assertThat(result).isInstanceOf(Started.class);
    return (Started) result;
  }

  @Nested
  @DisplayName("begin")
  class Begin {

    @Test
    @DisplayName("a new key starts, with a fresh owner token")
    void aNewKeyStartsWithAFreshOwnerToken() {
      Started first = started(store().begin(key("order-1"), CHARGE_10));
      Started second = started(store().begin(key("order-2"), CHARGE_10));

      assertThat(first.takeover()).isFalse();
      assertThat(second.takeover()).isFalse();
      assertThat(first.token()).isNotEqualTo(second.token());
    }

    @Test
    @DisplayName("a second begin while the first runs reports in progress, with the lease left")
    void aSecondBeginWhileTheFirstRunsReportsInProgress() {
      store().begin(key("order-1"), CHARGE_10);
      clock.advance(Duration.ofSeconds(10));

      assertThat(store().begin(key("order-1"), CHARGE_10))
          .isEqualTo(new InProgress(Duration.ofSeconds(20)));
      assertThat(otherNode().begin(key("order-1"), CHARGE_10))
          .isEqualTo(new InProgress(Duration.ofSeconds(20)));
    }

    @Test
    @DisplayName("a completed key replays its response: status, body and metadata")
    void aCompletedKeyReplaysItsResponse() {
      Started started = started(store().begin(key("order-1"), CHARGE_10));
      store().complete(key("order-1"), started.token(), CHARGED);

      BeginResult retry = otherNode().begin(key("order-1"), CHARGE_10);

      assertThat(retry).isEqualTo(new Completed(CHARGED));
      StoredResponse replayed = ((Completed) retry).response();
      assertThat(replayed.status()).isEqualTo(201);
      assertThat(new String(replayed.body(), UTF_8)).contains("ch_1");
      assertThat(replayed.metadata()).containsEntry("Content-Type", "application/json");
    }

    @Test
    @DisplayName("a different fingerprint under a key in progress is a mismatch")
    void aDifferentFingerprintUnderAKeyInProgressIsAMismatch() {
      store().begin(key("order-1"), CHARGE_10);

      assertThat(store().begin(key("order-1"), CHARGE_99)).isEqualTo(new Mismatch());
    }

    @Test
    @DisplayName("a different fingerprint under a completed key is a mismatch, not a replay")
    void aDifferentFingerprintUnderACompletedKeyIsAMismatch() {
      Started started = started(store().begin(key("order-1"), CHARGE_10));
      store().complete(key("order-1"), started.token(), CHARGED);

      assertThat(store().begin(key("order-1"), CHARGE_99)).isEqualTo(new Mismatch());
      assertThat(store().begin(key("order-1"), CHARGE_10)).isEqualTo(new Completed(CHARGED));
    }

    @Test
    @DisplayName("keys are independent, and case-sensitive")
    void keysAreIndependentAndCaseSensitive() {
      started(store().begin(key("order-1"), CHARGE_10));

      started(store().begin(key("ORDER-1"), CHARGE_10));
      started(store().begin(key("order-2"), CHARGE_99));
    }

    @Test
    @DisplayName("a key made of every printable character, braces included, works like any other")
    void aKeyOfEveryPrintableCharacterWorks() {
      StringBuilder all = new StringBuilder();
      for (char c = ' '; c <= '~'; c++) {
        all.append(c);
      }
      IdempotencyKey odd = key(all.toString());
      IdempotencyKey braces = key("}{");

      Started started = started(store().begin(odd, CHARGE_10));
      started(store().begin(braces, CHARGE_10));
      assertThat(store().complete(odd, started.token(), CHARGED)).isTrue();

      assertThat(store().begin(odd, CHARGE_10)).isEqualTo(new Completed(CHARGED));
      assertThat(store().begin(braces, CHARGE_10)).isInstanceOf(InProgress.class);
    }

    @Test
    @DisplayName("an empty body and a large binary body are replayed byte for byte")
    void emptyAndLargeBinaryBodiesAreReplayedExactly() {
      byte[] binary = new byte[256 * 1024];
      for (int i = 0; i < binary.length; i++) {
        binary[i] = (byte) (i * 31 + (i >>> 8));
      }
      StoredResponse empty = StoredResponse.of(204);
      StoredResponse large = StoredResponse.of(200, binary, Map.of("Content-Type", "image/png"));

      Started first = started(store().begin(key("empty"), CHARGE_10));
      Started second = started(store().begin(key("large"), CHARGE_10));
      store().complete(key("empty"), first.token(), empty);
      store().complete(key("large"), second.token(), large);

      assertThat(store().begin(key("empty"), CHARGE_10)).isEqualTo(new Completed(empty));
      BeginResult replay = store().begin(key("large"), CHARGE_10);
      assertThat(((Completed) replay).response().body()).isEqualTo(binary);
    }
  }

  @Nested
  @DisplayName("begin with the caller's token")
  class BeginWithToken {

    @Test
    @DisplayName(
        "a begin with the token of the claim in progress gets it back: no takeover, a fresh lease")
    void aBeginWithTheTokenOfTheClaimInProgressGetsItBack() {
      LeaseToken mine = LeaseToken.random();
      assertThat(store().begin(key("order-1"), CHARGE_10, mine))
          .isEqualTo(new Started(mine, false));
      clock.advance(Duration.ofSeconds(10));

      assertThat(otherNode().begin(key("order-1"), CHARGE_10))
          .isEqualTo(new InProgress(Duration.ofSeconds(20)));
      assertThat(otherNode().begin(key("order-1"), CHARGE_10, LeaseToken.random()))
          .isEqualTo(new InProgress(Duration.ofSeconds(20)));
      assertThat(otherNode().begin(key("order-1"), CHARGE_10, mine))
          .isEqualTo(new Started(mine, false));
      assertThat(store().begin(key("order-1"), CHARGE_10)).isEqualTo(new InProgress(LEASE));
      assertThat(store().complete(key("order-1"), mine, CHARGED)).isTrue();
    }

    @Test
    @DisplayName("the caller's own claim is handed back even after its lease ran out")
    void theCallersOwnClaimIsHandedBackAfterItsLease() {
      LeaseToken mine = LeaseToken.random();
      store().begin(key("order-1"), CHARGE_10, mine);
      clock.advance(LEASE.plusSeconds(5));

      assertThat(store().begin(key("order-1"), CHARGE_10, mine))
          .isEqualTo(new Started(mine, false));
    }

    @Test
    @DisplayName("a token neither overrides a mismatch nor reopens the key it completed")
    void aTokenNeitherOverridesAMismatchNorReopensACompletedKey() {
      LeaseToken mine = LeaseToken.random();
      store().begin(key("order-1"), CHARGE_10, mine);

      assertThat(store().begin(key("order-1"), CHARGE_99, mine)).isEqualTo(new Mismatch());
      assertThat(store().complete(key("order-1"), mine, CHARGED)).isTrue();
      assertThat(store().begin(key("order-1"), CHARGE_10, mine)).isEqualTo(new Completed(CHARGED));
    }

    @Test
    @DisplayName("another request's expired claim is taken over under the caller's token")
    void anotherRequestsExpiredClaimIsTakenOverUnderTheCallersToken() {
      store().begin(key("order-1"), CHARGE_10);
      clock.advance(LEASE);
      LeaseToken mine = LeaseToken.random();

      assertThat(otherNode().begin(key("order-1"), CHARGE_10, mine))
          .isEqualTo(new Started(mine, true));
      assertThat(store().begin(key("order-2"), CHARGE_10, mine))
          .isEqualTo(new Started(mine, false));
    }

    @Test
    @DisplayName("a takeover handed back to its own token is still reported as a takeover")
    void aTakeoverHandedBackToItsOwnTokenIsStillATakeover() {
      store().begin(key("order-1"), CHARGE_10);
      clock.advance(LEASE);
      LeaseToken mine = LeaseToken.random();
      assertThat(otherNode().begin(key("order-1"), CHARGE_10, mine))
          .isEqualTo(new Started(mine, true));

      // The reply was lost, so the caller asks again with the token it tried: the earlier
      // request may still have charged, and the caller must still be told to ask the gateway.
      assertThat(otherNode().begin(key("order-1"), CHARGE_10, mine))
          .isEqualTo(new Started(mine, true));
      clock.advance(LEASE.plusSeconds(1));
      assertThat(store().begin(key("order-1"), CHARGE_10, mine)).isEqualTo(new Started(mine, true));
    }
  }

  @Nested
  @DisplayName("complete")
  class Complete {

    @Test
    @DisplayName("only the owner's token completes a key")
    void onlyTheOwnersTokenCompletesAKey() {
      started(store().begin(key("order-1"), CHARGE_10));

      assertThat(store().complete(key("order-1"), LeaseToken.random(), CHARGED)).isFalse();
      assertThat(store().begin(key("order-1"), CHARGE_10)).isInstanceOf(InProgress.class);
    }

    @Test
    @DisplayName("completing twice with the same token succeeds and keeps the first response")
    void completingTwiceKeepsTheFirstResponse() {
      Started started = started(store().begin(key("order-1"), CHARGE_10));

      assertThat(store().complete(key("order-1"), started.token(), CHARGED)).isTrue();
      assertThat(store().complete(key("order-1"), started.token(), DECLINED)).isTrue();

      assertThat(store().begin(key("order-1"), CHARGE_10)).isEqualTo(new Completed(CHARGED));
    }

    @Test
    @DisplayName("completing a key nobody began does nothing")
    void completingAKeyNobodyBeganDoesNothing() {
      assertThat(store().complete(key("order-1"), LeaseToken.random(), CHARGED)).isFalse();

      assertThat(started(store().begin(key("order-1"), CHARGE_10)).takeover()).isFalse();
    }

    @Test
    @DisplayName("an owner whose lease ran out may still complete while nobody took over")
    void anOwnerWhoseLeaseRanOutMayCompleteWhileNobodyTookOver() {
      Started started = started(store().begin(key("order-1"), CHARGE_10));
      clock.advance(LEASE.plusSeconds(5));

      assertThat(store().complete(key("order-1"), started.token(), CHARGED)).isTrue();
      assertThat(store().begin(key("order-1"), CHARGE_10)).isEqualTo(new Completed(CHARGED));
    }

    @Test
    @DisplayName("a late owner cannot overwrite the result of the request that took over")
    void aLateOwnerCannotOverwriteTheRequestThatTookOver() {
      Started late = started(store().begin(key("order-1"), CHARGE_10));
      clock.advance(LEASE.plusMillis(1));
      Started takeover = started(otherNode().begin(key("order-1"), CHARGE_10));
      assertThat(takeover.takeover()).isTrue();

      assertThat(store().complete(key("order-1"), late.token(), DECLINED)).isFalse();
      assertThat(store().begin(key("order-1"), CHARGE_10)).isInstanceOf(InProgress.class);
      assertThat(otherNode().complete(key("order-1"), takeover.token(), CHARGED)).isTrue();
      assertThat(store().complete(key("order-1"), late.token(), DECLINED)).isFalse();

      assertThat(store().begin(key("order-1"), CHARGE_10)).isEqualTo(new Completed(CHARGED));
    }
  }

  @Nested
  @DisplayName("release")
  class Release {

    @Test
    @DisplayName("a released key starts again at once, even for another fingerprint")
    void aReleasedKeyStartsAgainAtOnce() {
      Started started = started(store().begin(key("order-1"), CHARGE_10));

      assertThat(store().release(key("order-1"), started.token())).isTrue();

      Started again = started(otherNode().begin(key("order-1"), CHARGE_99));
      assertThat(again.takeover()).isFalse();
      assertThat(again.token()).isNotEqualTo(started.token());
    }

    @Test
    @DisplayName("only the owner's token releases a key, and only once")
    void onlyTheOwnersTokenReleasesAKeyOnce() {
      Started started = started(store().begin(key("order-1"), CHARGE_10));

      assertThat(store().release(key("order-1"), LeaseToken.random())).isFalse();
      assertThat(store().begin(key("order-1"), CHARGE_10)).isInstanceOf(InProgress.class);
      assertThat(store().release(key("order-1"), started.token())).isTrue();
      assertThat(store().release(key("order-1"), started.token())).isFalse();
    }

    @Test
    @DisplayName("a completed key cannot be released")
    void aCompletedKeyCannotBeReleased() {
      Started started = started(store().begin(key("order-1"), CHARGE_10));
      store().complete(key("order-1"), started.token(), CHARGED);

      assertThat(store().release(key("order-1"), started.token())).isFalse();
      assertThat(store().begin(key("order-1"), CHARGE_10)).isEqualTo(new Completed(CHARGED));
    }

    @Test
    @DisplayName("a late owner cannot release the request that took over")
    void aLateOwnerCannotReleaseTheRequestThatTookOver() {
      Started late = started(store().begin(key("order-1"), CHARGE_10));
      clock.advance(LEASE.plusMillis(1));
      started(otherNode().begin(key("order-1"), CHARGE_10));

      assertThat(store().release(key("order-1"), late.token())).isFalse();
      assertThat(store().begin(key("order-1"), CHARGE_10)).isEqualTo(new InProgress(LEASE));
    }

    @Test
    @DisplayName("a released takeover leaves the key to be taken over again, not started afresh")
    void aReleasedTakeoverLeavesTheKeyToBeTakenOverAgain() {
      store().begin(key("order-1"), CHARGE_10);
      clock.advance(LEASE);
      Started takeover = started(otherNode().begin(key("order-1"), CHARGE_10));
      assertThat(takeover.takeover()).isTrue();

      // The takeover's own attempt failed safely, but the request before it may have acted.
      assertThat(otherNode().release(key("order-1"), takeover.token())).isTrue();
      assertThat(otherNode().release(key("order-1"), takeover.token())).isFalse();

      assertThat(store().begin(key("order-1"), CHARGE_99)).isEqualTo(new Mismatch());
      Started next = started(store().begin(key("order-1"), CHARGE_10));
      assertThat(next.takeover()).isTrue();
      assertThat(store().begin(key("order-1"), CHARGE_10)).isEqualTo(new InProgress(LEASE));
      assertThat(store().complete(key("order-1"), takeover.token(), CHARGED)).isFalse();
      assertThat(store().complete(key("order-1"), next.token(), CHARGED)).isTrue();
      assertThat(otherNode().begin(key("order-1"), CHARGE_10)).isEqualTo(new Completed(CHARGED));
    }
  }

  @Nested
  @DisplayName("leases")
  class Leases {

    @Test
    @DisplayName("a crashed owner's key is taken over when its lease ends, and not a moment before")
    void aCrashedOwnersKeyIsTakenOverWhenItsLeaseEnds() {
      Started crashed = started(store().begin(key("order-1"), CHARGE_10));
      clock.advance(LEASE.minusMillis(1));

      assertThat(otherNode().begin(key("order-1"), CHARGE_10))
          .isEqualTo(new InProgress(Duration.ofMillis(1)));

      clock.advanceMillis(1);
      Started takeover = started(otherNode().begin(key("order-1"), CHARGE_10));
      assertThat(takeover.takeover()).isTrue();
      assertThat(takeover.token()).isNotEqualTo(crashed.token());
    }

    @Test
    @DisplayName("a takeover holds a full new lease")
    void aTakeoverHoldsAFullNewLease() {
      store().begin(key("order-1"), CHARGE_10);
      clock.advance(LEASE);
      started(store().begin(key("order-1"), CHARGE_10));
      clock.advance(LEASE.minusSeconds(1));

      assertThat(otherNode().begin(key("order-1"), CHARGE_10))
          .isEqualTo(new InProgress(Duration.ofSeconds(1)));
    }

    @Test
    @DisplayName("another fingerprint cannot take over an expired lease")
    void anotherFingerprintCannotTakeOverAnExpiredLease() {
      store().begin(key("order-1"), CHARGE_10);
      clock.advance(LEASE.multipliedBy(2));

      assertThat(store().begin(key("order-1"), CHARGE_99)).isEqualTo(new Mismatch());
    }

    @Test
    @DisplayName("the lease is the store's setting")
    void theLeaseIsTheStoresSetting() {
      IdempotencyStore shortLease = newStore(Duration.ofSeconds(2), RETENTION);
      shortLease.begin(key("order-1"), CHARGE_10);

      assertThat(shortLease.begin(key("order-1"), CHARGE_10))
          .isEqualTo(new InProgress(Duration.ofSeconds(2)));
      clock.advance(Duration.ofSeconds(2));
      assertThat(started(shortLease.begin(key("order-1"), CHARGE_10)).takeover()).isTrue();
    }
  }

  @Nested
  @DisplayName("retention")
  class Retention {

    @Test
    @DisplayName("a response is replayed until the retention ends, then the key is new again")
    void aResponseIsReplayedUntilTheRetentionEnds() {
      Started started = started(store().begin(key("order-1"), CHARGE_10));
      store().complete(key("order-1"), started.token(), CHARGED);
      clock.advance(RETENTION.minusMillis(1));

      assertThat(otherNode().begin(key("order-1"), CHARGE_10)).isEqualTo(new Completed(CHARGED));

      clock.advanceMillis(1);
      Started again = started(otherNode().begin(key("order-1"), CHARGE_99));
      assertThat(again.takeover()).isFalse();
    }

    @Test
    @DisplayName("retention counts from completion, not from begin")
    void retentionCountsFromCompletion() {
      Started started = started(store().begin(key("order-1"), CHARGE_10));
      clock.advance(Duration.ofSeconds(20));
      store().complete(key("order-1"), started.token(), CHARGED);
      clock.advance(RETENTION.minusMillis(1));

      assertThat(store().begin(key("order-1"), CHARGE_10)).isEqualTo(new Completed(CHARGED));
    }

    @Test
    @DisplayName(
        "an abandoned key is forgotten a retention after its lease, and its owner can no longer"
            + " complete it")
    void anAbandonedKeyIsForgottenAfterTheRetention() {
      Started abandoned = started(store().begin(key("order-1"), CHARGE_10));
      clock.advance(LEASE.plus(RETENTION));

      assertThat(store().complete(key("order-1"), abandoned.token(), CHARGED)).isFalse();
      assertThat(store().release(key("order-1"), abandoned.token())).isFalse();
      Started fresh = started(store().begin(key("order-1"), CHARGE_99));
      assertThat(fresh.takeover()).isFalse();
    }

    @Test
    @DisplayName(
        "an abandoned key is taken over, not started afresh, for a whole retention after its lease,"
            + " even a retention as short as the lease")
    void anAbandonedKeyIsTakenOverForAWholeRetentionAfterItsLease() {
      IdempotencyStore shortRetention = newStore(LEASE, LEASE);
      started(shortRetention.begin(key("order-1"), CHARGE_10));
      clock.advance(LEASE.plus(LEASE).minusMillis(1));

      // The owner may have charged: the next request must ask the provider before charging again.
      assertThat(started(shortRetention.begin(key("order-1"), CHARGE_10)).takeover()).isTrue();
    }
  }

  @Nested
  @DisplayName("concurrency")
  class Concurrency {

    @Test
    @Timeout(120)
    @DisplayName(
        "64 threads beginning one key: exactly one starts, all others see it in progress or its response")
    void sixtyFourThreadsBeginningOneKeyStartItOnce() throws Exception {
      IdempotencyStore[] nodes = {store(), otherNode()};
      IdempotencyKey key = key("checkout-7");
      int threads = 64;
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<BeginResult>> futures = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          IdempotencyStore node = nodes[i % 2];
          futures.add(
              pool.submit(
                  () -> {
                    ready.countDown();
                    go.await();
                    BeginResult result = node.begin(key, CHARGE_10);
                    if (result instanceof Started started) {
                      assertThat(node.complete(key, started.token(), CHARGED)).isTrue();
                    }
                    return result;
                  }));
        }
        assertThat(ready.await(60, TimeUnit.SECONDS)).isTrue();
        go.countDown();
        List<BeginResult> results = new ArrayList<>();
        for (Future<BeginResult> future : futures) {
          results.add(future.get(60, TimeUnit.SECONDS));
        }

        assertThat(results).filteredOn(Started.class::isInstance).hasSize(1);
        assertThat(results)
            .filteredOn(r -> !(r instanceof Started))
            .hasSize(threads - 1)
            .allSatisfy(
                r ->
                    assertThat(r)
                        .satisfiesAnyOf(
                            x -> assertThat(x).isInstanceOf(InProgress.class),
                            x -> assertThat(x).isEqualTo(new Completed(CHARGED))));
        assertThat(nodes[1].begin(key, CHARGE_10)).isEqualTo(new Completed(CHARGED));
      } finally {
        pool.shutdownNow();
      }
    }

    @Test
    @Timeout(300)
    @DisplayName(
        "10,000 keys begun by 4 threads on 2 nodes, each in its own order: no key starts twice")
    void tenThousandKeysFromFourThreadsOnTwoNodesStartOnceEach() throws Exception {
      IdempotencyStore[] nodes = {store(), otherNode()};
      List<IdempotencyKey> keys =
          IntStream.range(0, 10_000).mapToObj(i -> key("order-" + i)).toList();
      Map<IdempotencyKey, AtomicInteger> starts = new ConcurrentHashMap<>();
      AtomicInteger others = new AtomicInteger();
      int threads = 4;
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          IdempotencyStore node = nodes[t % 2];
          List<IdempotencyKey> order = new ArrayList<>(keys);
          Collections.shuffle(order, new Random(t));
          futures.add(
              pool.submit(
                  () -> {
                    go.await();
                    for (IdempotencyKey key : order) {
                      BeginResult result = node.begin(key, CHARGE_10);
                      if (result instanceof Started started) {
                        starts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                        if (key.value().hashCode() % 2 == 0) {
                          node.complete(key, started.token(), CHARGED);
                        }
                      } else {
                        assertThat(result).isInstanceOfAny(InProgress.class, Completed.class);
                        others.incrementAndGet();
                      }
                    }
                    return null;
                  }));
        }
        go.countDown();
        for (Future<?> future : futures) {
          future.get(240, TimeUnit.SECONDS);
        }

        assertThat(starts).hasSize(keys.size());
        assertThat(starts.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
        assertThat(others.get()).isEqualTo((threads - 1) * keys.size());
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
