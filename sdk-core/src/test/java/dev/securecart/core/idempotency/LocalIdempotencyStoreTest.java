package dev.securecart.core.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The in-process store against the contract, plus what is particular to it. */
final class LocalIdempotencyStoreTest extends IdempotencyStoreContractTest {

  private @Nullable IdempotencyStore made;

  @Override
  protected IdempotencyStore newStore(Duration lease, Duration retention) {
    IdempotencyStore store =
        LocalIdempotencyStore.builder().lease(lease).retention(retention).ticker(clock).build();
    made = store;
    return store;
  }

  @Override
  protected IdempotencyStore storeOnAnotherNode(Duration lease, Duration retention) {
    // One process, one store: the "other node" is another thread on the same store.
    return made != null ? made : newStore(lease, retention);
  }

  @Nested
  @DisplayName("size bound")
  class SizeBound {

    private LocalIdempotencyStore bounded() {
      return LocalIdempotencyStore.builder()
          .lease(LEASE)
          .retention(RETENTION)
          .maximumSize(100)
          .ticker(clock)
          .build();
    }

    @Test
    @DisplayName(
        "a full store forgets its oldest completed entries to take new keys, never a request in"
            + " progress or an abandoned one")
    void aFullStoreForgetsItsOldestCompletedEntriesFirst() {
      LocalIdempotencyStore store = bounded();
      for (int i = 0; i < 60; i++) {
        BeginResult.Started started = started(store.begin(key("done-" + i), CHARGE_10));
        clock.advance(Duration.ofMinutes(1));
        assertThat(store.complete(key("done-" + i), started.token(), CHARGED)).isTrue();
      }
      for (int i = 0; i < 20; i++) {
        store.begin(key("abandoned-" + i), CHARGE_10);
      }
      clock.advance(LEASE.plusSeconds(1)); // their owners died: the next begin must take over
      for (int i = 0; i < 20; i++) {
        store.begin(key("running-" + i), CHARGE_10);
      }

      for (int i = 0; i < 30; i++) {
        assertThat(store.begin(key("new-" + i), CHARGE_10)).isInstanceOf(BeginResult.Started.class);
      }

      assertThat(store.evictions()).isEqualTo(30);
      for (int i = 30; i < 60; i++) {
        assertThat(store.begin(key("done-" + i), CHARGE_10))
            .isEqualTo(new BeginResult.Completed(CHARGED));
      }
      for (int i = 0; i < 20; i++) {
        assertThat(store.begin(key("running-" + i), CHARGE_10))
            .isInstanceOf(BeginResult.InProgress.class);
        assertThat(started(store.begin(key("abandoned-" + i), CHARGE_10)).takeover()).isTrue();
      }
      // Forgotten: a late retry runs again, and makes room by forgetting the next oldest.
      assertThat(started(store.begin(key("done-0"), CHARGE_10)).takeover()).isFalse();
      assertThat(store.evictions()).isEqualTo(31);
      assertThat(store.begin(key("done-30"), CHARGE_10)).isInstanceOf(BeginResult.Started.class);
    }

    @Test
    @DisplayName("a store full of requests in progress refuses new keys until one completes")
    void aStoreFullOfRequestsInProgressRefusesNewKeys() {
      LocalIdempotencyStore store = bounded();
      BeginResult.Started first = started(store.begin(key("k-0"), CHARGE_10));
      for (int i = 1; i < 100; i++) {
        store.begin(key("k-" + i), CHARGE_10);
      }

      assertThatThrownBy(() -> store.begin(key("new-1"), CHARGE_10))
          .isInstanceOf(IdempotencyStoreException.class)
          .hasMessage(
              "the in-process idempotency store is full (100 keys, every one in progress); cannot"
                  + " begin new-1")
          .satisfies(
              e -> {
                assertThat(((IdempotencyStoreException) e).key()).isEqualTo(key("new-1"));
                // Nothing was claimed: there is no claim to take back.
                assertThat(((IdempotencyStoreException) e).attemptedToken()).isEmpty();
              });
      assertThat(store.begin(key("k-0"), CHARGE_10)).isInstanceOf(BeginResult.InProgress.class);

      assertThat(store.complete(key("k-0"), first.token(), CHARGED)).isTrue();
      assertThat(store.begin(key("new-1"), CHARGE_10)).isInstanceOf(BeginResult.Started.class);
      assertThat(store.evictions()).isEqualTo(1);
    }

    @Test
    @DisplayName("entries whose retention ended make room without counting as forgotten early")
    void expiredEntriesMakeRoomWithoutCountingAsEvictions() {
      LocalIdempotencyStore store = bounded();
      for (int i = 0; i < 100; i++) {
        BeginResult.Started started = started(store.begin(key("done-" + i), CHARGE_10));
        store.complete(key("done-" + i), started.token(), CHARGED);
      }
      clock.advance(RETENTION);

      for (int i = 0; i < 100; i++) {
        assertThat(store.begin(key("new-" + i), CHARGE_10)).isInstanceOf(BeginResult.Started.class);
      }
      assertThat(store.evictions()).isZero();
    }

    @Test
    @DisplayName("a full store takes new keys again once entries expire")
    void aFullStoreTakesNewKeysOnceEntriesExpire() {
      LocalIdempotencyStore store = bounded();
      for (int i = 0; i < 100; i++) {
        store.begin(key("k-" + i), CHARGE_10); // in progress, never completed
      }
      assertThatThrownBy(() -> store.begin(key("late"), CHARGE_10))
          .isInstanceOf(IdempotencyStoreException.class);

      clock.advance(LEASE.plus(RETENTION).plusSeconds(1));

      assertThat(store.begin(key("late"), CHARGE_10)).isInstanceOf(BeginResult.Started.class);
    }
  }

  @Nested
  @DisplayName("builder")
  class BuilderChecks {

    @Test
    @DisplayName("inMemory() has the documented defaults")
    void inMemoryHasTheDocumentedDefaults() {
      LocalIdempotencyStore store = (LocalIdempotencyStore) IdempotencyStore.inMemory();

      assertThat(store.lease()).isEqualTo(Duration.ofSeconds(30));
      assertThat(store.retention()).isEqualTo(Duration.ofHours(24));
      assertThat(store.maximumSize()).isEqualTo(LocalIdempotencyStore.DEFAULT_MAXIMUM_SIZE);
    }

    @Test
    @DisplayName("each setting is checked when it is set, naming the parameter and the value")
    void eachSettingIsCheckedWhenSet() {
      LocalIdempotencyStore.Builder builder = LocalIdempotencyStore.builder();

      assertThatThrownBy(() -> builder.lease(Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("lease must be positive, but was PT0S");
      assertThatThrownBy(() -> builder.retention(Duration.ofDays(400)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("retention must be at most PT8784H, but was PT9600H");
      assertThatThrownBy(() -> builder.maximumSize(0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("maximumSize must be greater than 0, but was 0");
      assertThatThrownBy(() -> builder.ticker(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("ticker cannot be null");
    }

    @Test
    @DisplayName("a retention shorter than the lease is refused at build()")
    void aRetentionShorterThanTheLeaseIsRefused() {
      LocalIdempotencyStore.Builder builder =
          LocalIdempotencyStore.builder()
              .lease(Duration.ofMinutes(5))
              .retention(Duration.ofMinutes(1));

      assertThatThrownBy(builder::build)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("retention (PT1M) must not be shorter than lease (PT5M)");
    }

    @Test
    @DisplayName("newBuilder() copies the settings but not the entries")
    void newBuilderCopiesSettingsNotEntries() {
      LocalIdempotencyStore original =
          LocalIdempotencyStore.builder().lease(Duration.ofSeconds(7)).ticker(clock).build();
      original.begin(key("order-1"), CHARGE_10);

      LocalIdempotencyStore copy = original.newBuilder().maximumSize(10).build();

      assertThat(copy.lease()).isEqualTo(Duration.ofSeconds(7));
      assertThat(copy.maximumSize()).isEqualTo(10);
      assertThat(copy.begin(key("order-1"), CHARGE_10)).isInstanceOf(BeginResult.Started.class);
    }

    @Test
    @DisplayName("null arguments are rejected with the parameter's name")
    void nullArgumentsAreRejected() {
      IdempotencyStore store = IdempotencyStore.inMemory();

      assertThatThrownBy(() -> store.begin(null, CHARGE_10)).hasMessage("key cannot be null");
      assertThatThrownBy(() -> store.begin(key("k"), null))
          .hasMessage("fingerprint cannot be null");
      assertThatThrownBy(() -> store.complete(key("k"), LeaseToken.random(), null))
          .hasMessage("response cannot be null");
      assertThatThrownBy(() -> store.release(key("k"), null)).hasMessage("token cannot be null");
    }
  }
}
