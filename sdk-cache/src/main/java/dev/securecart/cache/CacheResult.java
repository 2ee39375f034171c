package dev.securecart.cache;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The answer to {@link LayeredCache#lookup}: the value (empty for "not found"), where it came from
 * ({@link #status()}), its tags and age, and for {@link CacheStatus#STALE_IF_ERROR} the origin
 * failure that made the cache serve it. Immutable.
 *
 * @param <V> the value type
 */
public final class CacheResult<V> {

  private final Optional<V> value;
  private final CacheStatus status;
  private final Set<String> tags;
  private final Duration age;
  private final Optional<Throwable> error;

  private CacheResult(
      Optional<V> value,
      CacheStatus status,
      Set<String> tags,
      Duration age,
      Optional<Throwable> error) {
    this.value = value;
    this.status = status;
    this.tags = tags;
    this.age = age;
    this.error = error;
  }

  /**
   * A result.
   *
   * @param value the value, or empty for "not found"
   * @param status where it came from
   * @param tags its tags
   * @param age how long ago it was loaded from the origin
   * @param error the origin failure, for {@link CacheStatus#STALE_IF_ERROR}
   * @return the result
   */
  public static <V> CacheResult<V> of(
      Optional<V> value,
      CacheStatus status,
      Set<String> tags,
      Duration age,
      Optional<Throwable> error) {
    return new CacheResult<>(
        requireNonNull(value, "value"),
        requireNonNull(status, "status"),
        Set.copyOf(requireNonNull(tags, "tags")),
        requireNonNull(age, "age"),
        requireNonNull(error, "error"));
  }

  /** The value, or empty when the origin said "not found". */
  public Optional<V> value() {
    return value;
  }

  /** Whether the origin had a value. */
  public boolean isFound() {
    return value.isPresent();
  }

  /** Where the value came from, and how old it may be. */
  public CacheStatus status() {
    return status;
  }

  /** The entry's tags, for a {@code Surrogate-Key} header. */
  public Set<String> tags() {
    return tags;
  }

  /** How long ago the value was loaded from the origin (for an {@code Age} header). */
  public Duration age() {
    return age;
  }

  /** The origin failure behind a {@link CacheStatus#STALE_IF_ERROR} result; otherwise empty. */
  public Optional<Throwable> error() {
    return error;
  }

  @Override
  public String toString() {
    return "CacheResult[" + status + (isFound() ? "" : ", not found") + ", age=" + age + "]";
  }
}
