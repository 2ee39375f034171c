package dev.securecart.cache.http;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.net.IDN;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns URLs that show the same page into one cache key: lower-cases the scheme and host, drops a
 * default port and the fragment, removes tracking parameters ({@code utm_*}, {@code gclid}, {@code
 * fbclid} and whatever else is configured, matched by their percent-decoded names; a pair holding a
 * {@code ;} is kept whole, since some origins split on it) and sorts the remaining query parameters
 * by decoded name (the order of repeated names is kept). Characters that a URI cannot hold but
 * browsers send as they are ({@code |}, {@code ^}, {@code [}, braces, non-ASCII…) are
 * percent-encoded as UTF-8, so {@code a|b} and {@code a%7Cb} give one key, and the hex digits of
 * every percent-escape are upper-cased (RFC 3986 §6.2.2.1), so {@code %7c} and {@code %7C} give one
 * key too; otherwise the path and parameter values are kept exactly as given (percent-encoding
 * included). Immutable and thread-safe.
 *
 * <pre>{@code
 * UrlNormalizer.defaults().normalize("HTTPS://Shop.Example:443/p/42?utm_source=x&b=2&a=1#top")
 * // https://shop.example/p/42?a=1&b=2
 * }</pre>
 */
public final class UrlNormalizer {

  /*
   * Why parse by hand rather than with java.net.URI: URI reads "//admin/p" as a host "admin" and a
   * path "/p", but a request target is only ever a path, and Tomcat (among others) collapses the
   * "//" and serves /admin/p: reading it as URI does would give /admin/p's page the key of /p. URI
   * also rejects characters browsers send unencoded, and hosts it cannot parse (an underscore).
   *
   * "//admin/p" is kept as it is rather than collapsed to "/admin/p": whether an origin collapses
   * slashes is its own business (S3 and many routers do not), and a key that keeps every segment
   * can at worst miss a hit, never serve one page for another. The same reasoning rejects a
   * backslash in the path instead of encoding it: browsers and IIS turn it into "/" while other
   * servers take it as a character, so no key for it is safe.
   *
   * Messages never quote the input: a URL may carry a token in its query.
   */

  private static final UrlNormalizer DEFAULTS = builder().build();

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private final Set<String> strippedNames;
  private final List<String> strippedPrefixes;

  private UrlNormalizer(Builder builder) {
    this.strippedNames = Set.copyOf(builder.names);
    this.strippedPrefixes = List.copyOf(builder.prefixes);
  }

  /**
   * The normalizer that strips {@code utm_*}, {@code gclid}, {@code fbclid}, {@code msclkid},
   * {@code dclid} and {@code mc_eid}.
   *
   * @return the default normalizer
   */
  public static UrlNormalizer defaults() {
    return DEFAULTS;
  }

  /**
   * A builder that starts with the default tracking parameters.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Normalizes an absolute {@code http} or {@code https} URL, or a request target: a path with an
   * optional query, such as a request's path and query string. Input that starts with {@code /} is
   * always a request target, so {@code //admin/p} keeps {@code admin} as a path segment.
   *
   * @param url the URL
   * @return the normalized URL
   * @throws IllegalArgumentException if the URL is blank, not {@code http(s)}, has no usable host
   *     or port, or has a malformed percent-escape or a backslash in its host part or path
   */
  public String normalize(String url) {
    requireNonNull(url, "url");
    String input = url.trim();
    requireArgument(!input.isEmpty(), "url must not be blank");
    int hash = input.indexOf('#');
    if (hash >= 0) {
      input = input.substring(0, hash);
    }
    StringBuilder out = new StringBuilder();
    String target = input;
    int colon = input.startsWith("/") ? -1 : schemeLength(input);
    if (colon > 0) {
      String scheme = input.substring(0, colon).toLowerCase(Locale.ROOT);
      requireArgument(
          scheme.equals("http") || scheme.equals("https"), "not an http(s) URL: %s", scheme);
      requireArgument(input.startsWith("//", colon + 1), "the URL has no host");
      int authorityStart = colon + 3;
      int authorityEnd = authorityStart;
      while (authorityEnd < input.length() && "/?".indexOf(input.charAt(authorityEnd)) < 0) {
        authorityEnd++;
      }
      String authority = input.substring(authorityStart, authorityEnd);
      // Browsers end an http(s) authority at a backslash too: https://a.example\@b.example/
      // is a request to a.example, which a key of b.example must never stand for.
      requireArgument(authority.indexOf('\\') < 0, "malformed URL: a backslash in the host part");
      appendAuthority(out, scheme, authority);
      target = input.substring(authorityEnd);
    }
    int question = target.indexOf('?');
    String path = encode(question < 0 ? target : target.substring(0, question), "path");
    out.append(path.isEmpty() ? "/" : path);
    String query = question < 0 ? "" : encode(target.substring(question + 1), "query");
    List<String[]> parameters = new ArrayList<>();
    boolean semicolons = false;
    for (String pair : query.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      // Decoded as servers decode it (%XX as UTF-8, + as a space; encode() checked every escape),
      // so a name spelled %75tm_source is still a tracking parameter.
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      // Some origins also split the query on ';': for them "utm_source=x;currency=EUR" holds a
      // currency, which stripping the pair would drop from the key but not from the page. Such a
      // pair is kept whole: a key that keeps too much can only miss a hit.
      if (!isStripped(name) || pair.indexOf(';') >= 0) {
        parameters.add(new String[] {name, pair});
        semicolons |= pair.indexOf(';') >= 0;
      }
    }
    // Stable, and by decoded name: "a=1&%61=2" and "%61=2&a=1" give the origin different lists.
    // Not when a pair holds a ';': the names behind it would move past the pairs around them, and
    // "c=USD&x=1;c=EUR" and "x=1;c=EUR&c=USD" are different pages to an origin that splits on ';'.
    if (!semicolons) {
      parameters.sort(Comparator.comparing(p -> p[0]));
    }
    for (int i = 0; i < parameters.size(); i++) {
      out.append(i == 0 ? '?' : '&').append(parameters.get(i)[1]);
    }
    return out.toString();
  }

  /** The length of a leading RFC 3986 scheme followed by {@code :}, or -1. */
  private static int schemeLength(String input) {
    for (int i = 0; i < input.length(); i++) {
      char c = input.charAt(i);
      if (c == ':') {
        return i > 0 ? i : -1;
      }
      boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!letter && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))) {
        return -1;
      }
    }
    return -1;
  }

  private static void appendAuthority(StringBuilder out, String scheme, String authority) {
    String hostAndPort = authority.substring(authority.lastIndexOf('@') + 1);
    requireArgument(!hostAndPort.isEmpty(), "the URL has no host");
    String host = null;
    int port = -1;
    try {
      URI uri = new URI(scheme + "://" + hostAndPort + "/");
      host = uri.getHost();
      port = uri.getPort();
    } catch (URISyntaxException e) {
      // not a host URI can parse; read it below
    }
    if (host == null) {
      requireArgument(!hostAndPort.startsWith("["), "malformed URL: the IPv6 host is malformed");
      int colon = hostAndPort.lastIndexOf(':');
      host = hostName(colon < 0 ? hostAndPort : hostAndPort.substring(0, colon));
      port = colon < 0 ? -1 : port(hostAndPort.substring(colon + 1));
    }
    requireArgument(port <= 65_535, "malformed URL: the port is not a number from 0 to 65535");
    out.append(scheme).append("://").append(host.toLowerCase(Locale.ROOT));
    boolean defaultPort =
        port < 0
            || (scheme.equals("http") && port == 80)
            || (scheme.equals("https") && port == 443);
    if (!defaultPort) {
      out.append(':').append(port);
    }
  }

  /** A host URI cannot parse (an underscore, a non-ASCII name), as ASCII. */
  private static String hostName(String text) {
    requireArgument(!text.isEmpty(), "the URL has no host");
    String ascii = text;
    if (!text.chars().allMatch(c -> c < 0x80)) {
      try {
        ascii = IDN.toASCII(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "malformed URL: the host is not a valid internationalized domain name", e);
      }
    }
    ascii = ascii.toLowerCase(Locale.ROOT);
    for (int i = 0; i < ascii.length(); i++) {
      char c = ascii.charAt(i);
      requireArgument(
          (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_',
          "malformed URL: the host has a character a host name cannot have (U+%04X)",
          (int) c);
    }
    return ascii;
  }

  private static int port(String text) {
    if (text.isEmpty()) {
      return -1;
    }
    requireArgument(
        text.length() <= 5 && text.chars().allMatch(c -> c >= '0' && c <= '9'),
        "malformed URL: the port is not a number from 0 to 65535");
    return Integer.parseInt(text);
  }

  /**
   * Percent-encodes, as UTF-8, every character a URI path or query cannot hold; checks that each
   * {@code %} starts an escape, and upper-cases its hex digits.
   */
  private static String encode(String part, String where) {
    StringBuilder out = null;
    for (int i = 0; i < part.length(); ) {
      int c = part.codePointAt(i);
      int next = i + Character.charCount(c);
      if (c == '%') {
        requireArgument(
            next + 1 < part.length() && isHex(part.charAt(next)) && isHex(part.charAt(next + 1)),
            "malformed URL: a '%%' in the %s is not followed by two hex digits",
            where);
        char high = upperHex(part.charAt(next));
        char low = upperHex(part.charAt(next + 1));
        if (out == null && (high != part.charAt(next) || low != part.charAt(next + 1))) {
          out = new StringBuilder(part.length()).append(part, 0, i);
        }
        if (out != null) {
          out.append('%').append(high).append(low);
        }
        i = next + 2;
        continue;
      } else if (!isUriCharacter(c)) {
        requireArgument(
            c != '\\' || !where.equals("path"), "malformed URL: a backslash in the path");
        requireArgument(
            c < Character.MIN_SURROGATE || c > Character.MAX_SURROGATE,
            "malformed URL: an unpaired surrogate in the %s",
            where);
        if (out == null) {
          out = new StringBuilder(part.length() + 16).append(part, 0, i);
        }
        for (byte b : new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8)) {
          out.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
        }
        i = next;
        continue;
      }
      if (out != null) {
        out.appendCodePoint(c);
      }
      i = next;
    }
    return out == null ? part : out.toString();
  }

  private static char upperHex(char c) {
    return c >= 'a' && c <= 'f' ? (char) (c - ('a' - 'A')) : c;
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /**
   * Unreserved, sub-delims, {@code : @ / ?} (RFC 3986 pchar, query); {@code %} is checked apart.
   */
  private static boolean isUriCharacter(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0;
  }

  private boolean isStripped(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (strippedNames.contains(lower)) {
      return true;
    }
    for (String prefix : strippedPrefixes) {
      if (lower.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** Builds a {@link UrlNormalizer}. Not thread-safe. */
  public static final class Builder {
    private final Set<String> names =
        new LinkedHashSet<>(List.of("gclid", "fbclid", "msclkid", "dclid", "mc_eid"));
    private final List<String> prefixes = new ArrayList<>(List.of("utm_"));

    private Builder() {}

    /**
     * Also removes the parameter {@code name} (compared case-insensitively with each parameter's
     * percent-decoded name, so give it decoded).
     *
     * @param name the parameter name
     * @return this builder
     */
    public Builder stripParameter(String name) {
      requireNonNull(name, "name");
      requireArgument(!name.isEmpty(), "name must not be empty");
      names.add(name.toLowerCase(Locale.ROOT));
      return this;
    }

    /**
     * Also removes every parameter whose percent-decoded name starts with {@code prefix} (compared
     * case-insensitively).
     *
     * @param prefix the prefix
     * @return this builder
     */
    public Builder stripPrefix(String prefix) {
      requireNonNull(prefix, "prefix");
      requireArgument(!prefix.isEmpty(), "prefix must not be empty");
      prefixes.add(prefix.toLowerCase(Locale.ROOT));
      return this;
    }

    /**
     * Builds the normalizer.
     *
     * @return the normalizer
     */
    public UrlNormalizer build() {
      return new UrlNormalizer(this);
    }
  }
}
