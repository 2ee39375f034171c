package dev.securecart.core.idempotency;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of a completed request, kept by an {@link IdempotencyStore} and replayed to every
 * retry: a status code, a body, and a little metadata (for example {@code Content-Type} or a
 * gateway's transaction id). Deliberately untyped: a payment client stores the gateway's reply, a
 * service stores the HTTP response it sent, and either encodes typed results itself (JSON,
 * protobuf). Bytes cross Redis as they are; nothing is ever Java-serialised.
 *
 * <p>The body may hold personal data and is never printed: {@link #toString()} shows its length.
 * Keep responses small; a store holds each one for its whole retention window, so the body is
 * bounded ({@value #MAX_BODY_LENGTH} bytes): 100,000 keys of a megabyte would be 100 GB of heap,
 * and each such write holds up Redis' one thread and its replication.
 *
 * <p>Immutable and thread-safe: the body is copied on the way in and on the way out.
 */
public final class StoredResponse {

  /** The highest status accepted: HTTP statuses, gRPC codes and the like fit below it. */
  public static final int MAX_STATUS = 999;

  /** The longest body, in bytes: 1 MiB, ample for a gateway's reply or a label's reference. */
  public static final int MAX_BODY_LENGTH = 1 << 20;

  /** The most metadata entries a response may carry. */
  public static final int MAX_METADATA_ENTRIES = 32;

  /** The longest metadata name, in characters. */
  public static final int MAX_METADATA_NAME_LENGTH = 128;

  /** The longest metadata value, in characters. */
  public static final int MAX_METADATA_VALUE_LENGTH = 4096;

  private static final byte[] EMPTY = new byte[0];

  private final int status;
  private final byte[] body;
  private final Map<String, String> metadata;

  private StoredResponse(int status, byte[] body, Map<String, String> metadata) {
    this.status = status;
    this.body = body;
    this.metadata = metadata;
  }

  /**
   * Returns a response with a status and no body or metadata.
   *
   * @param status 0 to {@value #MAX_STATUS}, for example an HTTP status
   * @return the response
   * @throws IllegalArgumentException if {@code status} is out of range
   */
  public static StoredResponse of(int status) {
    return of(status, EMPTY, Map.of());
  }

  /**
   * Returns a response with a status and a body.
   *
   * @param status 0 to {@value #MAX_STATUS}, for example an HTTP status
   * @param body the body, at most {@value #MAX_BODY_LENGTH} bytes; copied
   * @return the response
   * @throws NullPointerException if {@code body} is null
   * @throws IllegalArgumentException if {@code status} is out of range or {@code body} too long
   */
  public static StoredResponse of(int status, byte[] body) {
    return of(status, body, Map.of());
  }

  /**
   * Returns a response with a status, a body and metadata.
   *
   * @param status 0 to {@value #MAX_STATUS}, for example an HTTP status
   * @param body the body, at most {@value #MAX_BODY_LENGTH} bytes; copied
   * @param metadata at most {@value #MAX_METADATA_ENTRIES} entries, names of 1 to {@value
   *     #MAX_METADATA_NAME_LENGTH} characters and values of at most {@value
   *     #MAX_METADATA_VALUE_LENGTH} characters; copied, in its iteration order
   * @return the response
   * @throws NullPointerException if {@code body}, {@code metadata} or an entry of it is null
   * @throws IllegalArgumentException if {@code status}, {@code body} or {@code metadata} break the
   *     limits above
   */
  public static StoredResponse of(int status, byte[] body, Map<String, String> metadata) {
    requireArgument(
        status >= 0 && status <= MAX_STATUS,
        "status must be 0 to %d, but was %d",
        MAX_STATUS,
        status);
    requireNonNull(body, "body");
    requireArgument(
        body.length <= MAX_BODY_LENGTH,
        "body must be at most %d bytes, but had %d",
        MAX_BODY_LENGTH,
        body.length);
    requireNonNull(metadata, "metadata");
    requireArgument(
        metadata.size() <= MAX_METADATA_ENTRIES,
        "metadata must have at most %d entries, but had %d",
        MAX_METADATA_ENTRIES,
        metadata.size());
    Map<String, String> copy = new LinkedHashMap<>();
    metadata.forEach(
        (name, value) -> {
          requireNonNull(name, "metadata name");
          requireNonNull(value, "metadata value");
          requireArgument(
              !name.isEmpty() && name.length() <= MAX_METADATA_NAME_LENGTH,
              "a metadata name must be 1 to %d characters, but had %d",
              MAX_METADATA_NAME_LENGTH,
              name.length());
          requireArgument(
              value.length() <= MAX_METADATA_VALUE_LENGTH,
              "metadata value of '%s' must be at most %d characters, but had %d",
              name,
              MAX_METADATA_VALUE_LENGTH,
              value.length());
          copy.put(name, value);
        });
    return new StoredResponse(
        status, body.length == 0 ? EMPTY : body.clone(), Collections.unmodifiableMap(copy));
  }

  /**
   * Returns the status code.
   *
   * @return the status given when the response was made
   */
  public int status() {
    return status;
  }

  /**
   * Returns the body.
   *
   * @return a copy of the body
   */
  public byte[] body() {
    return body.length == 0 ? EMPTY : body.clone();
  }

  /**
   * Returns the length of the body, without copying it.
   *
   * @return the number of body bytes
   */
  public int bodyLength() {
    return body.length;
  }

  /**
   * Returns the metadata.
   *
   * @return an unmodifiable map in the order the entries were given
   */
  public Map<String, String> metadata() {
    return metadata;
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof StoredResponse that
        && status == that.status
        && Arrays.equals(body, that.body)
        && metadata.equals(that.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, Arrays.hashCode(body), metadata);
  }

  /** Shows the status, the body's length and the metadata names; never the body or values. */
  @Override
  public String toString() {
    return "StoredResponse[status="
        + status
        + ", body="
        + body.length
        + " bytes, metadata="
        + metadata.keySet()
        + "]";
  }
}
