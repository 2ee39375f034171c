package dev.securecart.core.idempotency.internal;

import dev.securecart.core.idempotency.StoredResponse;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bytes a {@link StoredResponse} is kept as outside the JVM (in Redis). A versioned binary
 * layout, never Java serialisation:
 *
 * <pre>
 * version  1 byte   (1)
 * status   4 bytes  big-endian
 * count    4 bytes  number of metadata entries
 * count x  (4-byte length, UTF-8 name, 4-byte length, UTF-8 value)
 * body     4-byte length, bytes
 * </pre>
 *
 * Decoding checks every length and the {@link StoredResponse} limits, so a corrupt entry is
 * rejected with {@link IllegalArgumentException} rather than read past its end.
 */
public final class StoredResponseCodec {

  /** The layout version this codec writes. */
  public static final byte VERSION = 1;

  private StoredResponseCodec() {}

  /** Encodes {@code response}. */
  public static byte[] encode(StoredResponse response) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + response.bodyLength());
    out.write(VERSION);
    writeInt(out, response.status());
    writeInt(out, response.metadata().size());
    response
        .metadata()
        .forEach(
            (name, value) -> {
              writeBytes(out, name.getBytes(StandardCharsets.UTF_8));
              writeBytes(out, value.getBytes(StandardCharsets.UTF_8));
            });
    writeBytes(out, response.body());
    return out.toByteArray();
  }

  /**
   * Decodes what {@link #encode} wrote.
   *
   * @throws IllegalArgumentException if {@code bytes} are not a response of a known version
   */
  public static StoredResponse decode(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      byte version = in.get();
      if (version != VERSION) {
        throw new IllegalArgumentException(
            "stored response has layout version " + version + ", expected " + VERSION);
      }
      int status = in.getInt();
      int count = in.getInt();
      if (count < 0 || count > StoredResponse.MAX_METADATA_ENTRIES) {
        throw new IllegalArgumentException("stored response has " + count + " metadata entries");
      }
      Map<String, String> metadata = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String name = new String(readBytes(in), StandardCharsets.UTF_8);
        String value = new String(readBytes(in), StandardCharsets.UTF_8);
        metadata.put(name, value);
      }
      byte[] body = readBytes(in);
      if (in.hasRemaining()) {
        throw new IllegalArgumentException(
            "stored response has " + in.remaining() + " bytes after its body");
      }
      return StoredResponse.of(status, body, metadata);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("stored response is truncated", e);
    }
  }

  private static void writeInt(ByteArrayOutputStream out, int value) {
    out.write(value >>> 24);
    out.write(value >>> 16);
    out.write(value >>> 8);
    out.write(value);
  }

  private static void writeBytes(ByteArrayOutputStream out, byte[] bytes) {
    writeInt(out, bytes.length);
    out.write(bytes, 0, bytes.length);
  }

  private static byte[] readBytes(ByteBuffer in) {
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) {
      throw new IllegalArgumentException(
          "stored response declares " + length + " bytes where " + in.remaining() + " remain");
    }
    byte[] bytes = new byte[length];
    in.get(bytes);
    return bytes;
  }
}
