package dev.securecart.cache;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * A {@link Codec} that writes values as JSON with Jackson. {@code jackson-databind} is an optional
 * dependency of this module: add it to use this class. Unknown properties are ignored when
 * decoding, with an application's own mapper too, so nodes running an older and a newer version of
 * a value class can share L2 (a rolling deploy that adds a field). Thread-safe.
 *
 * <p>The codecs made without a mapper share one that registers every Jackson module found on the
 * classpath ({@link com.fasterxml.jackson.databind.cfg.MapperBuilder#findAndAddModules()}): add
 * {@code jackson-datatype-jsr310} for {@code java.time} values ({@code Instant}, {@code
 * LocalDate}…) and {@code jackson-datatype-jdk8} for {@code Optional} fields (both optional
 * dependencies of this module, as databind is). Without them Jackson refuses such a value, the
 * cache cannot write it to L2 (it logs a WARN and the nodes stop sharing it), and every node loads
 * it from the origin itself.
 *
 * @param <V> the value type
 */
public final class JsonCodec<V> implements Codec<V> {

  /**
   * The mapper of the codecs made without one. Shared: looking modules up scans the classpath, and
   * a configured mapper is thread-safe.
   */
  private static final ObjectMapper DEFAULT_MAPPER =
      JsonMapper.builder()
          .findAndAddModules()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  private final ObjectReader reader;
  private final ObjectWriter writer;
  private final JavaType type;

  private JsonCodec(ObjectMapper mapper, JavaType type) {
    // The reader ignores unknown properties whatever the mapper says: an application's mapper
    // usually fails on them (Jackson's default), and then the old nodes of a rolling deploy that
    // adds a field could read no value the new ones write.
    this.reader = mapper.readerFor(type).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    this.writer = mapper.writerFor(type);
    this.type = type;
  }

  /**
   * A codec for {@code type} with the shared default mapper: it ignores unknown properties and has
   * every Jackson module on the classpath registered (see the class description).
   *
   * @param type the value class (a record or a Jackson-friendly class)
   * @return the codec
   */
  public static <V> JsonCodec<V> of(Class<V> type) {
    requireNonNull(type, "type");
    return new JsonCodec<>(DEFAULT_MAPPER, DEFAULT_MAPPER.constructType(type));
  }

  /**
   * A codec for a generic type, such as {@code List<Product>}, with the shared default mapper.
   *
   * <pre>{@code
   * JsonCodec<List<Product>> codec = JsonCodec.of(new TypeReference<List<Product>>() {});
   * }</pre>
   *
   * @param type the type
   * @return the codec
   */
  public static <V> JsonCodec<V> of(TypeReference<V> type) {
    requireNonNull(type, "type");
    return new JsonCodec<>(DEFAULT_MAPPER, DEFAULT_MAPPER.constructType(type));
  }

  /**
   * A codec for {@code type} with the application's own mapper (its modules, naming strategy…);
   * unknown properties are ignored even if the mapper fails on them.
   *
   * @param mapper the mapper
   * @param type the value class
   * @return the codec
   */
  public static <V> JsonCodec<V> of(ObjectMapper mapper, Class<V> type) {
    requireNonNull(mapper, "mapper");
    requireNonNull(type, "type");
    return new JsonCodec<>(mapper, mapper.constructType(type));
  }

  /**
   * A codec for a generic type, such as {@code List<Product>}, with the application's own mapper;
   * unknown properties are ignored even if the mapper fails on them.
   *
   * @param mapper the mapper
   * @param type the type
   * @return the codec
   */
  public static <V> JsonCodec<V> of(ObjectMapper mapper, TypeReference<V> type) {
    requireNonNull(mapper, "mapper");
    requireNonNull(type, "type");
    return new JsonCodec<>(mapper, mapper.constructType(type));
  }

  /**
   * A codec for a type built with the mapper's type factory. {@link #of(ObjectMapper,
   * TypeReference)} checks {@code V} at compile time; this does not.
   *
   * @param mapper the mapper; unknown properties are ignored even if it fails on them
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
      return writer.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      // A definition problem describes the type (and names the module to add), never a value;
      // other messages may quote one, so only their kind is given.
      String why =
          e instanceof InvalidDefinitionException definition
              ? definition.getOriginalMessage()
              : e.getClass().getSimpleName();
      throw new CodecException("cannot write a " + type + " as JSON: " + why, e);
    }
  }

  @Override
  public V decode(byte[] bytes) {
    try {
      return reader.readValue(bytes);
    } catch (IOException e) {
      // Jackson's message quotes the input ("Unrecognized token 's3cret'"): only its kind here.
      throw new CodecException(
          "cannot read a " + type + " from JSON (" + e.getClass().getSimpleName() + ")", e);
    }
  }

  @Override
  public String toString() {
    return "JsonCodec[" + type + "]";
  }
}
