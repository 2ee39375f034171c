package dev.securecart.cache.internal;

import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One L1 entry: immutable. Deadlines are readings of the cache's ticker; {@code wallWrittenAt} is
 * the wall-clock time of the origin load, used to compare with L2 copies and to write them; {@code
 * floor} is the sequence its content is valid as of (the start of the load or L2 read that made
 * it): a drop of the whole L1 (a bus reconnect, {@code invalidateAll}) raises the cache's floor,
 * and an entry below it is no longer served.
 */
final class Entry<V> {
  // A fresh hit reads the header (the cast), value, freshUntil and floor. HotSpot puts value in the
  // gap after the header (offset 12) and the longs in declaration order from offset 16, so
  // declaring those two first keeps the reads within 32 bytes: fewer entries straddle two cache
  // lines.
  final long freshUntil;
  final long floor;
  final @Nullable V value;
  final Set<String> tags;
  final String mapped;
  final long writtenAt;
  final long staleUntil;
  final long expiresAt;
  final long wallWrittenAt;
  final long loadNanos;

  Entry(
      @Nullable V value,
      Set<String> tags,
      String mapped,
      long writtenAt,
      long freshUntil,
      long staleUntil,
      long expiresAt,
      long wallWrittenAt,
      long loadNanos,
      long floor) {
    this.value = value;
    this.tags = tags;
    this.mapped = mapped;
    this.writtenAt = writtenAt;
    this.freshUntil = freshUntil;
    this.staleUntil = staleUntil;
    this.expiresAt = expiresAt;
    this.wallWrittenAt = wallWrittenAt;
    this.loadNanos = loadNanos;
    this.floor = floor;
  }
}
