package org.safeloop.plc.opcua;

import java.time.Instant;
import java.util.Optional;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UInteger;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UShort;
import org.safeloop.env.Quality;
import org.safeloop.plc.DataType;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagValue;
import org.safeloop.plc.TagWrite;

/** Conversions between OPC UA values and the bridge's tag values. Stateless; thread-safe. */
final class OpcUaValues {

  private static final java.util.Map<NodeId, String> TYPE_NAMES =
      java.util.Map.of(
          NodeIds.Double, "Double",
          NodeIds.Float, "Float",
          NodeIds.Int16, "Int16",
          NodeIds.Int32, "Int32",
          NodeIds.UInt16, "UInt16",
          NodeIds.UInt32, "UInt32",
          NodeIds.Boolean, "Boolean",
          NodeIds.String, "String",
          NodeIds.DateTime, "DateTime",
          NodeIds.Int64, "Int64");

  private OpcUaValues() {}

  /** The StatusCode severity as a quality: Good, Uncertain, Bad. */
  static Quality quality(StatusCode status) {
    if (status == null || status.isGood()) {
      return Quality.GOOD;
    }
    return status.isUncertain() ? Quality.UNCERTAIN : Quality.BAD;
  }

  /**
   * A read or notified value as a tag value in engineering units.
   *
   * @param fallbackTime when the answer arrived: the source time of a value without timestamps, and
   *     the confirmed time of one without a server timestamp
   */
  static TagValue toTagValue(Tag tag, DataValue dataValue, Instant fallbackTime) {
    StatusCode status = dataValue.statusCode() == null ? StatusCode.GOOD : dataValue.statusCode();
    Object raw = dataValue.value() == null ? null : dataValue.value().value();
    double value = Double.NaN;
    Optional<String> text = Optional.empty();
    if (raw instanceof Boolean bool) {
      value = bool ? 1.0 : 0.0;
    } else if (raw instanceof Number number) {
      value = tag.dataType() == DataType.BOOLEAN ? number.doubleValue() : scale(tag, number);
    } else if (raw instanceof String string) {
      text = Optional.of(string);
    } else if (raw instanceof DateTime time && time.isValid()) {
      // A time reads as epoch seconds, as the bridge writes it.
      java.time.Instant instant = time.getJavaInstant();
      value = tag.scaling().toEngineering(instant.getEpochSecond() + instant.getNano() * 1e-9);
    }
    return new TagValue(
        tag.name(),
        value,
        text,
        quality(status),
        timestamp(dataValue, fallbackTime),
        status.value(),
        confirmed(dataValue, fallbackTime));
  }

  /**
   * When the server last knew the value to be accurate: its server timestamp, or the time the
   * answer arrived from a server that gives none. Not the source timestamp, which many servers set
   * only when the value changes.
   */
  private static Instant confirmed(DataValue dataValue, Instant arrival) {
    DateTime server = dataValue.serverTime();
    if (server != null && server.isValid() && !server.isNull()) {
      return server.getJavaInstant();
    }
    return arrival;
  }

  private static double scale(Tag tag, Number number) {
    return tag.scaling().toEngineering(number.doubleValue());
  }

  private static Instant timestamp(DataValue dataValue, Instant fallback) {
    DateTime source = dataValue.sourceTime();
    if (source != null && source.isValid() && !source.isNull()) {
      return source.getJavaInstant();
    }
    DateTime server = dataValue.serverTime();
    if (server != null && server.isValid() && !server.isNull()) {
      return server.getJavaInstant();
    }
    return fallback;
  }

  /**
   * Converts a write to the Java value for a node of the given DataType, so that the server gets
   * exactly its type (a Float for a Float node, never a Double).
   *
   * @throws IllegalArgumentException if the value cannot become that type (text for a number, out
   *     of range, not 0/1 for a Boolean)
   * @throws UnsupportedOperationException if the bridge does not write that DataType
   */
  static Object toNodeValue(TagWrite write, NodeId dataType) {
    Tag tag = write.tag();
    if (NodeIds.String.equals(dataType)) {
      if (!write.isText()) {
        throw new IllegalArgumentException(
            "type mismatch: node of tag " + tag.name() + " holds text; a number cannot be written");
      }
      return write.text();
    }
    if (write.isText()) {
      throw new IllegalArgumentException(
          "type mismatch: node of tag "
              + tag.name()
              + " holds "
              + typeName(dataType)
              + "; the text '"
              + write.text()
              + "' cannot be written");
    }
    double raw = tag.scaling().toRaw(write.value());
    if (NodeIds.Double.equals(dataType)) {
      return DataType.FLOAT64.fitRaw(raw, tag.name());
    }
    if (NodeIds.Float.equals(dataType)) {
      return (float) DataType.FLOAT32.fitRaw(raw, tag.name());
    }
    if (NodeIds.Int16.equals(dataType)) {
      return (short) DataType.INT16.fitRaw(raw, tag.name());
    }
    if (NodeIds.Int32.equals(dataType)) {
      return (int) DataType.INT32.fitRaw(raw, tag.name());
    }
    if (NodeIds.UInt16.equals(dataType)) {
      return UShort.valueOf((int) DataType.UINT16.fitRaw(raw, tag.name()));
    }
    if (NodeIds.UInt32.equals(dataType)) {
      return UInteger.valueOf((long) DataType.UINT32.fitRaw(raw, tag.name()));
    }
    if (NodeIds.Boolean.equals(dataType)) {
      return DataType.BOOLEAN.fitRaw(raw, tag.name()) != 0.0;
    }
    if (NodeIds.DateTime.equals(dataType)) {
      // A number written to a time is epoch seconds (the advisory timestamp).
      double seconds = DataType.FLOAT64.fitRaw(raw, tag.name());
      return new DateTime(java.time.Instant.ofEpochMilli(Math.round(seconds * 1000.0)));
    }
    throw new UnsupportedOperationException(
        "node of tag "
            + tag.name()
            + " has DataType "
            + typeName(dataType)
            + "; the bridge writes Double, Float, Int16, Int32, UInt16, UInt32, Boolean, DateTime"
            + " and String");
  }

  /** The DataTypes the bridge writes as numbers (see {@link #toNodeValue}). */
  private static final java.util.Set<NodeId> WRITABLE_NUMBERS =
      java.util.Set.of(
          NodeIds.Double,
          NodeIds.Float,
          NodeIds.Int16,
          NodeIds.Int32,
          NodeIds.UInt16,
          NodeIds.UInt32,
          NodeIds.Boolean,
          NodeIds.DateTime);

  /** The DataTypes the bridge reads as numbers: any built-in number, a Boolean or a DateTime. */
  private static final java.util.Set<NodeId> READABLE_NUMBERS =
      java.util.Set.of(
          NodeIds.Double,
          NodeIds.Float,
          NodeIds.SByte,
          NodeIds.Byte,
          NodeIds.Int16,
          NodeIds.Int32,
          NodeIds.Int64,
          NodeIds.UInt16,
          NodeIds.UInt32,
          NodeIds.UInt64,
          NodeIds.Boolean,
          NodeIds.DateTime);

  /**
   * Why a node of {@code dataType} cannot carry the tag, or null when it can: a string tag needs a
   * String node; a numeric or boolean tag a number or Boolean node (one the bridge writes, if it
   * writes the tag). The node's exact number type may differ from the tag's: writes use the node's.
   */
  static String typeProblem(Tag tag, NodeId dataType) {
    if (dataType == null) {
      return "the node's DataType cannot be read";
    }
    if (tag.dataType() == DataType.STRING) {
      return NodeIds.String.equals(dataType)
          ? null
          : "the plant file says string, but the node holds " + typeName(dataType);
    }
    java.util.Set<NodeId> accepted = tag.readOnly() ? READABLE_NUMBERS : WRITABLE_NUMBERS;
    if (accepted.contains(dataType)) {
      return null;
    }
    return "the plant file says "
        + tag.dataType().name().toLowerCase(java.util.Locale.ROOT)
        + ", but the node holds "
        + typeName(dataType)
        + (tag.readOnly()
            ? "; the bridge reads numbers, Booleans and DateTimes"
            : "; the bridge writes Double, Float, Int16, Int32, UInt16, UInt32, Boolean and"
                + " DateTime (epoch seconds)");
  }

  static String typeName(NodeId dataType) {
    if (dataType == null) {
      return "unknown";
    }
    return TYPE_NAMES.getOrDefault(dataType, dataType.toParseableString());
  }

  /** A status code's symbolic name, e.g. "Bad_TypeMismatch (0x80740000)". */
  static String statusName(long code) {
    String name = StatusCodes.lookup(code).map(parts -> parts[0]).orElse("StatusCode");
    return String.format("%s (0x%08X)", name, code);
  }
}
