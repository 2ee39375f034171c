package dev.securecart.core.idempotency;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.random.RandomGenerator;

/** The UUID layouts of RFC 9562, sections 5.4 and 5.7. */
final class UuidGenerators {

  static final SecureRandom SECURE_RANDOM = new SecureRandom();
  static final IdempotencyKeyGenerator V4 = () -> v4(SECURE_RANDOM);

  private UuidGenerators() {}

  static IdempotencyKey v4(RandomGenerator random) {
    long msb = (random.nextLong() & ~0xF000L) | 0x4000L; // version 4
    long lsb = (random.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48); // variant 10
    return IdempotencyKey.of(new UUID(msb, lsb).toString());
  }

  static IdempotencyKey v7(long unixMillis, RandomGenerator random) {
    long msb = ((unixMillis & 0xFFFF_FFFF_FFFFL) << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
    long lsb = (random.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48);
    return IdempotencyKey.of(new UUID(msb, lsb).toString());
  }
}
