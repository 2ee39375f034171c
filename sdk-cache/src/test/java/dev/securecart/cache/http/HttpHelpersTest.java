package dev.securecart.cache.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.cache.CachePolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class HttpHelpersTest {

  @Test
  void cacheControlFollowsThePolicyWithStaleIfErrorCountedFromStaleness() {
    CachePolicy policy =
        CachePolicy.builder()
            .freshFor(Duration.ofSeconds(60))
            .staleWhileRevalidate(Duration.ofMinutes(10))
            .staleIfError(Duration.ofHours(1))
            .build();

    assertThat(CacheControl.forPolicy(policy))
        .hasToString("public, max-age=60, stale-while-revalidate=600, stale-if-error=4200");
    assertThat(CacheControl.forPolicy(CachePolicy.ofDefaults())).hasToString("public, max-age=60");
  }

  @Test
  void cacheControlBuildsEveryDirective() {
    assertThat(
            CacheControl.builder()
                .maxAge(Duration.ofSeconds(10))
                .sMaxAge(Duration.ofMinutes(5))
                .staleWhileRevalidate(Duration.ofSeconds(30))
                .staleIfError(Duration.ofDays(1))
                .mustRevalidate()
                .build())
        .hasToString(
            "public, max-age=10, s-maxage=300, stale-while-revalidate=30, stale-if-error=86400,"
                + " must-revalidate");
    assertThat(CacheControl.builder().privateCache().sMaxAge(Duration.ofSeconds(5)).build())
        .hasToString("private");
    assertThat(CacheControl.builder().maxAge(Duration.ofSeconds(5)).noStore().build())
        .hasToString("no-store");
    assertThat(CacheControl.builder().maxAge(Duration.ofDays(365)).immutable().build())
        .hasToString("public, max-age=31536000, immutable");
    assertThatThrownBy(() -> CacheControl.builder().immutable().build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> CacheControl.builder().maxAge(Duration.ofSeconds(-1)))
        .hasMessageContaining("maxAge");
  }

  @Test
  void weakETagsAreStableAndCompareWeakly() {
    String etag = ETags.weak("product 42".getBytes(StandardCharsets.UTF_8));

    assertThat(etag).startsWith("W/\"").endsWith("\"").hasSize(22 + 4);
    assertThat(ETags.weak("product 42".getBytes(StandardCharsets.UTF_8))).isEqualTo(etag);
    assertThat(ETags.weakFromVersion("v7")).isNotEqualTo(ETags.weakFromVersion("v8"));
    assertThat(ETags.matches(etag, etag)).isTrue();
    assertThat(ETags.matches("\"x\", " + etag.substring(2), etag)).isTrue();
    assertThat(ETags.matches("*", etag)).isTrue();
    assertThat(ETags.matches("W/\"other\"", etag)).isFalse();
  }

  @Test
  void surrogateKeysCarryTheEntrysTagsSortedAndSafe() {
    Set<String> tags = Set.of("product:42", "category:shoes", "a b,c\"%é");

    assertThat(SurrogateKeys.surrogateKey(tags))
        .isEqualTo("a%20b%2Cc%22%25%C3%A9 category:shoes product:42");
    assertThat(SurrogateKeys.cacheTag(tags))
        .isEqualTo("a%20b%2Cc%22%25%C3%A9,category:shoes,product:42");
    assertThat(SurrogateKeys.cacheTag(Set.of())).isEmpty();
  }

  @Test
  void surrogateKeysStayUnderTheHeaderLimitWithoutCuttingATag() {
    List<String> tags = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      tags.add(String.format("product:%05d", i));
    }

    String value = SurrogateKeys.surrogateKey(tags);

    assertThat(value.length()).isLessThanOrEqualTo(SurrogateKeys.MAX_HEADER_LENGTH);
    assertThat(value.split(" ")).allMatch(tag -> tag.matches("product:\\d{5}"));
  }

  @Test
  void urlsThatShowTheSamePageNormalizeToOneKey() {
    UrlNormalizer normalizer = UrlNormalizer.defaults();
    String expected = "https://shop.example/p/42?a=1&b=2";

    assertThat(normalizer.normalize("HTTPS://Shop.Example:443/p/42?utm_source=x&b=2&a=1#top"))
        .isEqualTo(expected);
    assertThat(normalizer.normalize("https://shop.example/p/42?a=1&gclid=abc&b=2&fbclid=z"))
        .isEqualTo(expected);
    assertThat(normalizer.normalize("https://shop.example/p/42?b=2&UTM_Campaign=y&a=1"))
        .isEqualTo(expected);
  }

  @Test
  void urlNormalizationKeepsWhatMatters() {
    UrlNormalizer normalizer = UrlNormalizer.defaults();

    assertThat(normalizer.normalize("http://shop.example:8080/P/42?size=M&size=L"))
        .isEqualTo("http://shop.example:8080/P/42?size=M&size=L");
    assertThat(normalizer.normalize("https://shop.example")).isEqualTo("https://shop.example/");
    assertThat(normalizer.normalize("/search?q=red%20shoes&utm_medium=mail&page=2"))
        .isEqualTo("/search?page=2&q=red%20shoes");
    assertThat(
            UrlNormalizer.builder()
                .stripParameter("sessionid")
                .stripPrefix("ref_")
                .build()
                .normalize("/p?ref_x=1&SessionId=2&id=3"))
        .isEqualTo("/p?id=3");
    assertThatThrownBy(() -> normalizer.normalize("ftp://x/y"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> normalizer.normalize("http://bad host/"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
