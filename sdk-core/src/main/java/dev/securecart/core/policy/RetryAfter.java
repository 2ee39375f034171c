package dev.securecart.core.policy;

import dev.securecart.core.internal.Preconditions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The hook through which a policy honours a server's {@code Retry-After}: given the outcome of a
 * failed attempt that is about to be retried, returns the delay the server asked for, if it asked.
 * When it answers, the retry waits exactly that long instead of the jittered backoff (neither the
 * backoff cap nor jitter applies); when it answers nothing, the backoff applies. A requested delay
 * that would end after the policy's overall timeout skips the retry: the call fails at once with
 * the failure it has.
 *
 * <p>Called on the thread that completed the attempt; must be fast and must not block. If it
 * throws, the backoff applies and the failure is logged once.
 *
 * <pre>{@code
 * RetryAfter.onFailure(HttpStatusException.class, e -> RetryAfter.parse(e.header("Retry-After"), clock))
 *     .or(RetryAfter.onResult(HttpResponse.class, r -> r.retryAfter()))
 * }</pre>
 */
@FunctionalInterface
public interface RetryAfter {

  /**
   * Returns the delay the server asked for in the failed attempt's outcome. Exactly one of {@code
   * result} and {@code failure} describes the attempt: {@code failure} is non-null when it threw.
   *
   * @param result the attempt's result when it returned one the policy retries; may be null
   * @param failure the exception the attempt threw, or null if it returned a result
   * @return the requested delay, or empty to use the backoff
   */
  Optional<Duration> delayFor(@Nullable Object result, @Nullable Throwable failure);

  /**
   * Returns a hook that asks the next hook when this one has no answer.
   *
   * @param other the hook to ask second
   * @return the combined hook
   * @throws NullPointerException if {@code other} is null
   */
  default RetryAfter or(RetryAfter other) {
    Preconditions.requireNonNull(other, "other");
    return (result, failure) -> {
      Optional<Duration> first = delayFor(result, failure);
      return first.isPresent() ? first : other.delayFor(result, failure);
    };
  }

  /**
   * Returns the hook that never answers: the backoff always applies.
   *
   * @return the empty hook
   */
  static RetryAfter none() {
    return (result, failure) -> Optional.empty();
  }

  /**
   * Returns a hook that reads the delay from failures of type {@code type}.
   *
   * @param type the exception type that can carry a delay (an HTTP 429 or 503 exception)
   * @param delay reads the delay from such an exception
   * @param <E> the exception type
   * @return the hook
   * @throws NullPointerException if an argument is null
   */
  static <E extends Throwable> RetryAfter onFailure(
      Class<E> type, Function<? super E, Optional<Duration>> delay) {
    Preconditions.requireNonNull(type, "type");
    Preconditions.requireNonNull(delay, "delay");
    return (result, failure) ->
        type.isInstance(failure) ? delay.apply(type.cast(failure)) : Optional.empty();
  }

  /**
   * Returns a hook that reads the delay from results of type {@code type} (responses that the
   * policy retries, such as an HTTP 503 returned rather than thrown).
   *
   * @param type the result type that can carry a delay
   * @param delay reads the delay from such a result
   * @param <R> the result type
   * @return the hook
   * @throws NullPointerException if an argument is null
   */
  static <R> RetryAfter onResult(Class<R> type, Function<? super R, Optional<Duration>> delay) {
    Preconditions.requireNonNull(type, "type");
    Preconditions.requireNonNull(delay, "delay");
    return (result, failure) ->
        failure == null && type.isInstance(result)
            ? delay.apply(type.cast(result))
            : Optional.empty();
  }

  /**
   * Parses an HTTP {@code Retry-After} header value (RFC 9110 §10.2.3): either a number of seconds
   * ({@code "120"}) or an HTTP date ({@code "Wed, 21 Oct 2015 07:28:00 GMT"}), which is turned into
   * a delay from {@code clock}'s now. A date in the past gives zero.
   *
   * @param headerValue the header's value; null or blank when the response had none
   * @param clock the wall clock to measure a date against
   * @return the delay, or empty if the value is absent or malformed
   * @throws NullPointerException if {@code clock} is null
   */
  static Optional<Duration> parse(@Nullable String headerValue, Clock clock) {
    Preconditions.requireNonNull(clock, "clock");
    if (headerValue == null) {
      return Optional.empty();
    }
    String value = headerValue.trim();
    if (value.isEmpty()) {
      return Optional.empty();
    }
    if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      // Digits only: delay-seconds. More than 18 digits cannot fit; cap rather than overflow.
      return Optional.of(
          value.length() > 18
              ? Duration.ofSeconds(Long.MAX_VALUE)
              : Duration.ofSeconds(Long.parseLong(value)));
    }
    try {
      Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration delay = Duration.between(clock.instant(), at);
      return Optional.of(delay.isNegative() ? Duration.ZERO : delay);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
