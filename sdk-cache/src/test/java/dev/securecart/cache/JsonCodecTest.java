package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class JsonCodecTest {

  record Line(String sku, int quantity) {}

  record Order(String id, Instant placedAt, Optional<String> coupon, List<Line> lines) {}

  private static final Order ORDER =
      new Order(
          "o-1",
          Instant.parse("2025-03-01T10:15:30.123456789Z"),
          Optional.of("SPRING"),
          List.of(new Line("sku-1", 2), new Line("sku-2", 1)));

  private static byte[] utf8(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aRecordWithInstantOptionalAndListFieldsRoundTrips() {
    JsonCodec<Order> codec = JsonCodec.of(Order.class);

    assertThat(codec.decode(codec.encode(ORDER))).isEqualTo(ORDER);
    Order noCoupon = new Order("o-2", ORDER.placedAt(), Optional.empty(), List.of());
    assertThat(codec.decode(codec.encode(noCoupon))).isEqualTo(noCoupon);
  }

  @Test
  void propertiesANewerVersionAddedAreIgnored() {
    JsonCodec<Line> codec = JsonCodec.of(Line.class);

    assertThat(codec.decode(utf8("{\"sku\":\"sku-1\",\"quantity\":2,\"giftWrap\":true}")))
        .isEqualTo(new Line("sku-1", 2));
  }

  @Test
  void aMalformedPayloadIsACodecExceptionThatDoesNotQuoteIt() {
    JsonCodec<Line> codec = JsonCodec.of(Line.class);

    assertThatThrownBy(() -> codec.decode(utf8("{\"sku\": s3cret-4111-1111")))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("JSON")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> codec.decode(utf8("{\"sku\":\"s3cret\",\"quantity\":\"many\"}")))
        .isInstanceOf(CodecException.class)
        .hasMessageNotContaining("s3cret")
        .hasMessageNotContaining("many");
  }

  @Test
  void genericTypesRoundTrip() {
    JsonCodec<List<Order>> orders = JsonCodec.of(new TypeReference<List<Order>>() {});
    ObjectMapper mapper = new ObjectMapper();
    JavaType lines = mapper.getTypeFactory().constructCollectionType(List.class, Line.class);
    JsonCodec<List<Line>> byJavaType = JsonCodec.of(mapper, lines);

    assertThat(orders.decode(orders.encode(List.of(ORDER)))).containsExactly(ORDER);
    assertThat(byJavaType.decode(byJavaType.encode(ORDER.lines()))).isEqualTo(ORDER.lines());
  }

  @Test
  void anApplicationsMapperIgnoresPropertiesANewerVersionAddedToo() {
    // Jackson's own default fails on unknown properties: the old nodes of a rolling deploy that
    // adds a field would then decode nothing the new ones write.
    ObjectMapper strict = new ObjectMapper();
    byte[] newer = utf8("{\"sku\":\"sku-1\",\"quantity\":2,\"giftWrap\":true}");
    byte[] newerList = utf8("[{\"sku\":\"sku-1\",\"quantity\":2,\"giftWrap\":true}]");

    assertThat(JsonCodec.of(strict, Line.class).decode(newer)).isEqualTo(new Line("sku-1", 2));
    assertThat(JsonCodec.of(strict, new TypeReference<List<Line>>() {}).decode(newerList))
        .containsExactly(new Line("sku-1", 2));
    assertThat(
            JsonCodec.<List<Line>>of(
                    strict, strict.getTypeFactory().constructCollectionType(List.class, Line.class))
                .decode(newerList))
        .containsExactly(new Line("sku-1", 2));
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Promo(String code, String note) {}

  record Account(String id, @JsonIgnore String token) {}

  @Test
  void classesThatLeaveAPropertyOutOnPurposeStillReadBack() {
    JsonCodec<Promo> promos = JsonCodec.of(Promo.class);
    JsonCodec<Account> accounts = JsonCodec.of(Account.class);

    assertThat(promos.decode(promos.encode(new Promo("X", null)))).isEqualTo(new Promo("X", null));
    assertThat(accounts.decode(accounts.encode(new Account("a", "t"))))
        .isEqualTo(new Account("a", null));
  }

  record Cutoff(ZonedDateTime local, OffsetDateTime offset, Duration grace) {}

  @Test
  void zonedAndOffsetTimesReadBackInTheirOwnZone() {
    Cutoff cutoff =
        new Cutoff(
            ZonedDateTime.of(2026, 11, 27, 14, 0, 0, 0, ZoneId.of("Europe/Berlin")),
            OffsetDateTime.of(2026, 11, 27, 18, 30, 0, 0, ZoneOffset.ofHoursMinutes(5, 30)),
            Duration.ofMinutes(90));
    JsonCodec<Cutoff> codec = JsonCodec.of(Cutoff.class);

    assertThat(codec.decode(codec.encode(cutoff))).isEqualTo(cutoff);
  }

  record Note(String text, String author) {}

  @Test
  void anApplicationsMapperIsNotChanged() {
    ObjectMapper mapper = new ObjectMapper().findAndRegisterModules();
    JsonCodec<Note> codec = JsonCodec.of(mapper, Note.class);
    Note anonymous = new Note("gift", null);

    assertThat(codec.decode(codec.encode(anonymous))).isEqualTo(anonymous);
    assertThat(mapper.isEnabled(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)).isTrue();
    assertThat(mapper.isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)).isTrue();
  }

  @Test
  void aZonedTimeWrittenAsANumberByTheFormerFormatStillReads() {
    byte[] former =
        utf8("{\"local\":1795784400.000000000,\"offset\":1795784400.0,\"grace\":5400.0}");

    Cutoff read = JsonCodec.of(Cutoff.class).decode(former);

    assertThat(read.local().toInstant()).isEqualTo(Instant.ofEpochSecond(1_795_784_400L));
    assertThat(read.grace()).isEqualTo(Duration.ofMinutes(90));
  }
}
