package org.safeloop.plc.audit;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.env.Quality;

/**
 * The audit log's line format, written with Jackson's streaming generator so that field order is
 * fixed and a line costs no reflection. Every line is one JSON object that starts with its place in
 * the log's hash chain ({@code seq}, {@code instance}, {@code prev}; see {@link AuditLog}) and has
 * a {@code "type"} field.
 *
 * <pre>{@code
 * {"seq":41,"instance":"5c1e...","prev":"9a0f...","type":"cycle","ts":"2025-06-02T08:00:00.100Z","cycle":12,"mode":"shadow","latency_us":830,
 *  "inputs":{"T":{"value":330.1,"quality":"GOOD","source_ts":"2025-06-02T08:00:00.050Z"},
 *            "Ca":{"value":2.7,"quality":"BAD","note":"outside the instrument range [0.0, 1.5] mol/m3"}},
 *  "proposed":{"Tc":300.2},
 *  "shield":{"action":{"Tc":300.0},"verdict":"REPAIRED","reason":"RATE_LIMIT Tc: ...",
 *            "layers":["RATE_LIMIT"],"fallback":false},
 *  "writes":{"Tc_sp":300.0,"adv":1.0},"text_writes":{"advisory.reason":"RATE_LIMIT Tc: ..."}}
 * {"seq":42,...,"type":"writes","ts":"2025-06-02T08:00:00.104Z","cycle":12,"ok":false,
 *  "error":"timeout","refused":false,"latency_us":4120}
 * {"seq":43,...,"type":"event","ts":"2025-06-02T08:00:01Z","kind":"DEMOTION","reason":"...",
 *  "details":{...}}
 * }</pre>
 *
 * (shown wrapped; each record is one line). Instants are ISO-8601 UTC strings. Finite numbers are
 * JSON numbers written with Java's shortest round-trip form, so they read back bit for bit;
 * non-finite numbers, which JSON cannot express, are the strings {@code "NaN"}, {@code "Infinity"}
 * and {@code "-Infinity"} (as Python's and JavaScript's conversions name them). A missing source
 * timestamp or write error is an absent field, and so is {@code text_writes} when the cycle writes
 * no text (a string tag's write is recorded there as the text the PLC receives, not in {@code
 * writes}). Readers ignore fields they do not know, so fields may be added later without breaking
 * old readers.
 */
final class AuditJson {
  static final String CYCLE = "cycle";
  static final String EVENT = "event";
  static final String WRITES = "writes";

  /** The {@code prev} of the first record of a chain: 64 zeros. */
  static final String GENESIS = "0".repeat(64);

  /**
   * One parsed line.
   *
   * @param record the record
   * @param seq its sequence number in the chain, from 1; 0 when the line has no chain fields
   * @param instance the id of the writer that wrote it; empty when unchained
   * @param prev the SHA-256 of the previous line; empty when unchained
   */
  record Parsed(AuditRecord record, long seq, String instance, String prev) {
    boolean chained() {
      return seq > 0;
    }
  }

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final ObjectMapper READER =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          // Two records run together on one line are damage, not one record.
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private AuditJson() {}

  /**
   * Returns the record as one line of UTF-8 JSON, ending with a newline.
   *
   * @param seq its place in the chain, from 1
   * @param instance the writer's id
   * @param prev the SHA-256 (hex) of the previous line without its newline, or {@link #GENESIS}
   */
  static byte[] line(AuditRecord record, long seq, String instance, String prev) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeNumberField("seq", seq);
      g.writeStringField("instance", instance);
      g.writeStringField("prev", prev);
      if (record instanceof CycleRecord cycle) {
        writeCycle(g, cycle);
      } else if (record instanceof EventRecord event) {
        writeEvent(g, event);
      } else if (record instanceof WriteRecord write) {
        writeWrites(g, write);
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode audit record " + record, e);
    }
    out.write('\n');
    return out.toByteArray();
  }

  private static void writeCycle(JsonGenerator g, CycleRecord c) throws IOException {
    g.writeStringField("type", CYCLE);
    g.writeStringField("ts", c.timestamp().toString());
    g.writeNumberField("cycle", c.cycle());
    g.writeStringField("mode", c.mode());
    g.writeNumberField("latency_us", c.latencyMicros());
    g.writeObjectFieldStart("inputs");
    for (Map.Entry<String, CycleRecord.Input> e : c.inputs().entrySet()) {
      CycleRecord.Input in = e.getValue();
      g.writeObjectFieldStart(e.getKey());
      g.writeFieldName("value");
      writeDouble(g, in.value());
      g.writeStringField("quality", in.quality().name());
      if (in.sourceTimestamp() != null) {
        g.writeStringField("source_ts", in.sourceTimestamp().toString());
      }
      if (in.note() != null) {
        g.writeStringField("note", in.note());
      }
      g.writeEndObject();
    }
    g.writeEndObject();
    writeDoubles(g, "proposed", c.proposedAction());
    CycleRecord.ShieldOutcome s = c.shield();
    g.writeObjectFieldStart("shield");
    writeDoubles(g, "action", s.finalAction());
    g.writeStringField("verdict", s.verdict());
    g.writeStringField("reason", s.reason());
    g.writeArrayFieldStart("layers");
    for (String layer : s.interventionLayers()) {
      g.writeString(layer);
    }
    g.writeEndArray();
    g.writeBooleanField("fallback", s.fallback());
    g.writeEndObject();
    writeDoubles(g, "writes", c.writes());
    // Only when there is text, so that records without it keep their bytes (and hashes).
    if (!c.textWrites().isEmpty()) {
      g.writeObjectFieldStart("text_writes");
      for (Map.Entry<String, String> e : c.textWrites().entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
    }
  }

  private static void writeWrites(JsonGenerator g, WriteRecord w) throws IOException {
    g.writeStringField("type", WRITES);
    g.writeStringField("ts", w.timestamp().toString());
    g.writeNumberField("cycle", w.cycle());
    g.writeBooleanField("ok", w.ok());
    if (w.failure() != null) {
      g.writeStringField("error", w.failure());
    }
    g.writeBooleanField("refused", w.refused());
    g.writeNumberField("latency_us", w.latencyMicros());
  }

  private static void writeEvent(JsonGenerator g, EventRecord e) throws IOException {
    g.writeStringField("type", EVENT);
    g.writeStringField("ts", e.timestamp().toString());
    g.writeStringField("kind", e.kind().name());
    g.writeStringField("reason", e.reason());
    g.writeObjectFieldStart("details");
    for (Map.Entry<String, String> d : e.details().entrySet()) {
      g.writeStringField(d.getKey(), d.getValue());
    }
    g.writeEndObject();
  }

  private static void writeDoubles(JsonGenerator g, String field, Map<String, Double> values)
      throws IOException {
    g.writeObjectFieldStart(field);
    for (Map.Entry<String, Double> e : values.entrySet()) {
      g.writeFieldName(e.getKey());
      writeDouble(g, e.getValue());
    }
    g.writeEndObject();
  }

  private static void writeDouble(JsonGenerator g, double value) throws IOException {
    if (Double.isFinite(value)) {
      g.writeNumber(value);
    } else {
      // Double.toString gives exactly "NaN", "Infinity" and "-Infinity".
      g.writeString(Double.toString(value));
    }
  }

  /** Returns the SHA-256 (hex) of the first {@code length} bytes of {@code line}. */
  static String sha256(byte[] line, int length) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(line, 0, length);
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }

  /** Thrown for a line that is not a complete record. */
  static final class MalformedLineException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean truncated;

    MalformedLineException(String message, boolean truncated, Throwable cause) {
      super(message, cause);
      this.truncated = truncated;
    }

    /** True when the line ended in the middle of its JSON: the tail of a crashed write. */
    boolean truncated() {
      return truncated;
    }
  }

  /**
   * Parses one line.
   *
   * @throws MalformedLineException when the line is not JSON, ends early, or lacks or mistypes a
   *     field (the message names the field)
   */
  static Parsed parse(String line) throws MalformedLineException {
    JsonNode root;
    try {
      root = READER.readTree(line);
    } catch (JsonEOFException e) {
      throw new MalformedLineException("ends in the middle of a record", true, e);
    } catch (JsonProcessingException e) {
      throw new MalformedLineException("is not JSON: " + e.getOriginalMessage(), false, e);
    }
    if (root == null || root.isMissingNode()) {
      throw new MalformedLineException("is empty", false, null);
    }
    if (!root.isObject()) {
      throw new MalformedLineException("is not a JSON object", false, null);
    }
    try {
      long seq = 0;
      String instance = "";
      String prev = "";
      if (root.has("seq")) {
        seq = integer(root, "seq");
        if (seq < 1) {
          throw new IllegalArgumentException("field 'seq' must be at least 1");
        }
        instance = text(root, "instance");
        prev = text(root, "prev");
      }
      String type = text(root, "type");
      AuditRecord record =
          switch (type) {
            case CYCLE -> readCycle(root);
            case EVENT -> readEvent(root);
            case WRITES -> readWrites(root);
            default -> throw new IllegalArgumentException("field 'type' is '" + type + "'");
          };
      return new Parsed(record, seq, instance, prev);
    } catch (IllegalArgumentException e) {
      throw new MalformedLineException(e.getMessage(), false, e);
    }
  }

  private static CycleRecord readCycle(JsonNode root) {
    // Read in the order written, so the first problem reported is the first in the line.
    Instant timestamp = instant(root, "ts", "");
    long cycle = integer(root, "cycle");
    String mode = text(root, "mode");
    long latencyMicros = integer(root, "latency_us");
    Map<String, CycleRecord.Input> inputs =
        map(
            root,
            "inputs",
            (node, path) ->
                new CycleRecord.Input(
                    number(node, "value", path),
                    enumValue(Quality.class, text(node, "quality", path), path + ".quality"),
                    node.has("source_ts") ? instant(node, "source_ts", path) : null,
                    node.has("note") ? text(node, "note", path) : null));
    Map<String, Double> proposed = doubles(root, "proposed", "proposed");
    JsonNode shieldNode = object(root, "shield", "shield");
    List<String> layers = new ArrayList<>();
    JsonNode layerArray = required(shieldNode, "layers", "shield.layers");
    if (!layerArray.isArray()) {
      throw new IllegalArgumentException("field 'shield.layers' must be an array");
    }
    for (JsonNode layer : layerArray) {
      if (!layer.isTextual()) {
        throw new IllegalArgumentException("field 'shield.layers' must hold strings");
      }
      layers.add(layer.textValue());
    }
    JsonNode fallback = required(shieldNode, "fallback", "shield.fallback");
    if (!fallback.isBoolean()) {
      throw new IllegalArgumentException("field 'shield.fallback' must be true or false");
    }
    CycleRecord.ShieldOutcome shield =
        new CycleRecord.ShieldOutcome(
            doubles(shieldNode, "action", "shield.action"),
            text(shieldNode, "verdict", "shield.verdict"),
            text(shieldNode, "reason", "shield.reason"),
            layers,
            fallback.booleanValue());
    Map<String, Double> writes = doubles(root, "writes", "writes");
    Map<String, String> textWrites =
        root.has("text_writes")
            ? map(root, "text_writes", (node, path) -> textValue(node, path))
            : Map.of();
    return new CycleRecord(
        timestamp, cycle, mode, inputs, proposed, shield, writes, latencyMicros, textWrites);
  }

  private static WriteRecord readWrites(JsonNode root) {
    Instant timestamp = instant(root, "ts", "");
    long cycle = integer(root, "cycle");
    boolean ok = bool(root, "ok");
    String failure = ok ? null : text(root, "error");
    boolean refused = bool(root, "refused");
    return new WriteRecord(timestamp, cycle, ok, failure, refused, integer(root, "latency_us"));
  }

  private static boolean bool(JsonNode parent, String field) {
    JsonNode node = required(parent, field, field);
    if (!node.isBoolean()) {
      throw new IllegalArgumentException("field '" + field + "' must be true or false");
    }
    return node.booleanValue();
  }

  private static EventRecord readEvent(JsonNode root) {
    return new EventRecord(
        instant(root, "ts", ""),
        enumValue(EventKind.class, text(root, "kind"), "kind"),
        text(root, "reason"),
        map(root, "details", (node, path) -> textValue(node, path)));
  }

  private interface FieldReader<V> {
    V read(JsonNode node, String path);
  }

  private static <V> Map<String, V> map(JsonNode parent, String field, FieldReader<V> reader) {
    JsonNode node = object(parent, field, field);
    LinkedHashMap<String, V> values = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      values.put(e.getKey(), reader.read(e.getValue(), field + "." + e.getKey()));
    }
    return values;
  }

  private static Map<String, Double> doubles(JsonNode parent, String field, String path) {
    JsonNode node = object(parent, field, path);
    LinkedHashMap<String, Double> values = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      values.put(e.getKey(), numberValue(e.getValue(), path + "." + e.getKey()));
    }
    return values;
  }

  private static JsonNode required(JsonNode parent, String field, String path) {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      throw new IllegalArgumentException("field '" + path + "' is missing");
    }
    return node;
  }

  private static JsonNode object(JsonNode parent, String field, String path) {
    JsonNode node = required(parent, field, path);
    if (!node.isObject()) {
      throw new IllegalArgumentException("field '" + path + "' must be an object");
    }
    return node;
  }

  private static String text(JsonNode parent, String field) {
    return text(parent, field, "");
  }

  private static String text(JsonNode parent, String field, String prefix) {
    String path = prefix.isEmpty() ? field : prefix + "." + field;
    return textValue(required(parent, field, path), path);
  }

  private static String textValue(JsonNode node, String path) {
    if (!node.isTextual()) {
      throw new IllegalArgumentException("field '" + path + "' must be a string");
    }
    return node.textValue();
  }

  private static long integer(JsonNode parent, String field) {
    JsonNode node = required(parent, field, field);
    if (!node.canConvertToExactIntegral() || !node.canConvertToLong()) {
      throw new IllegalArgumentException("field '" + field + "' must be a whole number");
    }
    return node.longValue();
  }

  private static double number(JsonNode parent, String field, String prefix) {
    String path = prefix + "." + field;
    return numberValue(required(parent, field, path), path);
  }

  private static double numberValue(JsonNode node, String path) {
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isTextual()) {
      switch (node.textValue()) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          break;
      }
    }
    throw new IllegalArgumentException(
        "field '" + path + "' must be a number, \"NaN\", \"Infinity\" or \"-Infinity\"");
  }

  private static Instant instant(JsonNode parent, String field, String prefix) {
    String path = prefix.isEmpty() ? field : prefix + "." + field;
    String value = text(parent, field, prefix);
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "field '" + path + "' must be an ISO-8601 UTC instant, found '" + value + "'");
    }
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, String name, String path) {
    try {
      return Enum.valueOf(type, name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "field '" + path + "' has the unknown value '" + name + "'");
    }
  }
}
