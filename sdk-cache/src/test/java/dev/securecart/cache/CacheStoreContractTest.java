package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What every {@link CacheStore} must do; each implementation's test extends this. */
abstract class CacheStoreContractTest {

  private static final Duration RETAIN = Duration.ofMinutes(5);

  /** The store under test; keys are namespaced by {@link #cache()}. */
  abstract CacheStore store();

  /** A cache name no other test uses. */
  abstract String cache();

  /** The wall time the store expires entries by. */
  abstract long now();

  /**
   * Lets {@code duration} of the store's time pass. Redis keeps real time, so by default this waits
   * until the wall clock has moved that far; a store on a fake clock advances it instead.
   */
  void elapse(Duration duration) {
    long until = now() + duration.toMillis();
    await()
        .atMost(duration.plusSeconds(5))
        .pollInterval(Duration.ofMillis(1))
        .until(() -> now() > until);
  }

  static <T> T get(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  private StoredEntry entry(String value, long stamp, String... tags) {
    long now = now();
    return StoredEntry.found(
        value.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        Set.of(tags),
        now,
        now + 60_000,
        now + 120_000,
        now + 180_000,
        stamp,
        5);
  }

  @Test
  void aMissingKeyReadsAsEmpty() throws Exception {
    CacheStore.ReadResult read = get(store().read(cache(), "nothing"));
    assertThat(read.entry()).isEmpty();
  }

  @Test
  void anEntryIsReadBackWithEverything() throws Exception {
    long stamp = get(store().read(cache(), "k")).stamp();
    assertThat(get(store().write(cache(), "k", entry("v", stamp, "a", "b")))).isTrue();

    StoredEntry read = get(store().read(cache(), "k")).entry().orElseThrow();

    assertThat(new String(read.value(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("v");
    assertThat(read.tags()).containsExactlyInAnyOrder("a", "b");
    assertThat(read.isFound()).isTrue();
    assertThat(read.stamp()).isEqualTo(stamp);
    assertThat(read.loadNanos()).isEqualTo(5);
  }

  @Test
  void aNotFoundEntryRoundTrips() throws Exception {
    long now = now();
    get(store().write(cache(), "gone", StoredEntry.notFound(Set.of("t"), now, now + 60_000, 0)));

    StoredEntry read = get(store().read(cache(), "gone")).entry().orElseThrow();

    assertThat(read.isFound()).isFalse();
    assertThat(read.tags()).containsExactly("t");
  }

  @Test
  void aWriteStampedBeforeAnInvalidationOfItsKeyIsRefused() throws Exception {
    long before = get(store().read(cache(), "k")).stamp();
    long after = get(store().invalidateKey(cache(), "k", RETAIN));

    assertThat(after).isGreaterThan(before);
    assertThat(get(store().write(cache(), "k", entry("old", before)))).isFalse();
    assertThat(get(store().read(cache(), "k")).entry()).isEmpty();
    assertThat(get(store().write(cache(), "k", entry("new", after)))).isTrue();
    assertThat(get(store().read(cache(), "k")).stamp()).isGreaterThanOrEqualTo(after);
  }

  @Test
  void invalidatingAKeyDeletesItsEntry() throws Exception {
    long stamp = get(store().read(cache(), "k")).stamp();
    get(store().write(cache(), "k", entry("v", stamp)));

    get(store().invalidateKey(cache(), "k", RETAIN));

    assertThat(get(store().read(cache(), "k")).entry()).isEmpty();
  }

  @Test
  void invalidatingTheCacheHidesEveryEntryStampedBeforeItButNotAfterNorOtherCaches()
      throws Exception {
    String otherCache = cache() + "-other";
    long before = get(store().read(cache(), "a")).stamp();
    get(store().write(cache(), "a", entry("v", before, "shoes")));
    get(store().write(cache(), "b", entry("v", before)));
    get(store().write(otherCache, "a", entry("v", get(store().read(otherCache, "a")).stamp())));

    long after = get(store().invalidateAll(cache(), RETAIN));

    assertThat(after).isGreaterThan(before);
    assertThat(get(store().read(cache(), "a")).entry()).isEmpty();
    assertThat(get(store().read(cache(), "b")).entry()).isEmpty();
    assertThat(get(store().read(otherCache, "a")).entry()).isPresent();
    get(store().write(cache(), "a", entry("v2", after, "shoes")));
    assertThat(get(store().read(cache(), "a")).entry()).isPresent();
    get(store().invalidateAll(otherCache, RETAIN));
  }

  @Test
  void invalidatingATagHidesEntriesStampedBeforeItButNotAfter() throws Exception {
    long before = get(store().read(cache(), "a")).stamp();
    get(store().write(cache(), "a", entry("v", before, "shoes")));
    get(store().write(cache(), "b", entry("v", before, "hats")));

    long after = get(store().invalidateTag(cache(), "shoes", RETAIN));

    assertThat(get(store().read(cache(), "a")).entry()).isEmpty();
    assertThat(get(store().read(cache(), "b")).entry()).isPresent();
    get(store().write(cache(), "a", entry("v2", after, "shoes")));
    assertThat(get(store().read(cache(), "a")).entry()).isPresent();
  }

  @Test
  void keysAndTagsWithBracesAndPercentSignsAreTheirOwn() throws Exception {
    long stamp = get(store().read(cache(), "{x}")).stamp();
    get(store().write(cache(), "{x}", entry("braces", stamp, "%7B")));
    get(store().write(cache(), "%7Bx%7D", entry("escaped", stamp, "{")));

    get(store().invalidateTag(cache(), "{", RETAIN));

    assertThat(get(store().read(cache(), "{x}")).entry()).isPresent();
    assertThat(get(store().read(cache(), "%7Bx%7D")).entry()).isEmpty();
  }

  @Test
  void aLeaseHasOneHolderUntilReleased() throws Exception {
    Duration lease = Duration.ofSeconds(30);
    assertThat(get(store().tryLease(cache(), "k", "node-a", lease))).isTrue();
    assertThat(get(store().tryLease(cache(), "k", "node-b", lease))).isFalse();
    assertThat(get(store().tryLease(cache(), "k", "node-a", lease))).as("its holder").isTrue();

    get(store().releaseLease(cache(), "k", "node-b")); // not the holder: no effect
    assertThat(get(store().tryLease(cache(), "k", "node-b", lease))).isFalse();

    get(store().releaseLease(cache(), "k", "node-a"));
    assertThat(get(store().tryLease(cache(), "k", "node-b", lease))).isTrue();
  }

  @Test
  void anEntryPastItsExpiryIsNotReturned() throws Exception {
    long now = now();
    StoredEntry past =
        StoredEntry.found(new byte[] {1}, Set.of(), now - 10, now - 5, now - 3, now - 1, 0, 0);
    assertThat(get(store().write(cache(), "old", past))).isFalse();
    assertThat(get(store().read(cache(), "old")).entry()).isEmpty();
  }

  @Test
  void aShorterRetentionDoesNotCutShortAnEarlierTagOrCacheInvalidation() throws Exception {
    String otherCache = cache() + "-all";
    long before = get(store().read(cache(), "a")).stamp();
    get(store().write(cache(), "a", entry("v", before, "shoes")));
    long otherBefore = get(store().read(otherCache, "a")).stamp();
    get(store().write(otherCache, "a", entry("v", otherBefore)));

    get(store().invalidateTag(cache(), "shoes", Duration.ofHours(1)));
    get(store().invalidateTag(cache(), "shoes", Duration.ofMillis(1)));
    get(store().invalidateAll(otherCache, Duration.ofHours(1)));
    get(store().invalidateAll(otherCache, Duration.ofMillis(1)));
    elapse(Duration.ofMillis(20));

    assertThat(get(store().read(cache(), "a")).entry()).as("tag").isEmpty();
    assertThat(get(store().read(otherCache, "a")).entry()).as("whole cache").isEmpty();
  }

  @Test
  void aShorterRetentionDoesNotCutShortAnEarlierKeyInvalidation() throws Exception {
    long before = get(store().read(cache(), "k")).stamp();

    get(store().invalidateKey(cache(), "k", Duration.ofHours(1)));
    get(store().invalidateKey(cache(), "k", Duration.ofMillis(1)));
    elapse(Duration.ofMillis(20));

    assertThat(get(store().write(cache(), "k", entry("old", before)))).isFalse();
  }
}
