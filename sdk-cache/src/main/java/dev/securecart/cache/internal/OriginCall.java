package dev.securecart.cache.internal;

import dev.securecart.cache.Loaded;
import java.util.concurrent.CompletableFuture;

/**
 * A call to the origin still running, kept so that the next load of its key waits for it rather
 * than asking the origin again: a call can miss its deadline, which ends its flight, but not be
 * stopped.
 */
final class OriginCall<V> {

  /** What the origin answers. */
  final CompletableFuture<Loaded<V>> result;

  /** The invalidation sequence when the origin was asked; see {@link Flight#originStart}. */
  final long originStart;

  /** The cache ticker's reading when the origin was asked. */
  final long startedAt;

  /** The stamp of the L2 read before the call; see {@link Flight#l2Stamp}. */
  final long l2Stamp;

  OriginCall(CompletableFuture<Loaded<V>> result, long originStart, long startedAt, long l2Stamp) {
    this.result = result;
    this.originStart = originStart;
    this.startedAt = startedAt;
    this.l2Stamp = l2Stamp;
  }
}
