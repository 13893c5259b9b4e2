package org.safeloop.env.config;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.MapperBuilder;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads YAML configuration files onto validating records, and reports every problem as a {@link
 * ConfigException} naming the file, the line and the field.
 *
 * <p>Keys are snake_case in files and camelCase in records. Unknown keys are errors (a misspelled
 * key must not be silently ignored) and the message lists the keys that are allowed. A record's
 * compact constructor validates its fields and throws {@link FieldException} naming the field; the
 * line of that field is recovered from a location index built while parsing. Thread-safe.
 */
public final class YamlConfig {
  private static final ObjectMapper MAPPER =
      strict(
              YAMLMapper.builder(
                  YAMLFactory.builder()
                      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                      .build()))
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
          .build();

  private static final Pattern COERCED_TEXT =
      Pattern.compile("^Cannot coerce String value \\(\"(.*?)\"\\)", Pattern.DOTALL);

  /** Longest text value a configuration file may hold, in characters. */
  public static final int MAX_TEXT_LENGTH = 10_000;

  private YamlConfig() {}

  /**
   * Applies SafeLoop's strict binding to {@code builder}: snake_case keys, unknown keys refused,
   * and no silent coercion: {@code 60.5} or {@code "60"} is not a whole number, {@code 1} is not
   * {@code true}, {@code "0.5"} is not a number, a number is not an enum, and an empty ({@code
   * null}) entry of a list or mapping is an error rather than a hole. Shared by the mappers that
   * bind configuration (also hyper-parameters), so that every file follows the same rules.
   *
   * @param builder a mapper builder, e.g. {@code JsonMapper.builder()}
   * @return {@code builder}, configured
   */
  public static <M extends ObjectMapper, B extends MapperBuilder<M, B>> B strict(B builder) {
    B b =
        builder
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(
                LogicalType.Integer,
                c -> c.setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
            .withCoercionConfig(
                LogicalType.Boolean,
                c ->
                    c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.String, CoercionAction.Fail));
    b.withConfigOverride(
        List.class, o -> o.setSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL)));
    b.withConfigOverride(
        Map.class, o -> o.setSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL)));
    return b;
  }

  /**
   * Reads {@code file} onto {@code type}.
   *
   * @throws ConfigException when the file is missing, is not valid YAML, or a field is wrong
   */
  public static <T> T read(Path file, Class<T> type) {
    return readDocument(file, type).value();
  }

  /**
   * Reads {@code file} onto {@code type} and keeps the line of every field, so that checks made
   * after binding (e.g. against a process model) can still name the line.
   *
   * @throws ConfigException when the file is missing, is not valid YAML, or a field is wrong
   */
  public static <T> Document<T> readDocument(Path file, Class<T> type) {
    return readDocument(file, type, new SourceFiles(), "configuration");
  }

  /**
   * Reads {@code file} onto {@code type} like {@link #readDocument(Path, Class)}, recording in
   * {@code sources} the file and the hash of the bytes parsed.
   *
   * @param kind what the file is, for the record and for messages, e.g. {@code "scenario"}
   * @throws ConfigException when the file is missing, too large, not UTF-8 text, not valid YAML, or
   *     a field is wrong
   */
  public static <T> Document<T> readDocument(
      Path file, Class<T> type, SourceFiles sources, String kind) {
    byte[] bytes = sources.read(file, kind);
    return parseDocument(SourceFiles.utf8(bytes, file.toString()), file.toString(), type);
  }

  /**
   * Parses YAML {@code text} onto {@code type}; {@code sourceName} names it in error messages (a
   * file name or a resource path).
   *
   * @throws ConfigException when the text is not valid YAML or a field is wrong
   */
  public static <T> T parse(String text, String sourceName, Class<T> type) {
    return parseDocument(text, sourceName, type).value();
  }

  /**
   * Parses YAML {@code text} onto {@code type}, keeping the line of every field.
   *
   * @throws ConfigException when the text is not valid YAML or a field is wrong
   */
  public static <T> Document<T> parseDocument(String text, String sourceName, Class<T> type) {
    Map<String, Integer> lines;
    try {
      lines = indexLines(text, sourceName);
    } catch (IOException e) {
      throw syntaxError(sourceName, e);
    }
    requireMapping(text, sourceName, type);
    try {
      T value = MAPPER.readValue(text, type);
      if (value == null) {
        throw new ConfigException(sourceName, 0, "", "the file is empty", null);
      }
      return new Document<>(value, sourceName, Map.copyOf(lines));
    } catch (ValueInstantiationException e) {
      String base = pathOf(e.getPath());
      rejectUnknownKeys(text, sourceName, lines, base, e);
      Throwable cause = rootFieldCause(e);
      if (cause instanceof FieldException fe) {
        String field = join(base, fe.field());
        return fail(sourceName, lineFor(lines, field, e), field, fe.problem(), e);
      }
      String problem = cause != null && cause.getMessage() != null ? cause.getMessage() : "invalid";
      return fail(sourceName, lineFor(lines, base, e), base, problem, e);
    } catch (UnrecognizedPropertyException e) {
      String field =
          join(pathOf(e.getPath().subList(0, e.getPath().size() - 1)), e.getPropertyName());
      List<String> allowed =
          e.getKnownPropertyIds().stream()
              .map(Object::toString)
              .sorted()
              .collect(Collectors.toList());
      // A record is built only after its whole mapping is buffered, so the parser's location is
      // the end of that mapping; the index knows the key's own line.
      return fail(
          sourceName,
          lineFor(lines, field, e),
          field,
          "unknown key '" + e.getPropertyName() + "'; allowed keys are " + allowed,
          e);
    } catch (InvalidNullException e) {
      String field = pathOf(e.getPath());
      return fail(sourceName, lineFor(lines, field, e), field, problemOf(e), e);
    } catch (MismatchedInputException e) {
      return fail(sourceName, lineOf(e.getLocation()), pathOf(e.getPath()), problemOf(e), e);
    } catch (JsonMappingException e) {
      String field = pathOf(e.getPath());
      return fail(sourceName, lineOf(e.getLocation()), field, firstLine(e), e);
    } catch (JsonProcessingException e) {
      throw syntaxError(sourceName, e);
    }
  }

  /**
   * Describes a YAML syntax error by its problem and the line of the problem; Jackson's own message
   * and location name the enclosing block instead (e.g. "while parsing a block mapping" on the line
   * above a mis-indented key).
   */
  private static ConfigException syntaxError(String source, IOException e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof MarkedYAMLException m && m.getProblemMark() != null) {
        String problem = m.getProblem();
        if (m.getContext() != null && m.getContextMark() != null) {
          problem +=
              " ("
                  + m.getContext().strip()
                  + " that starts on line "
                  + (m.getContextMark().getLine() + 1)
                  + ")";
        }
        return new ConfigException(
            source, m.getProblemMark().getLine() + 1, "", "not valid YAML: " + problem, e);
      }
    }
    int line = e instanceof JsonProcessingException jpe ? lineOf(jpe.getLocation()) : 0;
    return new ConfigException(source, line, "", "not valid YAML: " + firstLine(e), e);
  }

  /**
   * Describes a value that does not fit its field, for a control engineer: what was expected and
   * what the file holds, e.g. {@code expected a whole number, got 60.5}. Also used by loaders that
   * bind a part of a file themselves (hyper-parameters).
   *
   * @param e Jackson's complaint
   * @return the problem, without the file, line or field
   */
  public static String problemOf(JsonMappingException e) {
    if (e instanceof InvalidNullException) {
      return "is empty; give a value or remove the key";
    }
    if (e instanceof InvalidFormatException f) {
      Object value = f.getValue();
      String expected = "expected " + describe(f.getTargetType());
      if (value instanceof String text) {
        boolean scalarTarget =
            f.getTargetType() != null
                && (Number.class.isAssignableFrom(f.getTargetType())
                    || f.getTargetType().isPrimitive()
                    || f.getTargetType() == Boolean.class);
        return expected
            + ", got the text '"
            + abbreviate(text)
            + "'"
            + (scalarTarget ? " (write numbers and true/false without quotes)" : "");
      }
      return expected + ", got " + value;
    }
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      String expected = "expected " + describe(m.getTargetType());
      // Jackson names the refused text only in its message: Cannot coerce String value ("60") ...
      Matcher quoted = COERCED_TEXT.matcher(String.valueOf(m.getOriginalMessage()));
      if (quoted.find()) {
        return expected
            + ", got the text '"
            + abbreviate(quoted.group(1))
            + "' (write numbers and true/false without quotes)";
      }
      return expected + " here";
    }
    return firstLine(e);
  }

  /**
   * Refuses a document that is not a mapping of keys before binding it: an empty file, a single
   * value (a YAML scalar, or a text file that is no YAML mapping such as {@code /etc/passwd}), a
   * list, or a file of another kind that {@code type} recognises by its {@link OtherFileKind}
   * annotations (e.g. a model file given where a scenario is expected).
   */
  private static void requireMapping(String text, String source, Class<?> type) {
    JsonNode root;
    try {
      root = MAPPER.readTree(text);
    } catch (IOException e) {
      throw syntaxError(source, e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new ConfigException(source, 0, "", "the file is empty", null);
    }
    if (root.isArray()) {
      throw new ConfigException(
          source,
          1,
          "",
          "the file holds a list of "
              + root.size()
              + " items, not a mapping of keys (write `key: value` lines at the top level)",
          null);
    }
    if (!root.isObject()) {
      throw new ConfigException(
          source,
          1,
          "",
          "the file holds a single value ('"
              + abbreviate(root.asText())
              + "'), not a mapping of keys (write `key: value` lines at the top level)",
          null);
    }
    for (OtherFileKind kind : type.getAnnotationsByType(OtherFileKind.class)) {
      if (root.has(kind.key())) {
        throw new ConfigException(source, 0, "", kind.message(), null);
      }
    }
  }

  private static String abbreviate(String text) {
    String oneLine = text.replaceAll("\\s+", " ").strip();
    return oneLine.length() <= 40 ? oneLine : oneLine.substring(0, 40) + "...";
  }

  /**
   * Reports a key that the record being built does not declare. Jackson calls a record's
   * constructor before it reports unknown keys, so without this a misspelled required key would be
   * blamed on the missing key ("required") rather than on the misspelling.
   */
  private static void rejectUnknownKeys(
      String text,
      String source,
      Map<String, Integer> lines,
      String base,
      ValueInstantiationException e) {
    if (e.getType() == null) {
      return;
    }
    BeanDescription bean = MAPPER.getDeserializationConfig().introspect(e.getType());
    if (bean.findAnySetterAccessor() != null) {
      return;
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (IOException unreadable) {
      return;
    }
    for (JsonMappingException.Reference ref : e.getPath()) {
      node = ref.getFieldName() != null ? node.get(ref.getFieldName()) : node.get(ref.getIndex());
      if (node == null) {
        return;
      }
    }
    if (!node.isObject()) {
      return;
    }
    List<String> allowed =
        bean.findProperties().stream()
            .map(BeanPropertyDefinition::getName)
            .sorted()
            .collect(Collectors.toList());
    for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!allowed.contains(key)) {
        String field = join(base, key);
        fail(
            source,
            lines.getOrDefault(field, 0),
            field,
            "unknown key '" + key + "'; allowed keys are " + allowed,
            e);
      }
    }
  }

  private static <T> T fail(String source, int line, String field, String problem, Throwable e) {
    throw new ConfigException(source, line, field, problem, e);
  }

  private static Throwable rootFieldCause(Throwable e) {
    Throwable t = e.getCause();
    while (t != null) {
      if (t instanceof FieldException) {
        return t;
      }
      if (t.getCause() == null || t.getCause() == t) {
        return t;
      }
      t = t.getCause();
    }
    return null;
  }

  private static int lineFor(Map<String, Integer> lines, String field, JsonMappingException e) {
    int line = nearestLine(lines, field);
    return line > 0 ? line : lineOf(e.getLocation());
  }

  static int nearestLine(Map<String, Integer> lines, String field) {
    String path = field;
    while (!path.isEmpty()) {
      Integer line = lines.get(path);
      if (line != null) {
        return line;
      }
      path = parent(path);
    }
    return 0;
  }

  /**
   * A parsed file: the bound value, the name of its source, and the line of every field path
   * ({@code a.b[2].c}).
   *
   * @param value the bound record
   * @param source file name or resource path, for messages
   * @param lines 1-based line of each field path
   * @param <T> the record type
   */
  public record Document<T>(T value, String source, Map<String, Integer> lines) {

    /** Returns the line of {@code field}, or of its nearest enclosing field; 0 when unknown. */
    public int lineOf(String field) {
      return nearestLine(lines, field);
    }

    /** Returns an exception blaming {@code field} of this document, with its line. */
    public ConfigException error(String field, String problem) {
      return new ConfigException(source, lineOf(field), field, problem, null);
    }
  }

  private static String parent(String path) {
    int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    return cut <= 0 ? "" : path.substring(0, cut);
  }

  private static String describe(Class<?> type) {
    if (type == null) {
      return "a value";
    }
    if (type == Double.class
        || type == double.class
        || type == Float.class
        || type == float.class) {
      return "a number";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "a whole number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "text";
    }
    if (type.isEnum()) {
      return "one of " + List.of(type.getEnumConstants());
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(type)) {
      return "a mapping of names to values";
    }
    return "a mapping (" + type.getSimpleName() + ")";
  }

  private static String firstLine(Exception e) {
    String m = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  private static int lineOf(JsonLocation location) {
    return location == null ? 0 : Math.max(0, location.getLineNr());
  }

  private static String pathOf(List<JsonMappingException.Reference> path) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference ref : path) {
      if (ref.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String join(String base, String field) {
    if (base.isEmpty()) {
      return field;
    }
    if (field.isEmpty()) {
      return base;
    }
    return field.startsWith("[") ? base + field : base + "." + field;
  }

  /** Maps each field path ({@code a.b[2].c}) to the line where its key or item starts. */
  private static Map<String, Integer> indexLines(String text, String source) throws IOException {
    Map<String, Integer> lines = new HashMap<>();
    Deque<String> paths = new ArrayDeque<>();
    Deque<int[]> arrayIndex = new ArrayDeque<>();
    try (JsonParser p = MAPPER.getFactory().createParser(text)) {
      String pending = "";
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        String current = paths.isEmpty() ? "" : paths.peek();
        if (t == JsonToken.FIELD_NAME) {
          pending = join(current, p.currentName());
          lines.putIfAbsent(pending, lineOf(p.currentTokenLocation()));
          continue;
        }
        String valuePath = pending;
        if (!arrayIndex.isEmpty() && arrayIndex.peek() != null && isArrayContext(p)) {
          int[] idx = arrayIndex.peek();
          valuePath = current + "[" + idx[0]++ + "]";
          if (t != JsonToken.END_ARRAY && t != JsonToken.END_OBJECT) {
            lines.putIfAbsent(valuePath, lineOf(p.currentTokenLocation()));
          }
        }
        if (t == JsonToken.VALUE_STRING && p.getTextLength() > MAX_TEXT_LENGTH) {
          throw new ConfigException(
              source,
              lineOf(p.currentTokenLocation()),
              valuePath,
              "text of "
                  + p.getTextLength()
                  + " characters; at most "
                  + MAX_TEXT_LENGTH
                  + " are allowed",
              null);
        }
        if (t == JsonToken.START_OBJECT) {
          paths.push(valuePath);
          arrayIndex.push(new int[] {-1});
        } else if (t == JsonToken.START_ARRAY) {
          paths.push(valuePath);
          arrayIndex.push(new int[] {0});
        } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
          paths.pop();
          arrayIndex.pop();
        }
        pending = paths.isEmpty() ? "" : paths.peek();
      }
    }
    return lines;
  }

  private static boolean isArrayContext(JsonParser p) {
    JsonToken t = p.currentToken();
    if (t == JsonToken.END_ARRAY) {
      return false;
    }
    if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
      return p.getParsingContext().getParent() != null
          && p.getParsingContext().getParent().inArray();
    }
    return p.getParsingContext().inArray();
  }
}
