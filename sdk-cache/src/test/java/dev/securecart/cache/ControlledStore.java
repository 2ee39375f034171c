package dev.securecart.cache;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@link CacheStore} that passes every call to another, except that after {@link #hold()} the
 * next invalidation (of a key, a tag or the cache) waits until {@link #release()}, so that a test
 * can act while an invalidation is on its way to L2; after {@link #failNextRead()} the next read
 * fails, as one read from a briefly unreachable Redis would; and after {@link #holdNextRead()} the
 * next read takes what L2 holds at once but answers only on {@link #releaseRead()}, as a reply
 * still on the wire would.
 */
final class ControlledStore implements CacheStore {

  private final CacheStore delegate;
  private volatile @Nullable CountDownLatch gate;
  private volatile CountDownLatch held = new CountDownLatch(1);
  private volatile boolean failNextRead;
  private volatile @Nullable CompletableFuture<Void> readGate;
  private final CountDownLatch readHeld = new CountDownLatch(1);
  private final CompletableFuture<Void> heldReadReleased = new CompletableFuture<>();

  ControlledStore(CacheStore delegate) {
    this.delegate = delegate;
  }

  void failNextRead() {
    failNextRead = true;
  }

  void holdNextRead() {
    readGate = heldReadReleased;
  }

  void awaitReadHeld() throws InterruptedException {
    if (!readHeld.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("no read reached the store");
    }
  }

  void releaseRead() {
    heldReadReleased.complete(null);
  }

  void hold() {
    held = new CountDownLatch(1);
    gate = new CountDownLatch(1);
  }

  void awaitHeld() throws InterruptedException {
    if (!held.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("no invalidation reached the store");
    }
  }

  void release() {
    CountDownLatch g = gate;
    gate = null;
    if (g != null) {
      g.countDown();
    }
  }

  private <T> CompletableFuture<T> afterGate(
      java.util.function.Supplier<CompletableFuture<T>> call) {
    CountDownLatch g = gate;
    if (g == null) {
      return call.get();
    }
    held.countDown();
    return CompletableFuture.runAsync(
            () -> {
              try {
                if (!g.await(10, TimeUnit.SECONDS)) {
                  throw new IllegalStateException("the test never released the invalidation");
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
              }
            })
        .thenCompose(ignored -> call.get());
  }

  @Override
  public CompletableFuture<ReadResult> read(String cache, String key) {
    if (failNextRead) {
      failNextRead = false;
      return CompletableFuture.failedFuture(new IllegalStateException("connection reset"));
    }
    CompletableFuture<Void> g = readGate;
    if (g != null) {
      readGate = null;
      CompletableFuture<ReadResult> read = delegate.read(cache, key);
      readHeld.countDown();
      return read.thenCombine(g, (result, released) -> result);
    }
    return delegate.read(cache, key);
  }

  @Override
  public CompletableFuture<Boolean> write(String cache, String key, StoredEntry entry) {
    return delegate.write(cache, key, entry);
  }

  @Override
  public CompletableFuture<Long> invalidateKey(String cache, String key, Duration retain) {
    return afterGate(() -> delegate.invalidateKey(cache, key, retain));
  }

  @Override
  public CompletableFuture<Long> invalidateTag(String cache, String tag, Duration retain) {
    return afterGate(() -> delegate.invalidateTag(cache, tag, retain));
  }

  @Override
  public CompletableFuture<Long> invalidateAll(String cache, Duration retain) {
    return afterGate(() -> delegate.invalidateAll(cache, retain));
  }

  @Override
  public CompletableFuture<Boolean> tryLease(
      String cache, String key, String owner, Duration duration) {
    return delegate.tryLease(cache, key, owner, duration);
  }

  @Override
  public CompletableFuture<Void> releaseLease(String cache, String key, String owner) {
    return delegate.releaseLease(cache, key, owner);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
