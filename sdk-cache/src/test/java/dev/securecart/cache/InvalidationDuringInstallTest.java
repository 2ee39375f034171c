package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An invalidation that arrives while a node is installing the first L1 entry of a key, after the
 * install checked for invalidations and before its map write ends: the invalidation must wait for
 * the install and remove what it wrote. (Caffeine's {@code computeIfPresent} returns at once for a
 * key that is not in the map yet, which it is not while its first install is still computing.) A
 * weigher that waits on a latch holds the install inside Caffeine's compute, so the window is
 * deterministic.
 */
final class InvalidationDuringInstallTest {

  private static final Set<Thread.State> WAITING_FOR_A_LOCK =
      EnumSet.of(Thread.State.BLOCKED, Thread.State.WAITING, Thread.State.TIMED_WAITING);

  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final CountDownLatch weighing = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private volatile String price = "19.99";

  @AfterEach
  void stop() {
    release.countDown();
    executor.shutdownNow();
  }

  private LayeredCache<String, String> node(InvalidationBus bus, boolean holdsInstall) {
    return LayeredCache.<String, String>builder(
            "products",
            CachePolicy.builder().freshFor(Duration.ofMinutes(10)).maximumWeight(1_000_000).build())
        .loader(key -> Loaded.of(key + "@" + price))
        .weigher(
            (key, value) -> {
              if (holdsInstall && value.endsWith("19.99")) {
                weighing.countDown();
                try {
                  release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              return 1;
            })
        .executor(executor)
        .invalidationBus(bus)
        .build();
  }

  @Test
  void anInvalidationReceivedWhileAKeyIsFirstInstalledRemovesTheInstalledValue() throws Exception {
    InvalidationBus bus = InvalidationBus.inProcess();
    LayeredCache<String, String> a = node(bus, false);
    LayeredCache<String, String> b = node(bus, true);

    // Node B misses and loads the old price; its install is held inside Caffeine's compute.
    CompletableFuture<String> load =
        CompletableFuture.supplyAsync(() -> b.getAsync("p1"), executor).thenCompose(f -> f);
    assertThat(weighing.await(10, TimeUnit.SECONDS)).as("the install started").isTrue();

    // The price changes and node A invalidates the key; the in-process bus hands the message to
    // node B on the invalidating thread.
    price = "24.99";
    AtomicReference<Thread> invalidating = new AtomicReference<>();
    CompletableFuture<Void> invalidation =
        CompletableFuture.runAsync(
            () -> {
              invalidating.set(Thread.currentThread());
              a.invalidate("p1");
            },
            executor);
    // Either node B's removal waits for the held install (it must), or it returned without
    // waiting (the defect); release the install only once one of the two has happened.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                invalidation.isDone()
                    || (invalidating.get() != null
                        && WAITING_FOR_A_LOCK.contains(invalidating.get().getState())));
    release.countDown();
    invalidation.get(10, TimeUnit.SECONDS);
    assertThat(load.get(10, TimeUnit.SECONDS)).isEqualTo("p1@19.99");

    CacheResult<String> onB = b.lookup("p1");
    assertThat(onB.status())
        .as("node B after the acknowledged invalidation: %s", onB.value())
        .isNotEqualTo(CacheStatus.FRESH);
    assertThat(b.get("p1")).isEqualTo("p1@24.99");
  }
}
