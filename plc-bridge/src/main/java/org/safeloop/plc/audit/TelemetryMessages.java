package org.safeloop.plc.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The JSON of one telemetry message: an audit line wrapped with the plant's name and a schema
 * version, so that the audit log's reader reads telemetry exactly as it reads the file.
 *
 * <p>Version 1, one UTF-8 JSON object per message (the message key is the plant's name):
 *
 * <pre>{@code
 * {"telemetry_version": 1, "plant": "cstr-virtual", "record": { ...one audit line... }}
 * }</pre>
 *
 * {@code record} is the audit line as written to {@code audit.jsonl} (its {@code seq}, {@code
 * instance} and {@code prev} included), so a consumer can tell a gap (dropped telemetry) from a
 * complete stream. Thread-safe: instances are immutable.
 */
public final class TelemetryMessages {
  /** The schema version every message carries in {@code telemetry_version}. */
  public static final int VERSION = 1;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final byte[] prefix;

  private TelemetryMessages(String plant) {
    try {
      prefix =
          ("{\"telemetry_version\":" + VERSION + ",\"plant\":" + JSON.writeValueAsString(plant))
              .concat(",\"record\":")
              .getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot encode plant name " + plant, e);
    }
  }

  /** Returns the encoder of {@code plant}'s messages. */
  public static TelemetryMessages forPlant(String plant) {
    return new TelemetryMessages(Objects.requireNonNull(plant, "plant"));
  }

  /** Wraps one audit line (as written, ending with a newline) into a message. */
  public byte[] wrap(byte[] auditLine) {
    int length = auditLine.length;
    if (length > 0 && auditLine[length - 1] == '\n') {
      length--;
    }
    byte[] message = new byte[prefix.length + length + 1];
    System.arraycopy(prefix, 0, message, 0, prefix.length);
    System.arraycopy(auditLine, 0, message, prefix.length, length);
    message[message.length - 1] = '}';
    return message;
  }

  /**
   * One message read back.
   *
   * @param plant the plant's name
   * @param seq the record's place in its audit log's chain (0 when unchained)
   * @param instance the bridge run that wrote it
   * @param record the audit record
   */
  public record Message(String plant, long seq, String instance, AuditRecord record) {}

  /**
   * Reads one message.
   *
   * @throws IllegalArgumentException when it is not a version-1 telemetry message or its record is
   *     malformed (the message names the field)
   */
  public static Message unwrap(byte[] message) {
    JsonNode root;
    try {
      root = JSON.readTree(message);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("telemetry message is not JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("telemetry message is not a JSON object");
    }
    JsonNode version = root.get("telemetry_version");
    if (version == null || !version.canConvertToInt() || version.intValue() != VERSION) {
      throw new IllegalArgumentException(
          "telemetry message has telemetry_version "
              + version
              + "; this reader reads version "
              + VERSION);
    }
    JsonNode plant = root.get("plant");
    JsonNode record = root.get("record");
    if (plant == null || !plant.isTextual() || record == null || !record.isObject()) {
      throw new IllegalArgumentException("telemetry message lacks 'plant' or 'record'");
    }
    try {
      AuditJson.Parsed parsed = AuditJson.parse(record.toString());
      return new Message(plant.textValue(), parsed.seq(), parsed.instance(), parsed.record());
    } catch (AuditJson.MalformedLineException e) {
      throw new IllegalArgumentException("telemetry record " + e.getMessage(), e);
    }
  }
}
