package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.core.testing.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a cache does and says when its {@link Codec} throws. */
final class CodecFailuresTest {

  private final FakeClock clock = FakeClock.create();
  private final RecordingStats stats = new RecordingStats();
  private final CacheStore store = CacheStore.inMemory(clock);

  private LayeredCache<String, String> cache(String name, Codec<String> codec) {
    return LayeredCache.<String, String>builder(
            name, CachePolicy.builder().freshFor(Duration.ofSeconds(60)).build())
        .loader(new TestOrigin())
        .ticker(clock)
        .clock(clock)
        .executor(Runnable::run)
        .sharedStore(store, codec)
        .statsCounter(cacheName -> stats)
        .build();
  }

  /** A codec that cannot encode (encode fails) or cannot decode (decode fails) anything. */
  private static Codec<String> failing(boolean encode) {
    return new Codec<>() {
      @Override
      public byte[] encode(String value) {
        if (encode) {
          throw new CodecException("no JSON for this type", null);
        }
        return new byte[] {1};
      }

      @Override
      public String decode(byte[] bytes) {
        throw new CodecException("bad bytes", null);
      }
    };
  }

  @Test
  void valuesThatCannotBeEncodedAreEachCountedButWarnedAboutAtMostOncePerInterval() {
    LayeredCache<String, String> cache = cache("unencodable", failing(true));

    try (CapturedLog log = new CapturedLog()) {
      cache.get("p1");
      cache.get("p2");
      cache.get("p3");

      assertThat(stats.count("codecFailure.ENCODE")).isEqualTo(3);
      assertThat(log.lines("WARN", "'unencodable'", "cannot encode")).hasSize(1);

      clock.advance(Duration.ofSeconds(10));
      cache.get("p4");

      assertThat(stats.count("codecFailure.ENCODE")).isEqualTo(4);
      assertThat(log.lines("WARN", "'unencodable'", "cannot encode")).hasSize(2);
      // The second warning counts the failures it stands for: p2, p3 (not logged) and p4.
      assertThat(log.lines("WARN", "'unencodable'", "3 such failure(s) since the last warning"))
          .hasSize(1);
    }
  }

  @Test
  void aCodecFailureIsReportedAsACodecExceptionThatNamesTheCache() {
    LayeredCache<String, String> writer = cache("undecodable", failing(false));
    LayeredCache<String, String> reader = cache("undecodable", failing(false));
    LayeredCache<String, String> unencodable = cache("unencodable", failing(true));
    writer.get("p1");

    try (CapturedLog log = new CapturedLog()) {
      assertThat(reader.get("p1")).isEqualTo("p1:v1"); // from the origin
      unencodable.get("p1");

      assertThat(stats.count("codecFailure.DECODE")).isEqualTo(1);

      assertThat(log.lines("WARN", "CodecException: cache 'undecodable' cannot decode"))
          .singleElement()
          .asString()
          .contains("(bad bytes)");
      assertThat(log.lines("WARN", "CodecException: cache 'unencodable' cannot encode"))
          .singleElement()
          .asString()
          .contains("(no JSON for this type)");
    }
  }

  @Test
  void whatACodecThrowsNamesNoCacheAndWhatACacheReportsNamesIt() {
    assertThat(new CodecException("bad bytes", null).cacheName()).isEmpty();
    assertThat(new CodecException("products", "bad bytes", null).cacheName()).isEqualTo("products");
  }
}
