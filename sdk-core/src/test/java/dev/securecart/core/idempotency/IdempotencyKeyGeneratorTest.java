package dev.securecart.core.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.core.testing.FakeClock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

final class IdempotencyKeyGeneratorTest {

  @Test
  void uuidV4KeysHaveVersion4AndTheRfcVariantAndDoNotRepeat() {
    IdempotencyKeyGenerator generator = IdempotencyKeyGenerator.uuidV4();
    Set<IdempotencyKey> seen = new HashSet<>();

    for (int i = 0; i < 10_000; i++) {
      IdempotencyKey key = generator.next();
      UUID uuid = UUID.fromString(key.value());
      assertThat(uuid.version()).isEqualTo(4);
      assertThat(uuid.variant()).isEqualTo(2);
      assertThat(uuid.toString()).isEqualTo(key.value());
      assertThat(seen.add(key)).isTrue();
    }
  }

  @Test
  void uuidV4WithAGivenRandomIsRepeatable() {
    List<IdempotencyKey> first = keys(IdempotencyKeyGenerator.uuidV4(new SplittableRandom(7)), 5);
    List<IdempotencyKey> second = keys(IdempotencyKeyGenerator.uuidV4(new SplittableRandom(7)), 5);

    assertThat(first).isEqualTo(second).doesNotHaveDuplicates();
  }

  @Test
  void uuidV7KeysCarryTheClocksMillisecondsAndSortByTime() {
    FakeClock clock = FakeClock.create();
    IdempotencyKeyGenerator generator =
        IdempotencyKeyGenerator.uuidV7(clock, new SplittableRandom(1));

    IdempotencyKey earlier = generator.next();
    clock.advance(Duration.ofMillis(1));
    IdempotencyKey later = generator.next();

    UUID uuid = UUID.fromString(earlier.value());
    assertThat(uuid.version()).isEqualTo(7);
    assertThat(uuid.variant()).isEqualTo(2);
    assertThat(uuid.getMostSignificantBits() >>> 16)
        .isEqualTo(FakeClock.DEFAULT_START.toEpochMilli());
    assertThat(later.value()).isGreaterThan(earlier.value());
  }

  @Test
  void uuidV7KeysMadeInTheSameMillisecondStillDiffer() {
    FakeClock frozen = FakeClock.create();
    IdempotencyKeyGenerator generator =
        IdempotencyKeyGenerator.uuidV7(frozen, new SplittableRandom(3));

    assertThat(keys(generator, 10_000)).doesNotHaveDuplicates();
    assertThat(UUID.fromString(IdempotencyKeyGenerator.uuidV7().next().value()).version())
        .isEqualTo(7);
  }

  private static List<IdempotencyKey> keys(IdempotencyKeyGenerator generator, int count) {
    return IntStream.range(0, count).mapToObj(i -> generator.next()).toList();
  }
}
