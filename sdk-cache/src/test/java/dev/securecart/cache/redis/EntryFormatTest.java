package dev.securecart.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.cache.CodecException;
import dev.securecart.cache.StoredEntry;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class EntryFormatTest {

  /** The flags byte follows the version byte. */
  private static final int FLAGS = 1;

  private static byte[] found() {
    return EntryFormat.encode(
        StoredEntry.found(new byte[] {42}, Set.of("product:42"), 1, 2, 3, 4, 5, 6));
  }

  @Test
  void foundAndNotFoundEntriesRoundTrip() {
    assertThat(EntryFormat.decode(found()).isFound()).isTrue();
    assertThat(
            EntryFormat.decode(EntryFormat.encode(StoredEntry.notFound(Set.of(), 1, 4, 5)))
                .isFound())
        .isFalse();
  }

  @Test
  void flagsThisVersionDoesNotKnowAreACorruptEntryNotANotFound() {
    for (byte flags : new byte[] {2, 3, (byte) 0x81, -1}) {
      byte[] bytes = found();
      bytes[FLAGS] = flags;

      assertThatThrownBy(() -> EntryFormat.decode(bytes))
          .as("flags %d", flags)
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("flags");
    }
  }
}
