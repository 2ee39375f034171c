package dev.securecart.cache.redis;

import dev.securecart.cache.CodecException;
import dev.securecart.cache.StoredEntry;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * The bytes of one L2 entry in Redis: a version byte, flags, six longs (written, fresh-until,
 * stale-until, expires-at, stamp, load nanos), the tags (count, then length-prefixed UTF-8) and the
 * encoded value (length-prefixed). No Java serialization.
 */
final class EntryFormat {

  private static final byte VERSION = 1;
  private static final byte FOUND = 1;
  private static final byte NOT_FOUND = 0;

  private EntryFormat() {}

  static byte[] encode(StoredEntry entry) {
    byte[][] tags = new byte[entry.tags().size()][];
    int size = 2 + 6 * Long.BYTES + Integer.BYTES + Integer.BYTES + entry.value().length;
    int i = 0;
    for (String tag : entry.tags()) {
      tags[i] = tag.getBytes(StandardCharsets.UTF_8);
      size += Integer.BYTES + tags[i].length;
      i++;
    }
    ByteBuffer buffer = ByteBuffer.allocate(size);
    buffer.put(VERSION);
    buffer.put(entry.isFound() ? FOUND : NOT_FOUND);
    buffer.putLong(entry.writtenAtMillis());
    buffer.putLong(entry.freshUntilMillis());
    buffer.putLong(entry.staleUntilMillis());
    buffer.putLong(entry.expiresAtMillis());
    buffer.putLong(entry.stamp());
    buffer.putLong(entry.loadNanos());
    buffer.putInt(tags.length);
    for (byte[] tag : tags) {
      buffer.putInt(tag.length);
      buffer.put(tag);
    }
    buffer.putInt(entry.value().length);
    buffer.put(entry.value());
    return buffer.array();
  }

  static StoredEntry decode(byte[] bytes) {
    try {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      byte version = buffer.get();
      if (version != VERSION) {
        throw new CodecException("unknown L2 entry format " + version, null);
      }
      byte flags = buffer.get();
      // Flags this version does not know (a newer writer's) must not read as "not found": users
      // would be told that an existing product does not exist. Corrupt: a miss, loaded afresh.
      if (flags != FOUND && flags != NOT_FOUND) {
        throw new CodecException("unknown L2 entry flags " + flags, null);
      }
      boolean found = flags == FOUND;
      long written = buffer.getLong();
      long freshUntil = buffer.getLong();
      long staleUntil = buffer.getLong();
      long expiresAt = buffer.getLong();
      long stamp = buffer.getLong();
      long loadNanos = buffer.getLong();
      int tagCount = buffer.getInt();
      if (tagCount < 0 || tagCount > bytes.length) {
        throw new CodecException("corrupt L2 entry", null);
      }
      Set<String> tags = new HashSet<>();
      for (int i = 0; i < tagCount; i++) {
        tags.add(new String(take(buffer), StandardCharsets.UTF_8));
      }
      byte[] value = take(buffer);
      return found
          ? StoredEntry.found(
              value, tags, written, freshUntil, staleUntil, expiresAt, stamp, loadNanos)
          : StoredEntry.notFound(tags, written, expiresAt, stamp);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new CodecException("corrupt L2 entry", e);
    }
  }

  private static byte[] take(ByteBuffer buffer) {
    int length = buffer.getInt();
    if (length < 0 || length > buffer.remaining()) {
      throw new CodecException("corrupt L2 entry", null);
    }
    byte[] bytes = new byte[length];
    buffer.get(bytes);
    return bytes;
  }
}
