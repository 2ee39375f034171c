package dev.securecart.core.internal;

import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Argument checks for builders and API entry points, so that every module words its errors the same
 * way: the parameter, the rule, and the value that broke it. Never pass a secret as a value.
 */
public final class Preconditions {

  private Preconditions() {}

  /**
   * Returns {@code reference}, or throws {@code NullPointerException("name cannot be null")}.
   *
   * @param reference the value to check
   * @param name the parameter's name, for the message
   * @return {@code reference}
   */
  public static <T> T requireNonNull(@Nullable T reference, String name) {
    if (reference == null) {
      throw new NullPointerException(name + " cannot be null");
    }
    return reference;
  }

  /**
   * Throws {@code IllegalArgumentException} with a formatted message unless {@code condition}.
   *
   * @param condition the rule
   * @param format a {@link String#format} pattern, formatted in {@link Locale#ROOT}
   * @param args its arguments
   */
  public static void requireArgument(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, format, args));
    }
  }

  /**
   * Throws {@code IllegalStateException} with a formatted message unless {@code condition}.
   *
   * @param condition the rule
   * @param format a {@link String#format} pattern, formatted in {@link Locale#ROOT}
   * @param args its arguments
   */
  public static void requireState(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new IllegalStateException(String.format(Locale.ROOT, format, args));
    }
  }

  /**
   * Returns {@code value} if it is strictly positive.
   *
   * @throws IllegalArgumentException "name must be greater than 0, but was value"
   */
  public static long requirePositive(long value, String name) {
    requireArgument(value > 0, "%s must be greater than 0, but was %d", name, value);
    return value;
  }

  /**
   * Returns {@code value} if it is zero or more.
   *
   * @throws IllegalArgumentException "name must be 0 or greater, but was value"
   */
  public static long requireNonNegative(long value, String name) {
    requireArgument(value >= 0, "%s must be 0 or greater, but was %d", name, value);
    return value;
  }

  /**
   * Returns {@code duration} if it is non-null and strictly positive.
   *
   * @throws NullPointerException if {@code duration} is null
   * @throws IllegalArgumentException "name must be positive, but was duration"
   */
  public static Duration requirePositive(Duration duration, String name) {
    requireNonNull(duration, name);
    requireArgument(
        !duration.isNegative() && !duration.isZero(),
        "%s must be positive, but was %s",
        name,
        duration);
    return duration;
  }

  /**
   * Returns {@code duration} if it is non-null and zero or more.
   *
   * @throws NullPointerException if {@code duration} is null
   * @throws IllegalArgumentException "name must not be negative, but was duration"
   */
  public static Duration requireNonNegative(Duration duration, String name) {
    requireNonNull(duration, name);
    requireArgument(!duration.isNegative(), "%s must not be negative, but was %s", name, duration);
    return duration;
  }
}
