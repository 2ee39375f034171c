package dev.securecart.core.idempotency.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.core.idempotency.StoredResponse;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class StoredResponseCodecTest {

  @Test
  void roundTripsStatusBodyAndMetadataInOrder() {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("Content-Type", "application/json; charset=utf-8");
    metadata.put("Gr\u00fc\u00dfe", "\u00fcber \u20ac");
    byte[] body = new byte[1000];
    Arrays.fill(body, (byte) 0xff);
    StoredResponse response = StoredResponse.of(418, body, metadata);

    StoredResponse decoded = StoredResponseCodec.decode(StoredResponseCodec.encode(response));

    assertThat(decoded).isEqualTo(response);
    assertThat(decoded.metadata().keySet()).containsExactly("Content-Type", "Gr\u00fc\u00dfe");
  }

  @Test
  void writesTheDocumentedLayout() {
    byte[] encoded =
        StoredResponseCodec.encode(StoredResponse.of(201, "ok".getBytes(UTF_8), Map.of("a", "b")));

    assertThat(encoded)
        .containsExactly(
            1, // version
            0,
            0,
            0,
            (byte) 201, // status
            0,
            0,
            0,
            1, // one metadata entry
            0,
            0,
            0,
            1,
            'a',
            0,
            0,
            0,
            1,
            'b', // name, value
            0,
            0,
            0,
            2,
            'o',
            'k'); // body
  }

  @Test
  void rejectsUnknownVersionsAndTruncatedOrOverlongInput() {
    byte[] good = StoredResponseCodec.encode(StoredResponse.of(200, new byte[] {1, 2, 3}));
    byte[] otherVersion = good.clone();
    otherVersion[0] = 2;

    assertThatThrownBy(() -> StoredResponseCodec.decode(otherVersion))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stored response has layout version 2, expected 1");
    assertThatThrownBy(() -> StoredResponseCodec.decode(Arrays.copyOf(good, good.length - 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("declares 3 bytes where 2 remain");
    assertThatThrownBy(() -> StoredResponseCodec.decode(Arrays.copyOf(good, good.length + 1)))
        .hasMessage("stored response has 1 bytes after its body");
    assertThatThrownBy(() -> StoredResponseCodec.decode(new byte[] {1, 0}))
        .hasMessage("stored response is truncated");
    assertThatThrownBy(() -> StoredResponseCodec.decode("garbage".getBytes(UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
