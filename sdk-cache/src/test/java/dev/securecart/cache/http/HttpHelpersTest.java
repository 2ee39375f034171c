package dev.securecart.cache.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.cache.CachePolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
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
        .hasToString("max-age=60, stale-while-revalidate=600, stale-if-error=4200");
    assertThat(CacheControl.forPolicy(CachePolicy.ofDefaults())).hasToString("max-age=60");
    assertThat(CacheControl.builder().publicCache().policy(policy).build())
        .hasToString("public, max-age=60, stale-while-revalidate=600, stale-if-error=4200");
  }

  @Test
  void publicIsOnlyThereWhenAskedFor() {
    // public lets a CDN store a response to an authorized request and serve it to everyone.
    assertThat(CacheControl.builder().maxAge(Duration.ofSeconds(60)).build())
        .hasToString("max-age=60");
    assertThat(CacheControl.builder().publicCache().maxAge(Duration.ofSeconds(60)).build())
        .hasToString("public, max-age=60");
    assertThatThrownBy(() -> CacheControl.builder().publicCache().privateCache().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("public")
        .hasMessageContaining("private");
  }

  @Test
  void cacheControlBuildsEveryDirective() {
    assertThat(
            CacheControl.builder()
                .publicCache()
                .noCache()
                .maxAge(Duration.ofSeconds(10))
                .sMaxAge(Duration.ofMinutes(5))
                .staleWhileRevalidate(Duration.ofSeconds(30))
                .staleIfError(Duration.ofDays(1))
                .build())
        .hasToString(
            "public, no-cache, max-age=10, s-maxage=300, stale-while-revalidate=30,"
                + " stale-if-error=86400");
    assertThat(CacheControl.builder().maxAge(Duration.ofSeconds(10)).mustRevalidate().build())
        .hasToString("max-age=10, must-revalidate");
    assertThat(CacheControl.builder().privateCache().sMaxAge(Duration.ofSeconds(5)).build())
        .hasToString("private");
    assertThat(CacheControl.builder().maxAge(Duration.ofSeconds(5)).noStore().build())
        .hasToString("no-store");
    assertThat(CacheControl.builder().maxAge(Duration.ofDays(365)).immutable().build())
        .hasToString("max-age=31536000, immutable");
    assertThatThrownBy(() -> CacheControl.builder().immutable().build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> CacheControl.builder().maxAge(Duration.ofSeconds(-1)))
        .hasMessageContaining("maxAge");
  }

  @Test
  void mustRevalidateWithAStaleDirectiveIsRejectedNamingBoth() {
    Duration minute = Duration.ofMinutes(1);

    assertThatThrownBy(
            () -> CacheControl.builder().mustRevalidate().staleWhileRevalidate(minute).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("must-revalidate cannot be combined with stale-while-revalidate");
    assertThatThrownBy(() -> CacheControl.builder().staleIfError(minute).mustRevalidate().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("must-revalidate cannot be combined with stale-if-error");
    CachePolicy policy =
        CachePolicy.builder().staleWhileRevalidate(minute).staleIfError(minute).build();
    assertThatThrownBy(() -> CacheControl.builder().policy(policy).mustRevalidate().build())
        .hasMessageContaining("with stale-while-revalidate and stale-if-error");
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
    Set<String> tags = Set.of("product:42", "category:shoes", "a b,c\"%é~");

    assertThat(SurrogateKeys.surrogateKey(tags))
        .isEqualTo(
            new SurrogateKeys.Header(
                "a%20b%2Cc%22%25%C3%A9%7E category:shoes product:42", List.of()));
    assertThat(SurrogateKeys.cacheTag(tags).value())
        .isEqualTo("a%20b%2Cc%22%25%C3%A9%7E,category:shoes,product:42");
    assertThat(SurrogateKeys.cacheTag(Set.of()).value()).isEmpty();
    assertThat(SurrogateKeys.key("product:42")).isEqualTo("product:42");
    assertThatThrownBy(() -> SurrogateKeys.surrogateKey(Set.of("")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tagsThatDoNotFitAreNamedAndAnOverflowKeyStandsInForThem() {
    List<String> tags = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      tags.add(String.format("product:%05d", i));
    }
    tags.add("category:shoes");

    SurrogateKeys.Header header = SurrogateKeys.surrogateKey(tags, "category-page:shoes");
    List<String> keys = List.of(header.value().split(" "));

    assertThat(header.value().length()).isLessThanOrEqualTo(SurrogateKeys.MAX_HEADER_LENGTH);
    assertThat(header.isComplete()).isFalse();
    assertThat(keys).startsWith("category:shoes", "product:00000").endsWith("category-page:shoes");
    assertThat(keys.subList(1, keys.size() - 1)).allMatch(key -> key.matches("product:\\d{5}"));
    // Every tag is either carried or named as omitted: none is lost without a word.
    List<String> accounted = new ArrayList<>(keys.subList(0, keys.size() - 1));
    accounted.addAll(header.omitted());
    assertThat(accounted).containsExactlyInAnyOrderElementsOf(tags);
    assertThat(header.omitted()).isSorted().contains("product:01999");
    assertThat(SurrogateKeys.surrogateKey(tags).value())
        .endsWith(" " + SurrogateKeys.DEFAULT_OVERFLOW_TAG);
  }

  @Test
  void aCacheTagCarriesAtMostAThousandKeysTheOverflowKeyIncluded() {
    List<String> tags = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      tags.add("p" + i);
    }

    SurrogateKeys.Header header = SurrogateKeys.cacheTag(tags);

    assertThat(header.value().split(",")).hasSize(1000).endsWith("securecart-overflow");
    assertThat(header.omitted()).hasSize(501);
    assertThat(SurrogateKeys.cacheTag(tags.subList(0, 1000)).isComplete()).isTrue();
  }

  @Test
  void aTagTooLongForAKeyIsHashedTheSameWayInTheHeaderAndForThePurge() {
    String longTag = "search:" + "é".repeat(600); // 1,200 bytes of UTF-8, 3,607 once encoded
    String key = SurrogateKeys.key(longTag);

    assertThat(key.length()).isLessThanOrEqualTo(SurrogateKeys.MAX_KEY_LENGTH);
    assertThat(key).startsWith("search:%C3%A9").matches("[^ ,\"]+~[0-9a-f]{64}");
    assertThat(SurrogateKeys.key(longTag)).isEqualTo(key);
    assertThat(SurrogateKeys.key(longTag + "x")).isNotEqualTo(key);
    assertThat(SurrogateKeys.surrogateKey(Set.of(longTag, "product:42")).value())
        .isEqualTo("product:42 " + key);
    assertThat(SurrogateKeys.key("a".repeat(SurrogateKeys.MAX_KEY_LENGTH)))
        .isEqualTo("a".repeat(SurrogateKeys.MAX_KEY_LENGTH));
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

  @Test
  void ifNoneMatchIsParsedAsAListOfQuotedTagsWithCommasInside() {
    assertThat(ETags.matches("\"a,b\"", "\"a,b\"")).isTrue();
    assertThat(ETags.matches("W/\"x\" ,\"a,b\",W/\"c\"", "W/\"a,b\"")).isTrue();
    assertThat(ETags.matches("\"a,b\"", "\"a\"")).isFalse();
    assertThat(ETags.matches("\"a,b\"", "\"b\"")).isFalse();
    assertThat(ETags.matches(" , W/\"v7\" ,, ", "\"v7\"")).isTrue();
  }

  @Test
  void malformedIfNoneMatchMembersAreIgnoredNotThrown() {
    String etag = "W/\"v7\"";

    assertThat(ETags.matches("junk, \"x\" y, w/\"v7\", \"v7\"", etag)).isTrue();
    assertThat(ETags.matches("v7", etag)).isFalse();
    assertThat(ETags.matches("\"v7", etag)).isFalse();
    assertThat(ETags.matches("\"v7\"x", etag)).isFalse();
    assertThat(ETags.matches("\"a\", *", etag)).isFalse();
    assertThat(ETags.matches("\"unterminated, W/\"v7\"", etag)).isFalse();
    assertThat(ETags.matches("", etag)).isFalse();
  }

  @Test
  void aRequestTargetStartingWithTwoSlashesKeepsEveryPathSegment() {
    UrlNormalizer normalizer = UrlNormalizer.defaults();

    assertThat(normalizer.normalize("//admin/p?a=1"))
        .isEqualTo("//admin/p?a=1")
        .isNotEqualTo(normalizer.normalize("/p?a=1"));
    assertThat(normalizer.normalize("//admin/p")).isNotEqualTo(normalizer.normalize("/p"));
    assertThat(normalizer.normalize("//Shop.Example:443/p")).isEqualTo("//Shop.Example:443/p");
    assertThat(normalizer.normalize("https://shop.example//admin/p"))
        .isEqualTo("https://shop.example//admin/p");
  }

  @Test
  void charactersBrowsersSendUnencodedArePercentEncodedIntoTheSameKey() {
    UrlNormalizer normalizer = UrlNormalizer.defaults();

    assertThat(normalizer.normalize("/p?q=a|b")).isEqualTo(normalizer.normalize("/p?q=a%7Cb"));
    assertThat(normalizer.normalize("https://shop.example/a|b/{x}^`?f[]=1&f[]=2&q=\"x y\""))
        .isEqualTo("https://shop.example/a%7Cb/%7Bx%7D%5E%60?f%5B%5D=1&f%5B%5D=2&q=%22x%20y%22");
    assertThat(normalizer.normalize("/café?q=é")).isEqualTo("/caf%C3%A9?q=%C3%A9");
    assertThat(normalizer.normalize("/p?q=😀")).isEqualTo("/p?q=%F0%9F%98%80");
    assertThat(normalizer.normalize("/p?q=\uD836\uDC00")).isEqualTo("/p?q=%F0%9D%A0%80");
  }

  @Test
  void percentEscapesWithLowerCaseHexGiveTheSameKeyAsUpperCase() {
    UrlNormalizer normalizer = UrlNormalizer.defaults();

    assertThat(normalizer.normalize("/p?q=a%7cb")).isEqualTo("/p?q=a%7Cb");
    assertThat(normalizer.normalize("https://Shop.Example/a%7cb/%e2%82%ac?Q%3d=x%2f&b=%41"))
        .isEqualTo("https://shop.example/a%7Cb/%E2%82%AC?Q%3D=x%2F&b=%41")
        .isEqualTo(normalizer.normalize("https://shop.example/a%7Cb/%E2%82%AC?Q%3D=x%2F&b=%41"));
    assertThat(normalizer.normalize("/a|b?q=%7c|")).isEqualTo("/a%7Cb?q=%7C%7C");
  }

  @Test
  void hostsThatJavaNetUriCannotParseFallBackToTheirText() {
    UrlNormalizer normalizer = UrlNormalizer.defaults();

    assertThat(normalizer.normalize("https://My_Shop.Example.com:443/p?b=2&a=1"))
        .isEqualTo("https://my_shop.example.com/p?a=1&b=2");
    assertThat(normalizer.normalize("http://user@my_shop.example:8080"))
        .isEqualTo("http://my_shop.example:8080/");
    assertThat(normalizer.normalize("https://Bücher.Example/p"))
        .isEqualTo("https://xn--bcher-kva.example/p")
        .isEqualTo(normalizer.normalize("https://xn--bcher-kva.example/p"));
    assertThat(normalizer.normalize("http://[::1]:8080/p")).isEqualTo("http://[::1]:8080/p");
  }

  @Test
  void unusableUrlsAreRejectedWithoutEchoingThem() {
    UrlNormalizer normalizer = UrlNormalizer.defaults();

    assertThatThrownBy(() -> normalizer.normalize(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
    assertThatThrownBy(() -> normalizer.normalize("/p?token=s3cret&x=%zz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("%")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> normalizer.normalize("https://bad host/p?token=s3cret"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> normalizer.normalize("https://sh<op.example/"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host");
    assertThatThrownBy(() -> normalizer.normalize("https://shop.example:99999/"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port");
    assertThatThrownBy(() -> normalizer.normalize("https:///p"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no host");
    assertThatThrownBy(() -> normalizer.normalize("https://attacker.example\\@shop.example/p"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("backslash");
    assertThatThrownBy(() -> normalizer.normalize("/admin\\p?token=s3cret"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("backslash")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> normalizer.normalize("/p?q=\uD800"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("surrogate");
    assertThatThrownBy(() -> normalizer.normalize("javascript:alert(1)"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not an http(s) URL: javascript");
  }

  @Test
  void trackingParametersAreStrippedByTheirDecodedNames() {
    UrlNormalizer normalizer = UrlNormalizer.defaults();

    assertThat(
            normalizer.normalize("/p?%75tm_source=x&utm%5Fmedium=y&%55TM_Campaign=z&gcl%69d=1&a=1"))
        .isEqualTo("/p?a=1");
    assertThat(
            UrlNormalizer.builder()
                .stripParameter("session id")
                .build()
                .normalize("/p?session%20id=1&Session+Id=2&id=3"))
        .isEqualTo("/p?id=3");
  }

  @Test
  void aTrackingParameterHoldingASemicolonIsKeptWithWhatFollowsIt() {
    // An origin splitting on ';' reads currency=EUR here: dropping the pair would give the EUR
    // page the key of the default currency's.
    List<String> keys =
        Stream.of("/p?utm_source=x;currency=EUR&a=1", "/p?gclid=1;2&a=1", "/p?utm_source=x%3Bc&a=1")
            .map(UrlNormalizer.defaults()::normalize)
            .toList();

    assertThat(keys)
        .containsExactly("/p?utm_source=x;currency=EUR&a=1", "/p?gclid=1;2&a=1", "/p?a=1");
  }

  @Test
  void aQueryWithASemicolonKeepsItsOrder() {
    // To an origin that splits on ';', the first says currency=USD then EUR, the second the
    // reverse: sorted, both would have one key.
    UrlNormalizer normalizer = UrlNormalizer.defaults();

    assertThat(normalizer.normalize("/p?currency=USD&utm_source=x;currency=EUR"))
        .isNotEqualTo(normalizer.normalize("/p?utm_source=x;currency=EUR&currency=USD"));
  }

  @Test
  void repeatedParametersKeepTheirOrderWhateverTheirNamesEncoding() {
    UrlNormalizer normalizer = UrlNormalizer.defaults();

    assertThat(normalizer.normalize("/p?a=1&%61=2")).isEqualTo("/p?a=1&%61=2");
    assertThat(normalizer.normalize("/p?%61=2&a=1")).isEqualTo("/p?%61=2&a=1");
    assertThat(normalizer.normalize("/p?b=1&%61=2&a=3")).isEqualTo("/p?%61=2&a=3&b=1");
  }
}
