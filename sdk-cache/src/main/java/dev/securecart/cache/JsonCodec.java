package dev.securecart.cache;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * A {@link Codec} that writes values as JSON with Jackson. {@code jackson-databind} is an optional
 * dependency of this module: add it to use this class. Unknown properties are ignored when
 * decoding, so nodes running an older and a newer version of a value class can share L2.
 * Thread-safe.
 *
 * @param <V> the value type
 */
public final class JsonCodec<V> implements Codec<V> {

  private final ObjectMapper mapper;
  private final JavaType type;

  private JsonCodec(ObjectMapper mapper, JavaType type) {
    this.mapper = mapper;
    this.type = type;
  }

  /**
   * A codec for {@code type} with a mapper that ignores unknown properties.
   *
   * @param type the value class (a record or a Jackson-friendly class)
   * @return the codec
   */
  public static <V> JsonCodec<V> of(Class<V> type) {
    requireNonNull(type, "type");
    ObjectMapper mapper =
        JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    return new JsonCodec<>(mapper, mapper.constructType(type));
  }

  /**
   * A codec for {@code type} with the application's own mapper.
   *
   * @param mapper the mapper (modules, naming strategy, …)
   * @param type the value class
   * @return the codec
   */
  public static <V> JsonCodec<V> of(ObjectMapper mapper, Class<V> type) {
    requireNonNull(mapper, "mapper");
    requireNonNull(type, "type");
    return new JsonCodec<>(mapper, mapper.constructType(type));
  }

  /**
   * A codec for a generic type, such as {@code List<Product>}.
   *
   * @param mapper the mapper
   * @param type the type, for example from {@code mapper.getTypeFactory()}
   * @return the codec
   */
  public static <V> JsonCodec<V> of(ObjectMapper mapper, JavaType type) {
    requireNonNull(mapper, "mapper");
    requireNonNull(type, "type");
    return new JsonCodec<>(mapper, type);
  }

  @Override
  public byte[] encode(V value) {
    try {
      return mapper.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new CodecException("cannot write a " + type + " as JSON", e);
    }
  }

  @Override
  public V decode(byte[] bytes) {
    try {
      return mapper.readValue(bytes, type);
    } catch (IOException e) {
      throw new CodecException("cannot read a " + type + " from JSON", e);
    }
  }

  @Override
  public String toString() {
    return "JsonCodec[" + type + "]";
  }
}
