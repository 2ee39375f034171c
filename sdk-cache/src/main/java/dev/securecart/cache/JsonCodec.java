package dev.securecart.cache;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.Module;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.List;

/**
 * A {@link Codec} that writes values as JSON with Jackson. {@code jackson-databind} is an optional
 * dependency of this module: add it to use this class. Thread-safe.
 *
 * <p>What crosses L2 must read back as what was written, on every node, through a rolling deploy.
 * So, with an application's own mapper too (the codec works on a copy of it):
 *
 * <ul>
 *   <li>Unknown properties are ignored: the old nodes of a deploy that adds a field read what the
 *       new ones write.
 *   <li>A property the value's constructor needs but the JSON lacks (a record component renamed or
 *       added) is an error, which the cache takes as a miss and loads from the origin, instead of a
 *       silent {@code 0} or {@code null}. Every property is written, nulls included, so that only
 *       such a change can cause it. A class filled through setters cannot be checked this way.
 *   <li>Dates and times are written as ISO-8601 text with their offset and zone, and read back
 *       without being moved to UTC: a {@code ZonedDateTime} in Europe/Berlin reads back in
 *       Europe/Berlin.
 * </ul>
 *
 * <p>The codecs made without a mapper share one with {@code jackson-datatype-jsr310} ({@code
 * java.time} values) and {@code jackson-datatype-jdk8} ({@code Optional} fields) registered when
 * they are on the classpath (both optional dependencies of this module, as databind is); no other
 * module is looked up, so what another library puts on the classpath cannot change the format.
 * Without them Jackson refuses such a value, the cache cannot write it to L2 (it logs a WARN and
 * the nodes stop sharing it), and every node loads it from the origin itself.
 *
 * @param <V> the value type
 */
public final class JsonCodec<V> implements Codec<V> {

  /** The Jackson modules the default mapper registers when they are on the classpath. */
  private static final List<String> DEFAULT_MODULES =
      List.of(
          "com.fasterxml.jackson.datatype.jsr310.JavaTimeModule",
          "com.fasterxml.jackson.datatype.jdk8.Jdk8Module");

  /**
   * Holds the mapper of the codecs made without one, built on first use: a codec with the
   * application's mapper never needs it.
   */
  private static final class DefaultMapper {
    static final ObjectMapper INSTANCE = build();

    private static ObjectMapper build() {
      JsonMapper.Builder builder = JsonMapper.builder();
      for (String name : DEFAULT_MODULES) {
        try {
          Class<?> module = Class.forName(name, true, JsonCodec.class.getClassLoader());
          builder.addModule((Module) module.getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
          // Not on the classpath (or not a version that loads): values needing it cannot be
          // written, which the cache reports when it meets one.
        }
      }
      return builder.build();
    }
  }

  private final ObjectReader reader;
  private final ObjectWriter writer;
  private final JavaType type;

  private JsonCodec(ObjectMapper mapper, JavaType type) {
    ObjectMapper lossless = losslessCopy(mapper);
    this.reader =
        lossless
            .readerFor(type)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .without(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .with(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);
    this.writer =
        lossless
            .writerFor(type)
            .without(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .without(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .with(SerializationFeature.WRITE_DATES_WITH_ZONE_ID);
    this.type = type;
  }

  /**
   * A copy of {@code mapper} that writes every property, nulls and empty values included: a
   * property left out would read back as missing, which the reader refuses.
   */
  private static ObjectMapper losslessCopy(ObjectMapper mapper) {
    ObjectMapper copy;
    try {
      copy = mapper.copy();
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException(
          "JsonCodec needs a mapper it can copy; "
              + mapper.getClass().getName()
              + " extends ObjectMapper without overriding copy()",
          e);
    }
    copy.setDefaultPropertyInclusion(JsonInclude.Include.ALWAYS);
    return copy;
  }

  /**
   * A codec for {@code type} with the shared default mapper (see the class description).
   *
   * @param type the value class (a record or a Jackson-friendly class)
   * @return the codec
   */
  public static <V> JsonCodec<V> of(Class<V> type) {
    requireNonNull(type, "type");
    return new JsonCodec<>(DefaultMapper.INSTANCE, DefaultMapper.INSTANCE.constructType(type));
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
    return new JsonCodec<>(DefaultMapper.INSTANCE, DefaultMapper.INSTANCE.constructType(type));
  }

  /**
   * A codec for {@code type} with a copy of the application's own mapper (its modules, naming
   * strategy…), made lossless as the class description says.
   *
   * @param mapper the mapper; not changed
   * @param type the value class
   * @return the codec
   * @throws IllegalArgumentException if the mapper's class extends ObjectMapper without overriding
   *     {@code copy()}
   */
  public static <V> JsonCodec<V> of(ObjectMapper mapper, Class<V> type) {
    requireNonNull(mapper, "mapper");
    requireNonNull(type, "type");
    return new JsonCodec<>(mapper, mapper.constructType(type));
  }

  /**
   * A codec for a generic type, such as {@code List<Product>}, with a copy of the application's own
   * mapper, made lossless as the class description says.
   *
   * @param mapper the mapper; not changed
   * @param type the type
   * @return the codec
   * @throws IllegalArgumentException as for {@link #of(ObjectMapper, Class)}
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
   * @param mapper the mapper; not changed (the codec works on a lossless copy)
   * @param type the type, for example from {@code mapper.getTypeFactory()}
   * @return the codec
   * @throws IllegalArgumentException as for {@link #of(ObjectMapper, Class)}
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
