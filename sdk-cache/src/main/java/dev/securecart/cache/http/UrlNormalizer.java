package dev.securecart.cache.http;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns URLs that show the same page into one cache key: lower-cases the scheme and host, drops a
 * default port and the fragment, removes tracking parameters ({@code utm_*}, {@code gclid}, {@code
 * fbclid} and whatever else is configured) and sorts the remaining query parameters by name (the
 * order of repeated names is kept). The path and parameter values are kept exactly as given
 * (percent-encoding included). Immutable and thread-safe.
 *
 * <pre>{@code
 * UrlNormalizer.defaults().normalize("HTTPS://Shop.Example:443/p/42?utm_source=x&b=2&a=1#top")
 * // https://shop.example/p/42?a=1&b=2
 * }</pre>
 */
public final class UrlNormalizer {

  private static final UrlNormalizer DEFAULTS = builder().build();

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
   * Normalizes an absolute {@code http} or {@code https} URL, or a path with an optional query
   * (such as a request's path and query string).
   *
   * @param url the URL
   * @return the normalized URL
   * @throws IllegalArgumentException if the URL is malformed
   */
  public String normalize(String url) {
    requireNonNull(url, "url");
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("malformed URL: " + e.getMessage(), e);
    }
    StringBuilder out = new StringBuilder();
    String scheme = uri.getScheme();
    if (scheme != null) {
      scheme = scheme.toLowerCase(Locale.ROOT);
      requireArgument(
          scheme.equals("http") || scheme.equals("https"), "not an http(s) URL: %s", scheme);
      String host = uri.getHost();
      requireArgument(host != null, "the URL has no host");
      out.append(scheme).append("://").append(host.toLowerCase(Locale.ROOT));
      int port = uri.getPort();
      boolean defaultPort =
          port < 0
              || (scheme.equals("http") && port == 80)
              || (scheme.equals("https") && port == 443);
      if (!defaultPort) {
        out.append(':').append(port);
      }
    }
    String path = uri.getRawPath();
    out.append(path == null || path.isEmpty() ? "/" : path);
    String query = uri.getRawQuery();
    if (query != null && !query.isEmpty()) {
      List<String[]> parameters = new ArrayList<>();
      for (String pair : query.split("&", -1)) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = eq < 0 ? pair : pair.substring(0, eq);
        if (!isStripped(name)) {
          parameters.add(new String[] {name, pair});
        }
      }
      parameters.sort(Comparator.comparing(p -> p[0])); // stable: repeated names keep order
      for (int i = 0; i < parameters.size(); i++) {
        out.append(i == 0 ? '?' : '&').append(parameters.get(i)[1]);
      }
    }
    return out.toString();
  }

  private boolean isStripped(String rawName) {
    String name = rawName.toLowerCase(Locale.ROOT);
    if (strippedNames.contains(name)) {
      return true;
    }
    for (String prefix : strippedPrefixes) {
      if (name.startsWith(prefix)) {
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
     * Also removes the parameter {@code name} (compared case-insensitively).
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
     * Also removes every parameter whose name starts with {@code prefix}.
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
