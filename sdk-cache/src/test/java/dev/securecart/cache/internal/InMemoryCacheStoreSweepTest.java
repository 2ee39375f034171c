package dev.securecart.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.cache.StoredEntry;
import dev.securecart.core.testing.FakeClock;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The in-process store is offered for sharing between caches, so what expired must leave the heap
 * even when its key is never touched again.
 */
final class InMemoryCacheStoreSweepTest {

  private static final int KEYS = 5_000;

  private final FakeClock clock = FakeClock.create();
  private final InMemoryCacheStore store = new InMemoryCacheStore(clock);

  private StoredEntry entry(Duration lifetime) {
    long now = clock.millis();
    long end = now + lifetime.toMillis();
    return StoredEntry.found(new byte[] {1}, Set.of(), now, end, end, end, 0, 0);
  }

  @Test
  void whatExpiredUnderKeysNeverTouchedAgainIsSweptAwayByLaterWrites() {
    Duration minute = Duration.ofMinutes(1);
    for (int i = 0; i < KEYS; i++) {
      store.write("products", "once-" + i, entry(minute)).join();
      store.invalidateTag("products", "tag-" + i, minute).join();
      store.invalidateKey("products", "gone-" + i, minute).join();
      store.tryLease("products", "leased-" + i, "node-a", minute).join();
    }
    store.invalidateAll("products", minute).join();
    assertThat(store.size()).isEqualTo(4 * KEYS + 1);

    clock.advance(minute.plusSeconds(1));
    // However far the last sweep pushed the next one: at most as many writes as it left.
    for (int i = 0; i < 4 * KEYS + 1 + InMemoryCacheStore.SWEEP_EVERY; i++) {
      store.write("products", "live", entry(Duration.ofHours(1))).join();
    }

    assertThat(store.size()).as("only the live entry").isEqualTo(1);
  }
}
