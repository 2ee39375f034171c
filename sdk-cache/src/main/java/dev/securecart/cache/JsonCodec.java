package dev.securecart.cache;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

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
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;

/**
 * A {@link Codec} that writes values as JSON with Jackson. {@code jackson-databind} is an optional
 * dependency of this module: add it to use this class. Thread-safe.
 *
 * <p>What crosses L2 must read back as what was written, on every node, through a rolling deploy.
 * So, with an application's own mapper too (whose own settings the codec does not change):
 *
 * <ul>
 *   <li>Unknown properties are ignored: the old nodes of a deploy that adds a field read what the
 *       new ones write (the field reads as its default there).
 *   <li>Dates and times are written as ISO-8601 text with their offset and zone, and read back
 *       without being moved to UTC: a {@code ZonedDateTime} in Europe/Berlin reads back in
 *       Europe/Berlin. Entries written as numeric timestamps still read.
 * </ul>
 *
 * <p>A field that is <i>renamed</i>, or changes meaning, reads as its default ({@code 0}, {@code
 * null}) on the nodes of the other version while a deploy runs: give such a change a new cache name
 * (or a new key prefix in the {@code keyMapper}), so the two versions share nothing in L2. (A codec
 * that refused missing properties would turn every class that leaves a property out on purpose,
 * with {@code @JsonInclude(NON_NULL)} or {@code @JsonIgnore}, into a permanent miss.)
 *
 * <p>The codecs made without a mapper share one that registers the Jackson modules found on the
 * classpath ({@link ObjectMapper#findModules(ClassLoader)}: Kotlin, parameter names, Guava…), among
 * them {@code jackson-datatype-jsr310} ({@code java.time} values) and {@code jackson-datatype-jdk8}
 * ({@code Optional} fields), both optional dependencies of this module as databind is. A module
 * that fails to load does not fail the codec: the lookup then falls back to those two. Without them
 * Jackson refuses such a value, the cache cannot write it to L2 (it logs a WARN and the nodes stop
 * sharing it), and every node loads it from the origin itself.
 *
 * @param <V> the value type
 */
public final class JsonCodec<V> implements Codec<V> {

  /** The modules the default mapper registers when looking modules up fails. */
  private static final List<String> FALLBACK_MODULES =
      List.of(
          "com.fasterxml.jackson.datatype.jsr310.JavaTimeModule",
          "com.fasterxml.jackson.datatype.jdk8.Jdk8Module");

  /**
   * Holds the mapper of the codecs made without one, built on first use: a codec with the
   * application's mapper never needs it.
   */
  private static final class DefaultMapper {
    static final ObjectMapper INSTANCE = JsonMapper.builder().addModules(modules()).build();

    private static List<Module> modules() {
      ClassLoader loader = JsonCodec.class.getClassLoader();
      try {
        return ObjectMapper.findModules(loader);
      } catch (ServiceConfigurationError | LinkageError e) {
        // A module on the classpath that does not load (a stale version, a missing dependency)
        // must not make every codec unusable: register the two this module names instead.
        List<Module> modules = new ArrayList<>();
        for (String name : FALLBACK_MODULES) {
          try {
            Class<?> module = Class.forName(name, true, loader);
            modules.add((Module) module.getDeclaredConstructor().newInstance());
          } catch (ReflectiveOperationException | LinkageError | ClassCastException absent) {
            // Not on the classpath: values needing it cannot be written, which the cache reports.
          }
        }
        return modules;
      }
    }
  }

  private final ObjectReader reader;
  private final ObjectWriter writer;
  private final JavaType type;

  private JsonCodec(ObjectMapper mapper, JavaType type) {
    // Per reader and writer: the application's mapper itself is left as it is.
    this.reader =
        mapper
            .readerFor(type)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .without(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE);
    this.writer =
        mapper
            .writerFor(type)
            .without(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .without(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .with(SerializationFeature.WRITE_DATES_WITH_ZONE_ID);
    this.type = type;
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
   * A codec for {@code type} with the application's own mapper (its modules, naming strategy…),
   * read and written as the class description says.
   *
   * @param mapper the mapper; not changed
   * @param type the value class
   * @return the codec
   */
  public static <V> JsonCodec<V> of(ObjectMapper mapper, Class<V> type) {
    requireNonNull(mapper, "mapper");
    requireNonNull(type, "type");
    return new JsonCodec<>(mapper, mapper.constructType(type));
  }

  /**
   * A codec for a generic type, such as {@code List<Product>}, with the application's own mapper,
   * read and written as the class description says.
   *
   * @param mapper the mapper; not changed
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
   * @param mapper the mapper; not changed
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
