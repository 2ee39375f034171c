package dev.securecart.cache;

import dev.securecart.cache.internal.InMemoryCacheStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The shared second layer (L2) behind every node's L1: {@link #inMemory()} in this JVM, {@link
 * dev.securecart.cache.redis.RedisCacheStore} on Redis or Redis Cluster. Keys are the caches'
 * mapped keys, values {@link StoredEntry}s. Implementations are thread-safe and never block: every
 * method returns a future, which fails when the store cannot be reached; the cache treats such a
 * failure as a miss for reads and skips writes.
 *
 * <h2>Version stamps</h2>
 *
 * The store keeps one invalidation <em>stamp</em> sequence per cache. Invalidating a key or a tag
 * advances it and records the new stamp on the key or the tag. An entry is written with the stamp
 * read when its load started ({@link #read}); a write whose key was invalidated after that stamp is
 * refused, and an entry one of whose tags (or whose whole cache) was invalidated after its stamp is
 * never returned. So a load that raced an invalidation can never bring the old value back, on any
 * node.
 */
public interface CacheStore extends AutoCloseable {

  /**
   * What {@link #read} found.
   *
   * @param entry the valid entry, if any
   * @param stamp the cache's current invalidation stamp, to write a load's result with
   */
  record ReadResult(Optional<StoredEntry> entry, long stamp) {}

  /**
   * Reads an entry and the current stamp. An entry invalidated by key or tag, or past its {@link
   * StoredEntry#expiresAtMillis()}, is not returned.
   *
   * <p>The entry's deadlines are in the reading node's wall clock (the store's clock), not the
   * writer's. A store that several machines share must rebase them: clocks differ between machines,
   * and a copy written by a node whose clock runs ahead would otherwise be served as fresh, and
   * served at all, for that much longer than its windows.
   *
   * @param cache the cache name
   * @param key the mapped key
   * @return what was found
   */
  CompletableFuture<ReadResult> read(String cache, String key);

  /**
   * Writes an entry unless its key was invalidated after {@link StoredEntry#stamp()}.
   *
   * @param cache the cache name
   * @param key the mapped key
   * @param entry the entry; kept until its {@link StoredEntry#expiresAtMillis()}
   * @return whether it was written
   */
  CompletableFuture<Boolean> write(String cache, String key, StoredEntry entry);

  /**
   * Deletes an entry and refuses any write of it stamped before now.
   *
   * @param cache the cache name
   * @param key the mapped key
   * @param retain how long to remember the invalidation (longer than any load can take)
   * @return the new stamp; an entry written with it is accepted
   */
  CompletableFuture<Long> invalidateKey(String cache, String key, Duration retain);

  /**
   * Hides every entry with the tag that was stamped before now.
   *
   * @param cache the cache name
   * @param tag the tag
   * @param retain how long to remember the invalidation (longer than any entry lives)
   * @return the new stamp
   */
  CompletableFuture<Long> invalidateTag(String cache, String tag, Duration retain);

  /**
   * Hides every entry of the cache that was stamped before now.
   *
   * @param cache the cache name
   * @param retain how long to remember the invalidation (longer than any entry lives)
   * @return the new stamp
   */
  CompletableFuture<Long> invalidateAll(String cache, Duration retain);

  /**
   * Tries to take the short lease that lets one node load a key from the origin. A lease that
   * {@code owner} already holds is taken again, for {@code duration} from now: a node's later load
   * of the key (after an invalidation overtook the first) takes the lease over.
   *
   * @param cache the cache name
   * @param key the mapped key
   * @param owner who asks (the cache instance's id)
   * @param duration how long the lease lasts unless released
   * @return whether {@code owner} now holds it
   */
  CompletableFuture<Boolean> tryLease(String cache, String key, String owner, Duration duration);

  /**
   * Releases a lease if {@code owner} still holds it.
   *
   * @param cache the cache name
   * @param key the mapped key
   * @param owner who took it
   * @return a future that completes when done
   */
  CompletableFuture<Void> releaseLease(String cache, String key, String owner);

  /** Releases what the store owns (a Redis store closes its connection, not its connector). */
  @Override
  void close();

  /**
   * A store in this JVM's heap, with the same semantics as Redis: for tests, and for several caches
   * in one process that should share loads.
   *
   * @return a new store on the system clock
   */
  static CacheStore inMemory() {
    return new InMemoryCacheStore(Clock.systemUTC());
  }

  /**
   * A store in this JVM's heap whose expiry follows {@code clock}.
   *
   * @param clock the wall clock
   * @return a new store
   */
  static CacheStore inMemory(Clock clock) {
    return new InMemoryCacheStore(clock);
  }
}
