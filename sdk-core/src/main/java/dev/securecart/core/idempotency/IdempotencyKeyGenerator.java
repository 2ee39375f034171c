package dev.securecart.core.idempotency;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.random.RandomGenerator;

/**
 * Makes new idempotency keys. A client makes one key per logical request (one checkout, one refund)
 * and keeps it across every retry of that request; a new key means a new request.
 *
 * <p>Implementations must be thread-safe; those returned here are.
 */
@FunctionalInterface
public interface IdempotencyKeyGenerator {

  /**
   * Returns a new key.
   *
   * @return a key no earlier call returned (with overwhelming probability)
   */
  IdempotencyKey next();

  /**
   * Returns a generator of random UUIDs (version 4, RFC 9562) from a {@link SecureRandom}: 122
   * random bits, so keys cannot be guessed from one another.
   *
   * @return the generator
   */
  static IdempotencyKeyGenerator uuidV4() {
    return UuidGenerators.V4;
  }

  /**
   * Returns a generator of random UUIDs (version 4) drawing on {@code random}; for tests that need
   * repeatable keys.
   *
   * @param random the source of the random bits
   * @return the generator
   * @throws NullPointerException if {@code random} is null
   */
  static IdempotencyKeyGenerator uuidV4(RandomGenerator random) {
    requireNonNull(random, "random");
    return () -> UuidGenerators.v4(random);
  }

  /**
   * Returns a generator of time-ordered UUIDs (version 7, RFC 9562): 48 bits of Unix milliseconds
   * from the system clock, then 74 bits from a {@link SecureRandom}. Keys made in different
   * milliseconds sort by time, which keeps database indexes on them compact; keys made in the same
   * millisecond are in random order.
   *
   * @return the generator
   */
  static IdempotencyKeyGenerator uuidV7() {
    return uuidV7(Clock.systemUTC(), UuidGenerators.SECURE_RANDOM);
  }

  /**
   * Returns a generator of time-ordered UUIDs (version 7) that reads time from {@code clock} and
   * random bits from {@code random}.
   *
   * @param clock the source of the timestamp
   * @param random the source of the random bits
   * @return the generator
   * @throws NullPointerException if an argument is null
   */
  static IdempotencyKeyGenerator uuidV7(Clock clock, RandomGenerator random) {
    requireNonNull(clock, "clock");
    requireNonNull(random, "random");
    return () -> UuidGenerators.v7(clock.millis(), random);
  }
}
