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
