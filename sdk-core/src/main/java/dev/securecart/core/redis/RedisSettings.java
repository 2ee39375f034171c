package dev.securecart.core.redis;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;
import static dev.securecart.core.internal.Preconditions.requirePositive;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How to reach Redis and how to behave when it misbehaves: an immutable value built with {@link
 * #builder(String)} (one server, or a comma-separated list of cluster seeds) or {@link
 * #cluster(List)}. The defaults suit a checkout path: commands fail after {@link
 * #DEFAULT_COMMAND_TIMEOUT} instead of hanging, connects give up after {@link
 * #DEFAULT_CONNECT_TIMEOUT}, dead peers are found by TCP keepalive, and a Cluster's topology is
 * refreshed periodically and whenever a redirect or reconnect suggests it changed.
 *
 * <p>Accepted URIs: {@code redis://[[user]:password@]host[:port][/database]}, {@code rediss://…}
 * (TLS) and {@code redis-sentinel://[password@]host[:port][,host2[:port2]][/database]#masterId}.
 * Several URIs separated by commas, or {@link #cluster(List)}, mean Redis Cluster seeds.
 *
 * <p>This class is immutable and thread-safe; its builder is not.
 */
public final class RedisSettings {

  /** How long a command may take before it fails: 1 s. */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);

  /** How long a connect may take before it fails: 2 s. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

  /** Idle time before the first TCP keepalive probe: 15 s. */
  public static final Duration DEFAULT_KEEP_ALIVE_IDLE = Duration.ofSeconds(15);

  /**
   * How long a command may go unanswered, with nothing at all read from its connection, before the
   * connection is presumed dead and reconnected: 5 s, or the command timeout if that is longer.
   */
  public static final Duration DEFAULT_UNANSWERED_TIMEOUT = Duration.ofSeconds(5);

  /** How often a Cluster client re-reads the topology even when nothing suggests a change: 30 s. */
  public static final Duration DEFAULT_TOPOLOGY_REFRESH_PERIOD = Duration.ofSeconds(30);

  /** Commands queued per connection before new ones are rejected: 10,000. */
  public static final int DEFAULT_REQUEST_QUEUE_SIZE = 10_000;

  private final List<String> uris;
  private final boolean cluster;
  private final Duration commandTimeout;
  private final Duration connectTimeout;
  private final Duration keepAliveIdle;

  /** As set, or null for the default (which follows the command timeout). */
  private final @Nullable Duration unansweredTimeout;

  private final Duration topologyRefreshPeriod;
  private final int requestQueueSize;
  private final @Nullable String clientName;

  private RedisSettings(Builder builder) {
    this.uris = List.copyOf(builder.uris);
    this.cluster = builder.cluster;
    this.commandTimeout = builder.commandTimeout;
    this.connectTimeout = builder.connectTimeout;
    this.keepAliveIdle = builder.keepAliveIdle;
    this.unansweredTimeout = builder.unansweredTimeout;
    this.topologyRefreshPeriod = builder.topologyRefreshPeriod;
    this.requestQueueSize = builder.requestQueueSize;
    this.clientName = builder.clientName;
  }

  /**
   * Settings for one server, or for Cluster seeds given as a comma-separated list, with defaults.
   *
   * @param uri a Redis URI, or several separated by commas
   * @return the settings
   * @throws IllegalArgumentException if a URI is malformed or has an unsupported scheme
   */
  public static RedisSettings of(String uri) {
    return builder(uri).build();
  }

  /**
   * A builder for one server, or for Cluster seeds given as a comma-separated list.
   *
   * @param uri a Redis URI, or several separated by commas
   * @return a new builder
   * @throws IllegalArgumentException if a URI is malformed or has an unsupported scheme
   */
  public static Builder builder(String uri) {
    requireNonNull(uri, "uri");
    List<String> parts = new ArrayList<>();
    if (uri.startsWith("redis-sentinel://")) {
      // Sentinel URIs list several sentinels after one scheme; they are one endpoint.
      parts.add(uri.trim());
    } else {
      for (String part : uri.split(",", -1)) {
        parts.add(part.trim());
      }
    }
    return new Builder(parts, parts.size() > 1);
  }

  /**
   * A builder for a Redis Cluster reached through the given seed nodes.
   *
   * @param seeds one or more {@code redis://} or {@code rediss://} URIs of cluster nodes
   * @return a new builder
   * @throws IllegalArgumentException if the list is empty or a URI is malformed
   */
  public static Builder cluster(List<String> seeds) {
    requireNonNull(seeds, "seeds");
    return new Builder(seeds, true);
  }

  /** A builder holding this value's settings, to copy and change. */
  public Builder newBuilder() {
    Builder builder = new Builder(uris, cluster);
    builder.commandTimeout = commandTimeout;
    builder.connectTimeout = connectTimeout;
    builder.keepAliveIdle = keepAliveIdle;
    builder.unansweredTimeout = unansweredTimeout;
    builder.topologyRefreshPeriod = topologyRefreshPeriod;
    builder.requestQueueSize = requestQueueSize;
    builder.clientName = clientName;
    return builder;
  }

  /** The URIs, as given (they may contain passwords: never log them; see {@link #toString()}). */
  public List<String> uris() {
    return uris;
  }

  /** Whether these settings describe a Redis Cluster. */
  public boolean isCluster() {
    return cluster;
  }

  /** How long a command may take before it fails. */
  public Duration commandTimeout() {
    return commandTimeout;
  }

  /** How long a connect may take before it fails. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** Idle time before the first TCP keepalive probe. */
  public Duration keepAliveIdle() {
    return keepAliveIdle;
  }

  /**
   * How long a command may go unanswered, with nothing at all read from its connection, before the
   * connection is closed and reconnected.
   */
  public Duration unansweredTimeout() {
    Duration set = unansweredTimeout;
    if (set != null) {
      return set;
    }
    return DEFAULT_UNANSWERED_TIMEOUT.compareTo(commandTimeout) >= 0
        ? DEFAULT_UNANSWERED_TIMEOUT
        : commandTimeout;
  }

  /** How often a Cluster client re-reads the topology. */
  public Duration topologyRefreshPeriod() {
    return topologyRefreshPeriod;
  }

  /** Commands queued per connection before new ones are rejected. */
  public int requestQueueSize() {
    return requestQueueSize;
  }

  /** The name connections announce with {@code CLIENT SETNAME}, if any. */
  public Optional<String> clientName() {
    return Optional.ofNullable(clientName);
  }

  /** The settings with every password replaced by {@code ***}. */
  @Override
  public String toString() {
    List<String> redacted = new ArrayList<>();
    for (String uri : uris) {
      redacted.add(redact(uri));
    }
    return "RedisSettings"
        + (cluster ? "[cluster " : "[")
        + String.join(",", redacted)
        + ", commandTimeout="
        + commandTimeout
        + ", connectTimeout="
        + connectTimeout
        + "]";
  }

  /**
   * Replaces the user-info part of a URI (where passwords live) with {@code ***}: everything from
   * {@code //} to the last {@code @}, as a password may hold {@code /} or {@code @} unencoded and a
   * host never holds {@code @}.
   */
  static String redact(String uri) {
    int start = uri.indexOf("//");
    int at = uri.lastIndexOf('@');
    return start < 0 || at < start ? uri : uri.substring(0, start + 2) + "***" + uri.substring(at);
  }

  /** Builds {@link RedisSettings}. Not thread-safe. */
  public static final class Builder {
    private final List<String> uris;
    private final boolean cluster;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration keepAliveIdle = DEFAULT_KEEP_ALIVE_IDLE;
    private @Nullable Duration unansweredTimeout;
    private Duration topologyRefreshPeriod = DEFAULT_TOPOLOGY_REFRESH_PERIOD;
    private int requestQueueSize = DEFAULT_REQUEST_QUEUE_SIZE;
    private @Nullable String clientName;

    private Builder(List<String> uris, boolean cluster) {
      requireArgument(!uris.isEmpty(), "at least one Redis URI is required");
      for (String uri : uris) {
        validate(uri, cluster);
      }
      this.uris = List.copyOf(uris);
      this.cluster = cluster;
    }

    private static void validate(String uri, boolean cluster) {
      requireArgument(uri != null && !uri.isBlank(), "a Redis URI must not be blank");
      URI parsed;
      try {
        parsed = new URI(uri);
      } catch (URISyntaxException e) {
        // Not kept as the cause: its message quotes the whole URI, password included.
        throw new IllegalArgumentException(
            "malformed Redis URI ("
                + e.getReason()
                + " at index "
                + e.getIndex()
                + "): "
                + redact(uri));
      }
      String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
      requireArgument(
          scheme.equals("redis") || scheme.equals("rediss") || scheme.equals("redis-sentinel"),
          "a Redis URI must start with redis://, rediss:// or redis-sentinel://, but was %s",
          redact(uri));
      requireArgument(
          !(cluster && scheme.equals("redis-sentinel")),
          "Redis Cluster seeds must be redis:// or rediss:// URIs, but was %s",
          redact(uri));
      requireArgument(
          scheme.equals("redis-sentinel") || parsed.getHost() != null,
          "the Redis URI has no host: %s",
          redact(uri));
      requireArgument(
          !scheme.equals("redis-sentinel") || parsed.getFragment() != null,
          "a redis-sentinel:// URI must name the master after '#', but was %s",
          redact(uri));
    }

    /**
     * How long a command may take before it fails with a timeout. Keep it short on request paths;
     * features with their own deadlines (rate-limit decisions) apply a shorter one per call.
     */
    public Builder commandTimeout(Duration commandTimeout) {
      this.commandTimeout = requirePositive(commandTimeout, "commandTimeout");
      return this;
    }

    /** How long a connect (and each reconnect attempt) may take. */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = requirePositive(connectTimeout, "connectTimeout");
      return this;
    }

    /** Idle time before the first TCP keepalive probe; dead peers are found after about 3 more. */
    public Builder keepAliveIdle(Duration keepAliveIdle) {
      this.keepAliveIdle = requirePositive(keepAliveIdle, "keepAliveIdle");
      return this;
    }

    /**
     * How long a command may go unanswered, with nothing at all read from its connection, before
     * the connection is presumed dead, closed and reconnected (its waiting commands fail).
     * Keepalive cannot find such a peer: a host gone without a reset (a network partition, a Redis
     * pod replaced behind the same service address) leaves a connection with unacknowledged data
     * open for about 15 minutes of retransmissions, every command on it timing out. Longer than any
     * command is expected to run, blocking ones ({@code BLPOP}) included, and than the stalls Redis
     * may have (a fork, a slow script), which it would turn into a reconnect. Default {@link
     * #DEFAULT_UNANSWERED_TIMEOUT}, or the command timeout if that is longer.
     *
     * @throws IllegalArgumentException at {@link #build()} if shorter than the command timeout
     */
    public Builder unansweredTimeout(Duration unansweredTimeout) {
      this.unansweredTimeout = requirePositive(unansweredTimeout, "unansweredTimeout");
      return this;
    }

    /** How often a Cluster client re-reads the topology even when nothing suggests a change. */
    public Builder topologyRefreshPeriod(Duration topologyRefreshPeriod) {
      this.topologyRefreshPeriod = requirePositive(topologyRefreshPeriod, "topologyRefreshPeriod");
      return this;
    }

    /** Commands queued per connection before new ones fail at once instead of using more heap. */
    public Builder requestQueueSize(int requestQueueSize) {
      requirePositive(requestQueueSize, "requestQueueSize");
      this.requestQueueSize = requestQueueSize;
      return this;
    }

    /**
     * The name connections announce with {@code CLIENT SETNAME} (visible in {@code CLIENT LIST}).
     */
    public Builder clientName(String clientName) {
      requireNonNull(clientName, "clientName");
      requireArgument(
          !clientName.isEmpty() && clientName.chars().allMatch(c -> c > ' ' && c < 127),
          "clientName must be non-empty printable ASCII without spaces, but was '%s'",
          clientName);
      this.clientName = clientName;
      return this;
    }

    /**
     * Builds the settings; later changes to this builder do not affect them.
     *
     * @throws IllegalArgumentException if the unanswered timeout is shorter than the command
     *     timeout (a command still within its time would lose its connection)
     */
    public RedisSettings build() {
      Duration unanswered = unansweredTimeout;
      if (unanswered != null) {
        requireArgument(
            unanswered.compareTo(commandTimeout) >= 0,
            "unansweredTimeout (%s) must not be shorter than commandTimeout (%s)",
            unanswered,
            commandTimeout);
      }
      return new RedisSettings(this);
    }
  }
}
