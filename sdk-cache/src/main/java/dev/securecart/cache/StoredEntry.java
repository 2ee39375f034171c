package dev.securecart.cache;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.util.Set;

/**
 * One entry as the shared {@link CacheStore} keeps it: the encoded value (absent for a "not found"
 * answer), its tags, its state deadlines in wall-clock milliseconds, and the store's invalidation
 * stamp read when its load started (an entry whose key or one of whose tags was invalidated after
 * that stamp is never returned). Immutable; the value array is not copied, so do not modify it.
 */
public final class StoredEntry {

  private static final byte[] EMPTY = new byte[0];

  private final boolean found;
  private final byte[] value;
  private final Set<String> tags;
  private final long writtenAtMillis;
  private final long freshUntilMillis;
  private final long staleUntilMillis;
  private final long expiresAtMillis;
  private final long stamp;
  private final long loadNanos;

  private StoredEntry(
      boolean found,
      byte[] value,
      Set<String> tags,
      long writtenAtMillis,
      long freshUntilMillis,
      long staleUntilMillis,
      long expiresAtMillis,
      long stamp,
      long loadNanos) {
    this.found = found;
    this.value = value;
    this.tags = tags;
    this.writtenAtMillis = writtenAtMillis;
    this.freshUntilMillis = freshUntilMillis;
    this.staleUntilMillis = staleUntilMillis;
    this.expiresAtMillis = expiresAtMillis;
    this.stamp = stamp;
    this.loadNanos = loadNanos;
  }

  /**
   * An entry with a value.
   *
   * @param value the encoded value
   * @param tags its tags
   * @param writtenAtMillis when it was loaded (epoch millis)
   * @param freshUntilMillis end of fresh
   * @param staleUntilMillis end of stale-while-revalidate
   * @param expiresAtMillis end of stale-if-error
   * @param stamp the store's invalidation stamp when the load started
   * @param loadNanos how long the load took (for early refresh)
   * @return the entry
   */
  public static StoredEntry found(
      byte[] value,
      Set<String> tags,
      long writtenAtMillis,
      long freshUntilMillis,
      long staleUntilMillis,
      long expiresAtMillis,
      long stamp,
      long loadNanos) {
    return new StoredEntry(
        true,
        requireNonNull(value, "value"),
        Set.copyOf(tags),
        writtenAtMillis,
        freshUntilMillis,
        staleUntilMillis,
        expiresAtMillis,
        stamp,
        loadNanos);
  }

  /**
   * A "not found" entry.
   *
   * @param tags its tags
   * @param writtenAtMillis when it was loaded
   * @param expiresAtMillis when it expires
   * @param stamp the store's invalidation stamp when the load started
   * @return the entry
   */
  public static StoredEntry notFound(
      Set<String> tags, long writtenAtMillis, long expiresAtMillis, long stamp) {
    return new StoredEntry(
        false,
        EMPTY,
        Set.copyOf(tags),
        writtenAtMillis,
        expiresAtMillis,
        expiresAtMillis,
        expiresAtMillis,
        stamp,
        0);
  }

  /** The same entry with another stamp. */
  public StoredEntry withStamp(long newStamp) {
    return new StoredEntry(
        found,
        value,
        tags,
        writtenAtMillis,
        freshUntilMillis,
        staleUntilMillis,
        expiresAtMillis,
        newStamp,
        loadNanos);
  }

  /** Whether the origin had a value. */
  public boolean isFound() {
    return found;
  }

  /** The encoded value; empty for "not found". */
  public byte[] value() {
    return value;
  }

  /** The tags. */
  public Set<String> tags() {
    return tags;
  }

  /** When it was loaded, epoch millis. */
  public long writtenAtMillis() {
    return writtenAtMillis;
  }

  /** End of fresh, epoch millis. */
  public long freshUntilMillis() {
    return freshUntilMillis;
  }

  /** End of stale-while-revalidate, epoch millis. */
  public long staleUntilMillis() {
    return staleUntilMillis;
  }

  /** End of stale-if-error: the store may forget the entry after this, epoch millis. */
  public long expiresAtMillis() {
    return expiresAtMillis;
  }

  /** The store's invalidation stamp when the load started. */
  public long stamp() {
    return stamp;
  }

  /** How long the load took, in nanoseconds. */
  public long loadNanos() {
    return loadNanos;
  }

  @Override
  public String toString() {
    return "StoredEntry[found="
        + found
        + ", bytes="
        + value.length
        + ", tags="
        + tags.size()
        + ", stamp="
        + stamp
        + "]";
  }
}
