package dev.securecart.cache;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What the origin answered for one key: a value with the tags that invalidate it, or "not found"
 * (cached for the policy's negative TTL). Immutable.
 *
 * @param <V> the value type
 */
public final class Loaded<V> {

  private static final Loaded<?> NOT_FOUND = new Loaded<>(null, Set.of());

  private final @Nullable V value;
  private final Set<String> tags;

  private Loaded(@Nullable V value, Set<String> tags) {
    this.value = value;
    this.tags = tags;
  }

  /**
   * A value without tags.
   *
   * @param value the value
   * @return the answer
   */
  public static <V> Loaded<V> of(V value) {
    return new Loaded<>(requireNonNull(value, "value"), Set.of());
  }

  /**
   * A value and the tags that invalidate it ({@code product:42}, {@code category:shoes}).
   *
   * @param value the value
   * @param tags its tags
   * @return the answer
   * @throws IllegalArgumentException if a tag is empty
   */
  public static <V> Loaded<V> of(V value, Set<String> tags) {
    return new Loaded<>(requireNonNull(value, "value"), Tags.copyOf(tags));
  }

  /**
   * "Not found", cached for the policy's negative TTL.
   *
   * @return the answer
   */
  @SuppressWarnings("unchecked")
  public static <V> Loaded<V> notFound() {
    return (Loaded<V>) NOT_FOUND;
  }

  /**
   * "Not found", with tags whose invalidation ends the negative entry early (a product that is
   * created invalidates {@code product:42}).
   *
   * @param tags the tags
   * @return the answer
   */
  public static <V> Loaded<V> notFound(Set<String> tags) {
    return new Loaded<>(null, Tags.copyOf(tags));
  }

  /** The value, or empty for "not found". */
  public Optional<V> value() {
    return Optional.ofNullable(value);
  }

  /** Whether the origin had a value. */
  public boolean isFound() {
    return value != null;
  }

  /** The tags. */
  public Set<String> tags() {
    return tags;
  }

  @Override
  public String toString() {
    return value == null ? "Loaded[not found, tags=" + tags + "]" : "Loaded[tags=" + tags + "]";
  }
}
