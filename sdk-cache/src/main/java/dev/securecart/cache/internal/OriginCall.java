package dev.securecart.cache.internal;

import dev.securecart.cache.Loaded;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A call to the origin still running, kept so that the next load of its key waits for it rather
 * than asking the origin again: a call can miss its deadline, which ends its flight, but not be
 * stopped.
 */
final class OriginCall<V> {

  /** What the origin answers; completed from the loader's own future. */
  final CompletableFuture<Loaded<V>> result = new CompletableFuture<>();

  /**
   * The invalidation sequence when the origin was asked (see {@link Flight#originStart}), or {@link
   * Flight#UNSET} while the call registers: it is registered before the sequence is read, as a
   * flight is, so that pruning either sees it unset (and waits) or keeps what it needs.
   */
  volatile long originStart = Flight.UNSET;

  /** The cache ticker's reading when the origin was asked. */
  final long startedAt;

  /** The wall-clock time when the origin was asked: its answer is no newer than this. */
  final long wallStartedAt;

  /**
   * Set when the flight waiting for the call (the one that made it, or the last one that waited for
   * it) ended at its deadline while still the key's flight: only then may the next flight wait for
   * it, and that flight takes it back (compare-and-set) so that no third one waits for it too. A
   * call whose flight still waits, or whose flight an invalidation replaced, is not joinable: its
   * answer may be refused, and a reader would wait for it and then for another call.
   */
  final AtomicBoolean orphaned = new AtomicBoolean();

  /** The stamp of the L2 read before the call; see {@link Flight#l2Stamp}. */
  final long l2Stamp;

  OriginCall(long startedAt, long wallStartedAt, long l2Stamp) {
    this.startedAt = startedAt;
    this.wallStartedAt = wallStartedAt;
    this.l2Stamp = l2Stamp;
  }
}
