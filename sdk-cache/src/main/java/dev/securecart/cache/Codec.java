package dev.securecart.cache;

import java.nio.charset.StandardCharsets;

/**
 * Turns values into bytes for the shared L2 and back. Implementations must be thread-safe and must
 * not use Java serialization; {@link JsonCodec} (Jackson, an optional dependency) suits most value
 * types, and {@link #utf8()} plain strings.
 *
 * @param <V> the value type
 */
public interface Codec<V> {

  /**
   * Encodes a value.
   *
   * @param value the value
   * @return its bytes
   * @throws CodecException if the value cannot be encoded
   */
  byte[] encode(V value);

  /**
   * Decodes a value that {@link #encode} produced (possibly on another node, or in an older version
   * of the application: decoders should tolerate unknown fields).
   *
   * @param bytes the bytes
   * @return the value
   * @throws CodecException if the bytes cannot be decoded
   */
  V decode(byte[] bytes);

  /**
   * The codec for strings, as UTF-8.
   *
   * @return the codec
   */
  static Codec<String> utf8() {
    return Utf8Codec.INSTANCE;
  }

  /** UTF-8 strings. */
  enum Utf8Codec implements Codec<String> {
    INSTANCE;

    @Override
    public byte[] encode(String value) {
      return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }
}
