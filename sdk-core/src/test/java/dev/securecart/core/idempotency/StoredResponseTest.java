package dev.securecart.core.idempotency;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class StoredResponseTest {

  @Test
  void aBodyIsBoundedSoThatAStoreCannotBeFilledWithAFewHugeResponses() {
    assertThat(StoredResponse.of(200, new byte[StoredResponse.MAX_BODY_LENGTH]).body())
        .hasSize(StoredResponse.MAX_BODY_LENGTH);
    assertThatThrownBy(() -> StoredResponse.of(200, new byte[StoredResponse.MAX_BODY_LENGTH + 1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("body must be at most 1048576 bytes, but had 1048577");
  }

  @Test
  void theBodyIsCopiedOnTheWayInAndOut() {
    byte[] body = "{\"ok\":true}".getBytes(UTF_8);
    StoredResponse response = StoredResponse.of(200, body);

    body[0] = 'X';
    response.body()[1] = 'X';

    assertThat(new String(response.body(), UTF_8)).isEqualTo("{\"ok\":true}");
    assertThat(response.bodyLength()).isEqualTo(11);
  }

  @Test
  void metadataIsAnUnmodifiableCopyInTheGivenOrder() {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("Content-Type", "application/json");
    metadata.put("Gateway-Request-Id", "req_1");
    StoredResponse response = StoredResponse.of(201, new byte[0], metadata);

    metadata.put("Late", "entry");

    assertThat(response.metadata().keySet()).containsExactly("Content-Type", "Gateway-Request-Id");
    assertThatThrownBy(() -> response.metadata().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void statusAndMetadataAreChecked() {
    assertThatThrownBy(() -> StoredResponse.of(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("status must be 0 to 999, but was -1");
    assertThatThrownBy(() -> StoredResponse.of(1000))
        .hasMessage("status must be 0 to 999, but was 1000");
    assertThatThrownBy(() -> StoredResponse.of(200, new byte[0], Map.of("", "v")))
        .hasMessage("a metadata name must be 1 to 128 characters, but had 0");
    assertThatThrownBy(() -> StoredResponse.of(200, new byte[0], Map.of("n", "v".repeat(4097))))
        .hasMessage("metadata value of 'n' must be at most 4096 characters, but had 4097");
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i < 33; i++) {
      many.put("h" + i, "v");
    }
    assertThatThrownBy(() -> StoredResponse.of(200, new byte[0], many))
        .hasMessage("metadata must have at most 32 entries, but had 33");
    assertThatThrownBy(() -> StoredResponse.of(200, null)).hasMessage("body cannot be null");
  }

  @Test
  void equalsComparesStatusBodyAndMetadata() {
    StoredResponse response = StoredResponse.of(200, new byte[] {1, 2}, Map.of("a", "b"));

    assertThat(response)
        .isEqualTo(StoredResponse.of(200, new byte[] {1, 2}, Map.of("a", "b")))
        .hasSameHashCodeAs(StoredResponse.of(200, new byte[] {1, 2}, Map.of("a", "b")))
        .isNotEqualTo(StoredResponse.of(201, new byte[] {1, 2}, Map.of("a", "b")))
        .isNotEqualTo(StoredResponse.of(200, new byte[] {1, 3}, Map.of("a", "b")))
        .isNotEqualTo(StoredResponse.of(200, new byte[] {1, 2}, Map.of("a", "c")));
  }

  @Test
  void toStringNeverShowsTheBodyOrMetadataValues() {
    StoredResponse response =
        StoredResponse.of(
            200, "{\"card\":\"4111111111111111\"}".getBytes(UTF_8), Map.of("X-Last4", "1111"));

    assertThat(response)
        .hasToString("StoredResponse[status=200, body=27 bytes, metadata=[X-Last4]]");
  }
}
