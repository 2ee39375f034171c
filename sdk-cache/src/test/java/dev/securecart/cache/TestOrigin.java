package dev.securecart.cache;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A recording origin for tests: counts calls per key, answers {@code key + ":" + version} with the
 * tags set for the key, "not found" for keys starting with {@code missing} and deleted ones, can
 * fail, and can hold every call at a gate until the test opens it.
 */
final class TestOrigin implements CacheLoader<String, String> {

  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> tags = new ConcurrentHashMap<>();
  private final AtomicInteger total = new AtomicInteger();
  private final Set<String> deleted = ConcurrentHashMap.newKeySet();
  volatile String version = "v1";
  volatile @Nullable RuntimeException failure;
  private volatile @Nullable CountDownLatch gate;
  private volatile CountDownLatch entered = new CountDownLatch(1);

  TestOrigin tag(String key, String... keyTags) {
    tags.put(key, Set.of(keyTags));
    return this;
  }

  /** From now on every call waits until {@link #open()}. */
  TestOrigin hold() {
    entered = new CountDownLatch(1);
    gate = new CountDownLatch(1);
    return this;
  }

  /** From now on {@code key} is "not found". */
  void delete(String key) {
    deleted.add(key);
  }

  void open() {
    CountDownLatch g = gate;
    gate = null;
    if (g != null) {
      g.countDown();
    }
  }

  /** Waits until a call reached the origin (after {@link #hold()}). */
  void awaitEntered() throws InterruptedException {
    if (!entered.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the origin was never called");
    }
  }

  int calls(String key) {
    AtomicInteger count = calls.get(key);
    return count == null ? 0 : count.get();
  }

  int totalCalls() {
    return total.get();
  }

  @Override
  public Loaded<String> load(String key) throws Exception {
    calls.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    total.incrementAndGet();
    entered.countDown();
    CountDownLatch g = gate;
    if (g != null && !g.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the test never opened the gate");
    }
    RuntimeException f = failure;
    if (f != null) {
      throw f;
    }
    Set<String> keyTags = tags.getOrDefault(key, Set.of());
    if (key.startsWith("missing") || deleted.contains(key)) {
      return Loaded.notFound(keyTags);
    }
    return Loaded.of(key + ":" + version, keyTags);
  }
}
