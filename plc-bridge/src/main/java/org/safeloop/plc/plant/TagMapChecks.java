package org.safeloop.plc.plant;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;
import org.safeloop.env.config.ConfigException;
import org.safeloop.env.config.YamlConfig;
import org.safeloop.plc.DataType;
import org.safeloop.plc.Scaling;
import org.safeloop.plc.Tag;
import org.safeloop.plc.modbus.ModbusAddress;
import org.safeloop.plc.modbus.ModbusTable;
import org.safeloop.plc.opcua.OpcUaAddress;

/**
 * The checks of a plant file that look at what the bridge does with each tag rather than at one
 * key: a tag the bridge writes must sit where a master can write, must not share a register or a
 * node with any other tag, and every value the bridge writes or must read (the shield's action
 * limits, an instrument range, the heartbeat counter, the verdict codes, the remote/auto value)
 * must be representable in the tag's raw type after scaling. Each problem is a {@link
 * ConfigException} naming the file, the line and the key, in a control engineer's words. Stateless
 * apart from the document; thread-safe.
 */
final class TagMapChecks {

  /** The heartbeat counter the runtime writes: 0, 1, ..., 65535, 0, ... */
  static final double HEARTBEAT_MAX = 65535;

  /** The verdict codes a numeric reason tag receives: 0 accepted, 1 repaired, 2 fallback. */
  static final double REASON_MAX = 2;

  /** Epoch seconds the timestamp tag must hold: up to 2038-01-19T03:14:07Z (2^31 - 1). */
  static final double TIMESTAMP_MAX = Integer.MAX_VALUE;

  /**
   * One tag of the file and what the bridge does with it.
   *
   * @param field the tag's key in the file, e.g. {@code actions.Tc}
   * @param tag the resolved tag
   * @param written whether the bridge writes it (actions, advisory tags, heartbeat)
   * @param spec the tag as written in the file (its declared range), null for the operator mode
   */
  record Mapped(String field, Tag tag, boolean written, PlantSpec.TagSpec spec) {}

  private final YamlConfig.Document<PlantSpec> doc;
  private final boolean modicon;

  TagMapChecks(YamlConfig.Document<PlantSpec> doc) {
    this.doc = doc;
    this.modicon = doc.value().connection().addressing().equals("modicon");
  }

  /**
   * Runs the checks that need only the file.
   *
   * @param tags every tag of the file, in file order
   * @param remoteValue the operator-mode value meaning remote/auto
   * @throws ConfigException on the first problem
   */
  void check(List<Mapped> tags, double remoteValue) {
    for (Mapped m : tags) {
      requireWritableTable(m);
      requireNumeric(m);
    }
    for (Mapped m : tags) {
      requireValuesFit(m);
    }
    requireRemoteValueFits(find(tags, "operator_mode"), remoteValue);
    requireNoOverlap(tags);
  }

  /**
   * Checks that a tag carrying an action's value holds the shield's hard limits of that action.
   *
   * @param m the action, recommended-setpoint or setpoint-in-force tag
   * @param low the shield's lower limit, in the tag's unit
   * @param high the shield's upper limit
   * @param shieldName the shield, for the message
   */
  void requireHoldsActionLimits(Mapped m, double low, double high, String shieldName) {
    requireFits(
        m,
        m.field() + ".type",
        low,
        high,
        "shield " + shieldName + "'s limits " + range(low, high, m.tag().unit()),
        "the bridge could not "
            + (m.written() ? "write" : "read")
            + " every setpoint the shield allows");
  }

  private void requireWritableTable(Mapped m) {
    if (!m.written() || !(m.tag().address() instanceof ModbusAddress a)) {
      return;
    }
    if (!a.table().isWritable()) {
      throw doc.error(
          m.field() + ".address",
          m.field()
              + " at "
              + where(m)
              + " is in the "
              + tableName(a.table())
              + ", which a Modbus master can only read; the bridge writes this tag, so put it in "
              + (a.table().isBitTable() ? "a coil" : "holding registers")
              + (modicon
                  ? (a.table().isBitTable() ? " (00001...)" : " (40001...)")
                  : (a.table().isBitTable() ? " (coil:N)" : " (holding:N)")));
    }
  }

  private void requireNumeric(Mapped m) {
    if (m.tag().dataType() != DataType.STRING || m.field().equals("advisory.reason")) {
      return;
    }
    throw doc.error(
        m.field() + ".type",
        m.field()
            + " is a string tag, but the bridge "
            + (m.written() ? "writes a number to it" : "needs a number from it")
            + "; only advisory.reason may be text");
  }

  /** Checks the values known from the file alone: declared ranges and the runtime's counters. */
  private void requireValuesFit(Mapped m) {
    PlantSpec.TagSpec spec = m.spec();
    if (spec != null && spec.range() != null) {
      double low = spec.range().get(0);
      double high = spec.range().get(1);
      boolean observation = m.field().startsWith("observations.");
      requireFits(
          m,
          m.field() + ".range",
          low,
          high,
          (observation ? "the instrument range " : "the declared range ")
              + range(low, high, m.tag().unit()),
          observation
              ? "readings across the instrument's range cannot reach the bridge"
              : "the bridge could not carry every value of that range");
    }
    switch (m.field()) {
      case "heartbeat", "advisory.heartbeat" ->
          requireFits(
              m,
              m.field() + ".type",
              0,
              HEARTBEAT_MAX,
              "the heartbeat counter 0..65535",
              "the write would fail when the counter passes the type's maximum and the PLC's"
                  + " watchdog would shed the loop; use uint16 (or a wider type)");
      case "advisory.reason" -> {
        if (m.tag().dataType() != DataType.STRING) {
          requireFits(
              m,
              m.field() + ".type",
              0,
              REASON_MAX,
              "the verdict codes 0 accepted, 1 repaired, 2 fallback",
              "the bridge could not report every verdict");
        }
      }
      case "advisory.timestamp" ->
          requireFits(
              m,
              m.field() + ".type",
              0,
              TIMESTAMP_MAX,
              "epoch seconds up to 2038-01-19 (0..2147483647)",
              "today's time does not fit; use uint32, int32 or float64");
      default -> {}
    }
  }

  private void requireRemoteValueFits(Mapped mode, double remoteValue) {
    DataType type = mode.tag().dataType();
    String problem = null;
    if (!Double.isFinite(remoteValue)) {
      problem = "is not a finite number";
    } else if (type == DataType.BOOLEAN) {
      problem = remoteValue == 0 || remoteValue == 1 ? null : "a bool reads only 0 or 1";
    } else if (type == DataType.FLOAT32) {
      problem =
          (double) (float) remoteValue == remoteValue
              ? null
              : "a float32 cannot hold it exactly (it reads as "
                  + (double) (float) remoteValue
                  + ")";
    } else if (type.isInteger()) {
      if (remoteValue != Math.rint(remoteValue)) {
        problem = article(type) + typeName(type) + " holds whole numbers only";
      } else if (remoteValue < type.minRaw() || remoteValue > type.maxRaw()) {
        problem = article(type) + typeName(type) + " holds " + rawRange(type);
      }
    }
    if (problem != null) {
      throw doc.error(
          "operator_mode.remote_value",
          "remote_value "
              + number(remoteValue)
              + " cannot be read from the "
              + typeName(type)
              + " operator_mode tag at "
              + where(mode)
              + ": "
              + problem
              + "; the loop would never read as remote/auto, so the agent could never act. Use"
              + " the value the PLC sets for remote/auto");
    }
  }

  private void requireNoOverlap(List<Mapped> tags) {
    for (int j = 1; j < tags.size(); j++) {
      for (int i = 0; i < j; i++) {
        Mapped a = tags.get(i);
        Mapped b = tags.get(j);
        if (!(a.written() || b.written()) || !overlap(a.tag(), b.tag())) {
          continue;
        }
        // Blame the tag the bridge writes; when both are written, the one further down.
        boolean blameB = b.written() && (!a.written() || line(b) >= line(a));
        Mapped blamed = blameB ? b : a;
        Mapped other = blameB ? a : b;
        String consequence;
        if (other.field().equals("operator_mode")) {
          consequence =
              "every write of "
                  + blamed.field()
                  + " would overwrite the operator mode: the bridge would switch the loop between"
                  + " remote and local itself";
        } else if (other.written()) {
          consequence = "the bridge writes both, so each write would corrupt the other";
        } else {
          consequence =
              "every write of "
                  + blamed.field()
                  + " would overwrite what the bridge reads as "
                  + other.field();
        }
        throw doc.error(
            blamed.field() + ".address",
            blamed.field()
                + " at "
                + where(blamed)
                + " overlaps "
                + other.field()
                + " at "
                + where(other)
                + " (line "
                + line(other)
                + "): "
                + consequence
                + "; give each tag its own "
                + (blamed.tag().address() instanceof OpcUaAddress ? "node" : "registers"));
      }
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  private void requireFits(
      Mapped m, String key, double low, double high, String values, String consequence) {
    Tag tag = m.tag();
    DataType type = tag.dataType();
    if (type == DataType.STRING) {
      return; // refused by requireNumeric, or a text reason
    }
    Scaling s = tag.scaling();
    double rawA = s.toRaw(low);
    double rawB = s.toRaw(high);
    try {
      type.fitRaw(rawA, tag.name());
      type.fitRaw(rawB, tag.name());
      return;
    } catch (IllegalArgumentException e) {
      // described below
    }
    double engA = s.toEngineering(type.minRaw());
    double engB = s.toEngineering(type.maxRaw());
    String unit = tag.unit().isEmpty() ? "" : " " + tag.unit();
    throw doc.error(
        key,
        m.field()
            + " is "
            + typeName(type)
            + (s.isIdentity()
                ? " (" + rawRange(type) + "), which cannot hold " + values
                : " with scale "
                    + number(s.scale())
                    + ", offset "
                    + number(s.offset())
                    + ": "
                    + values
                    + " need raw "
                    + number(Math.min(rawA, rawB))
                    + ".."
                    + number(Math.max(rawA, rawB))
                    + ", beyond "
                    + typeName(type)
                    + " "
                    + rawRange(type))
            + (s.isIdentity() || !type.isInteger()
                ? ""
                : " (it holds "
                    + number(Math.min(engA, engB))
                    + ".."
                    + number(Math.max(engA, engB))
                    + unit
                    + ")")
            + "; "
            + consequence
            + (s.isIdentity() ? "" : "; use a wider type or another scale"));
  }

  private static boolean overlap(Tag a, Tag b) {
    if (a.address() instanceof ModbusAddress x && b.address() instanceof ModbusAddress y) {
      return x.table() == y.table()
          && x.offset() <= last(y, b.dataType())
          && y.offset() <= last(x, a.dataType());
    }
    if (a.address() instanceof OpcUaAddress x && b.address() instanceof OpcUaAddress y) {
      return nodeKey(x).equals(nodeKey(y));
    }
    return false;
  }

  private static int last(ModbusAddress a, DataType type) {
    return a.offset() + (a.table().isBitTable() ? 1 : Math.max(1, type.registerCount())) - 1;
  }

  /** Numeric identifiers compare as numbers: {@code i=007} is node 7. */
  private static String nodeKey(OpcUaAddress a) {
    String id =
        a.idType() == OpcUaAddress.IdType.NUMERIC
            ? Long.toString(Long.parseLong(a.identifier()))
            : a.identifier();
    return a.namespaceUri() + "|" + a.idType() + "|" + id;
  }

  /** The tag's location as the file writes it, with its extent and type. */
  private String where(Mapped m) {
    if (!(m.tag().address() instanceof ModbusAddress a)) {
      return m.tag().address().toString();
    }
    DataType type = m.tag().dataType();
    int last = last(a, type);
    String first = modicon ? modicon(a.table(), a.offset()) : tablePrefix(a.table()) + a.offset();
    String end =
        last == a.offset()
            ? ""
            : ".." + (modicon ? modicon(a.table(), last) : Integer.toString(last));
    return first + end + " (" + typeName(type) + ")";
  }

  private static String modicon(ModbusTable table, int offset) {
    int reference = offset + 1;
    return reference <= 9999
        ? String.format(Locale.ROOT, "%d%04d", table.modiconDigit(), reference)
        : String.format(Locale.ROOT, "%d%05d", table.modiconDigit(), reference);
  }

  private static String tablePrefix(ModbusTable table) {
    return switch (table) {
      case HOLDING_REGISTER -> "holding:";
      case INPUT_REGISTER -> "input:";
      case COIL -> "coil:";
      case DISCRETE_INPUT -> "discrete:";
    };
  }

  private static String tableName(ModbusTable table) {
    return switch (table) {
      case HOLDING_REGISTER -> "holding registers";
      case INPUT_REGISTER -> "input registers";
      case COIL -> "coils";
      case DISCRETE_INPUT -> "discrete inputs";
    };
  }

  private static String typeName(DataType type) {
    return type == DataType.BOOLEAN ? "bool" : type.name().toLowerCase(Locale.ROOT);
  }

  private static String article(DataType type) {
    return type == DataType.INT16 || type == DataType.INT32 ? "an " : "a ";
  }

  private static String rawRange(DataType type) {
    return type.isInteger()
        ? number(type.minRaw()) + ".." + number(type.maxRaw())
        : "+-" + number(type.maxRaw());
  }

  private static String range(double low, double high, String unit) {
    return "[" + number(low) + ", " + number(high) + "]" + (unit.isEmpty() ? "" : " " + unit);
  }

  /** A number for people: whole numbers without a decimal point, others to six digits. */
  static String number(double v) {
    if (!Double.isFinite(v)) {
      return Double.toString(v);
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    if (Math.abs(v) >= 1e15) {
      return String.format(Locale.ROOT, "%.6g", v);
    }
    return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
  }

  private int line(Mapped m) {
    return doc.lineOf(m.field() + ".address");
  }

  private static Mapped find(List<Mapped> tags, String field) {
    for (Mapped m : tags) {
      if (m.field().equals(field)) {
        return m;
      }
    }
    throw new IllegalStateException("no tag " + field);
  }
}
