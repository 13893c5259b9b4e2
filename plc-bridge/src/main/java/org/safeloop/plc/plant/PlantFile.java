package org.safeloop.plc.plant;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.config.ConfigException;
import org.safeloop.env.config.SourceFiles;
import org.safeloop.env.config.YamlConfig;
import org.safeloop.plc.DataType;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.ProtocolOptions;
import org.safeloop.plc.Scaling;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagAddress;
import org.safeloop.plc.modbus.ModbusAddress;
import org.safeloop.plc.modbus.ModbusOptions;
import org.safeloop.plc.modbus.WordOrder;
import org.safeloop.plc.opcua.OpcUaAddress;
import org.safeloop.plc.opcua.OpcUaOptions;
import org.safeloop.policy.PolicyBundles;
import org.safeloop.shield.SafetyShield;

/**
 * A loaded and checked plant file: the connection, the cycle, and every tag resolved to a protocol
 * address, data type and scaling. Every problem names the file, the line and the key; {@link
 * #requireCompatible} checks the file against a policy's and a shield's signals and names both
 * sides of a mismatch. Immutable and thread-safe.
 *
 * <p>Loading refuses a tag map the bridge could not use safely: a tag the bridge writes (actions,
 * advisory tags, heartbeats) in a read-only Modbus table, or sharing a register or node with any
 * other tag (the operator mode above all); a string tag where the bridge needs a number; a declared
 * range, the heartbeat counter (0..65535), the verdict codes (0..2), epoch seconds (to 2038) or the
 * remote/auto value that the tag's raw type cannot hold after scaling.
 */
public final class PlantFile {
  /**
   * One of the policy's signals and the tag that carries it.
   *
   * @param signal the policy's signal name
   * @param tag the tag (engineering unit and scaling included)
   * @param rangeLow low end of the instrument range (engineering units), -infinity if none: the
   *     bridge reads a value below it as BAD quality
   * @param rangeHigh high end, +infinity if none
   */
  public record SignalTag(String signal, Tag tag, double rangeLow, double rangeHigh) {}

  /**
   * When closed loop steps back.
   *
   * @param toShadow demote to shadow (true) or to advisory (false)
   * @param badInputCycles consecutive cycles in which the shield judged an input invalid before
   *     demotion
   */
  public record Demotion(boolean toShadow, int badInputCycles) {}

  private final YamlConfig.Document<PlantSpec> doc;
  private final Path file;
  private final PlcConnectionConfig connection;
  private final Duration cyclePeriod;
  private final double timeScale;
  private final List<SignalTag> observations;
  private final List<SignalTag> actions;
  private final Map<String, Tag> currentSetpoints;
  private final Tag operatorMode;
  private final double remoteValue;
  private final Map<String, Tag> recommended;
  private final Tag reason;
  private final Tag timestamp;
  private final Tag advisoryHeartbeat;
  private final Tag heartbeat;
  private final Demotion demotion;
  private final List<TagMapChecks.Mapped> tagMap;

  private PlantFile(YamlConfig.Document<PlantSpec> doc, Path file) {
    this.doc = doc;
    this.file = file;
    PlantSpec s = doc.value();
    PlcConnectionConfig reach = connection(s.connection(), file);
    this.cyclePeriod = Duration.ofMillis(s.cyclePeriodMs());
    this.timeScale = s.timeScale();
    PlantSpec.DemotionSpec d = s.demotion();
    this.observations = signals("observations", s.observations(), true);
    this.actions = signals("actions", s.actions(), false);
    this.currentSetpoints = tags("current_setpoints", s.currentSetpoints(), true);
    PlantSpec.ModeSpec mode = s.operatorMode();
    this.operatorMode =
        tag(
            "operator_mode",
            "operator_mode",
            new PlantSpec.TagSpec(mode.address(), mode.type(), null, "", null, null, null),
            true);
    this.remoteValue = mode.remoteValue();
    PlantSpec.AdvisorySpec a = s.advisory();
    this.recommended = tags("advisory.recommended", a.recommended(), false);
    this.reason = optional("advisory.reason", a.reason());
    this.timestamp = optional("advisory.timestamp", a.timestamp());
    this.advisoryHeartbeat = optional("advisory.heartbeat", a.heartbeat());
    this.heartbeat = optional("heartbeat", s.heartbeat());
    this.demotion = new Demotion(d.to().equals("shadow"), d.badInputCycles());
    this.tagMap = tagMap(s);
    new TagMapChecks(doc).check(tagMap, remoteValue);
    // Opening checks every tag on the device (where the protocol can), before the first cycle.
    List<Tag> required = new ArrayList<>();
    tagMap.forEach(m -> required.add(m.tag()));
    this.connection = reach.withRequiredTags(required);
  }

  /** Every tag in file order, with what the bridge does with it. */
  private List<TagMapChecks.Mapped> tagMap(PlantSpec s) {
    List<TagMapChecks.Mapped> out = new ArrayList<>();
    for (SignalTag o : observations) {
      out.add(
          new TagMapChecks.Mapped(
              "observations." + o.signal(), o.tag(), false, s.observations().get(o.signal())));
    }
    for (SignalTag a : actions) {
      out.add(
          new TagMapChecks.Mapped(
              "actions." + a.signal(), a.tag(), true, s.actions().get(a.signal())));
    }
    for (Map.Entry<String, PlantSpec.TagSpec> e : s.currentSetpoints().entrySet()) {
      String field = "current_setpoints." + e.getKey();
      out.add(
          new TagMapChecks.Mapped(field, currentSetpoints.get(e.getKey()), false, e.getValue()));
    }
    out.add(new TagMapChecks.Mapped("operator_mode", operatorMode, false, null));
    for (Map.Entry<String, PlantSpec.TagSpec> e : s.advisory().recommended().entrySet()) {
      String field = "advisory.recommended." + e.getKey();
      out.add(new TagMapChecks.Mapped(field, recommended.get(e.getKey()), true, e.getValue()));
    }
    PlantSpec.AdvisorySpec a = s.advisory();
    addWritten(out, "advisory.reason", reason, a.reason());
    addWritten(out, "advisory.timestamp", timestamp, a.timestamp());
    addWritten(out, "advisory.heartbeat", advisoryHeartbeat, a.heartbeat());
    addWritten(out, "heartbeat", heartbeat, s.heartbeat());
    return List.copyOf(out);
  }

  private static void addWritten(
      List<TagMapChecks.Mapped> out, String field, Tag tag, PlantSpec.TagSpec spec) {
    if (tag != null) {
      out.add(new TagMapChecks.Mapped(field, tag, true, spec));
    }
  }

  /**
   * Loads and checks a plant file.
   *
   * @throws ConfigException naming the file, line and key of the first problem
   */
  public static PlantFile load(Path file) {
    return load(file, new SourceFiles());
  }

  /**
   * Loads a plant file like {@link #load(Path)}, recording it and the hash of the bytes parsed in
   * {@code sources}.
   */
  public static PlantFile load(Path file, SourceFiles sources) {
    return new PlantFile(
        YamlConfig.readDocument(file, PlantSpec.class, sources, "plant"), file.toAbsolutePath());
  }

  /**
   * Parses plant-file text; relative paths resolve against the working directory.
   *
   * @throws ConfigException naming the source, line and key of the first problem
   */
  public static PlantFile parse(String text, String sourceName) {
    return new PlantFile(
        YamlConfig.parseDocument(text, sourceName, PlantSpec.class),
        Path.of(sourceName).toAbsolutePath());
  }

  private PlcConnectionConfig connection(PlantSpec.ConnectionSpec c, Path source) {
    ProtocolOptions options;
    if (c.protocol().equals("modbus")) {
      options = ModbusOptions.forUnit(c.unitId());
    } else {
      OpcUaOptions o;
      if (c.securityPolicy().equals("none")) {
        o = OpcUaOptions.insecure(c.endpointPath());
      } else {
        OpcUaOptions.SecurityMode mode =
            c.securityMode().equals("sign")
                ? OpcUaOptions.SecurityMode.SIGN
                : OpcUaOptions.SecurityMode.SIGN_AND_ENCRYPT;
        o =
            OpcUaOptions.secure(
                OpcUaOptions.SecurityPolicy.fromLabel(c.securityPolicy()),
                mode,
                source.getParent().resolve(c.pkiDirectory()).normalize(),
                c.endpointPath());
      }
      if (c.username() != null) {
        String password = System.getenv(c.passwordEnv());
        if (password == null) {
          throw doc.error(
              "connection.password_env",
              "the environment variable " + c.passwordEnv() + " is not set");
        }
        o = o.withUser(c.username(), password);
      }
      options = o;
    }
    try {
      return new PlcConnectionConfig(
          c.host(),
          c.port(),
          Duration.ofMillis(c.connectTimeoutMs()),
          Duration.ofMillis(c.requestTimeoutMs()),
          options,
          Duration.ofMillis(c.startupTimeoutMs()),
          List.of());
    } catch (IllegalArgumentException e) {
      throw doc.error("connection", e.getMessage());
    }
  }

  /** The signals of a section, with their instrument ranges. */
  private List<SignalTag> signals(
      String section, Map<String, PlantSpec.TagSpec> specs, boolean readOnly) {
    List<SignalTag> out = new ArrayList<>();
    for (Map.Entry<String, PlantSpec.TagSpec> e : specs.entrySet()) {
      String field = section + "." + e.getKey();
      PlantSpec.TagSpec t = e.getValue();
      Tag tag = tag(field, e.getKey(), t, readOnly);
      double low = t.range() == null ? Double.NEGATIVE_INFINITY : t.range().get(0);
      double high = t.range() == null ? Double.POSITIVE_INFINITY : t.range().get(1);
      out.add(new SignalTag(e.getKey(), tag, low, high));
    }
    return List.copyOf(out);
  }

  private Map<String, Tag> tags(
      String section, Map<String, PlantSpec.TagSpec> specs, boolean readOnly) {
    Map<String, Tag> out = new LinkedHashMap<>();
    for (Map.Entry<String, PlantSpec.TagSpec> e : specs.entrySet()) {
      out.put(
          e.getKey(),
          tag(section + "." + e.getKey(), section + "." + e.getKey(), e.getValue(), readOnly));
    }
    return Map.copyOf(out);
  }

  private Tag optional(String field, PlantSpec.TagSpec spec) {
    return spec == null ? null : tag(field, field, spec, false);
  }

  private Tag tag(String field, String name, PlantSpec.TagSpec t, boolean readOnly) {
    DataType type = dataType(field, t.type());
    TagAddress address = address(field, t);
    try {
      Tag tag = new Tag(name, t.unit(), address, type, new Scaling(t.scale(), t.offset()), false);
      return readOnly ? tag.asReadOnly() : tag;
    } catch (IllegalArgumentException e) {
      throw doc.error(field, e.getMessage());
    }
  }

  private DataType dataType(String field, String type) {
    String t = type.toLowerCase(Locale.ROOT);
    return switch (t) {
      case "bool", "boolean" -> DataType.BOOLEAN;
      case "int16" -> DataType.INT16;
      case "uint16" -> DataType.UINT16;
      case "int32" -> DataType.INT32;
      case "uint32" -> DataType.UINT32;
      case "float32", "float" -> DataType.FLOAT32;
      case "float64", "double" -> DataType.FLOAT64;
      case "string" -> DataType.STRING;
      default ->
          throw doc.error(
              field + ".type",
              "unknown type '"
                  + type
                  + "'; use bool, int16, uint16, int32, uint32, float32, float64 or string");
    };
  }

  private TagAddress address(String field, PlantSpec.TagSpec t) {
    PlantSpec.ConnectionSpec c = doc.value().connection();
    try {
      if (c.protocol().equals("opcua")) {
        if (t.wordOrder() != null) {
          throw doc.error(field + ".word_order", "word order applies to Modbus registers only");
        }
        return OpcUaAddress.parse(t.address());
      }
      boolean modicon = !t.address().contains(":");
      if (modicon != c.addressing().equals("modicon")) {
        throw doc.error(
            field + ".address",
            "'"
                + t.address()
                + "' is "
                + (modicon ? "a 1-based Modicon reference" : "a zero-based table offset")
                + " but connection.addressing says "
                + c.addressing()
                + (c.addressing().equals("modicon")
                    ? " (write e.g. 40001)"
                    : " (write e.g. holding:0)"));
      }
      ModbusAddress a = ModbusAddress.parse(t.address());
      if (t.wordOrder() != null) {
        try {
          a = a.withWordOrder(WordOrder.valueOf(t.wordOrder().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw doc.error(
              field + ".word_order",
              "unknown word order '" + t.wordOrder() + "'; use ABCD, CDAB, BADC or DCBA");
        }
      }
      return a;
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw doc.error(field + ".address", e.getMessage());
    }
  }

  /**
   * Checks this plant against the signals of a policy (bundle or PID) and a shield: every
   * observation and action of the policy must have a tag here with the same unit, every signal the
   * shield reads must be an observation here, and every tag carrying an action (its remote
   * setpoint, recommended setpoint and setpoint in force) must hold the shield's hard limits of
   * that action in its raw type after scaling.
   *
   * @param policyObservations the policy's observations, in its order
   * @param policyActions the policy's actions, in its order
   * @param shield the shield (its observation and action spaces)
   * @param policyName how to name the policy in messages (e.g. {@code policy bundle ppo.bundle})
   * @throws ConfigException naming this file's line and key, and the other side
   */
  public void requireCompatible(
      SignalSpace policyObservations,
      SignalSpace policyActions,
      SafetyShield shield,
      String policyName) {
    requireTimeBase(shield.controlIntervalSeconds(), shield.name());
    compare("observations", observations, policyObservations, policyName);
    compare("actions", actions, policyActions, policyName);
    compare(
        "observations",
        observations,
        shield.observationSpace(),
        "shield " + shield.name() + " (the signals it reads)");
    compare("actions", actions, shield.actionSpace(), "shield " + shield.name());
    List<SignalSpec> shieldActions = shield.actionSpace().signals();
    if (!shieldActions.stream().map(SignalSpec::name).toList().equals(policyActions.names())) {
      throw doc.error(
          "actions",
          "the "
              + policyName
              + " writes "
              + policyActions.names()
              + " but shield "
              + shield.name()
              + " checks "
              + shield.actionSpace().names());
    }
    TagMapChecks checks = new TagMapChecks(doc);
    for (SignalSpec limit : shieldActions) {
      for (String section : List.of("actions.", "advisory.recommended.", "current_setpoints.")) {
        for (TagMapChecks.Mapped m : tagMap) {
          if (m.field().equals(section + limit.name())) {
            checks.requireHoldsActionLimits(m, limit.min(), limit.max(), shield.name());
          }
        }
      }
    }
  }

  private void compare(String section, List<SignalTag> mine, SignalSpace theirs, String otherName) {
    for (SignalSpec s : theirs.signals()) {
      SignalTag t = find(mine, s.name());
      if (t == null) {
        throw doc.error(
            section,
            "the "
                + otherName
                + " needs '"
                + s.name()
                + "' ["
                + s.unit()
                + "] but this plant file maps only "
                + mine.stream().map(SignalTag::signal).toList());
      }
      if (!t.tag().unit().equals(s.unit())) {
        throw doc.error(
            section + "." + s.name() + ".unit",
            "'"
                + s.name()
                + "' is in ["
                + t.tag().unit()
                + "] here but in ["
                + s.unit()
                + "] in the "
                + otherName);
      }
    }
  }

  private static SignalTag find(List<SignalTag> tags, String signal) {
    for (SignalTag t : tags) {
      if (t.signal().equals(signal)) {
        return t;
      }
    }
    return null;
  }

  /** Returns the observation tags in the order of {@code policyObservations}. */
  public List<SignalTag> observationsInOrder(SignalSpace policyObservations) {
    List<SignalTag> out = new ArrayList<>();
    for (SignalSpec s : policyObservations.signals()) {
      SignalTag t = find(observations, s.name());
      if (t == null) {
        throw doc.error("observations", "no tag for '" + s.name() + "'");
      }
      out.add(t);
    }
    return List.copyOf(out);
  }

  /** Returns the action tags in the order of {@code policyActions}. */
  public List<SignalTag> actionsInOrder(SignalSpace policyActions) {
    List<SignalTag> out = new ArrayList<>();
    for (SignalSpec s : policyActions.signals()) {
      SignalTag t = find(actions, s.name());
      if (t == null) {
        throw doc.error("actions", "no tag for '" + s.name() + "'");
      }
      out.add(t);
    }
    return List.copyOf(out);
  }

  /** Returns the plant's name. */
  public String name() {
    return doc.value().name();
  }

  /** Returns the file it was loaded from (absolute). */
  public Path file() {
    return file;
  }

  /** Returns the SHA-256 of the file's bytes, as approvals bind it. */
  public String sha256() {
    return PolicyBundles.sha256(file);
  }

  /** Returns the connection settings. */
  public PlcConnectionConfig connection() {
    return connection;
  }

  /** Returns the control cycle (wall time). */
  public Duration cyclePeriod() {
    return cyclePeriod;
  }

  /** Returns the process time per wall time: 1 for a real plant, above 1 for a fast test bench. */
  public double timeScale() {
    return timeScale;
  }

  /**
   * Says how process time relates to wall time, for the console: empty for a real plant, else e.g.
   * {@code a test bench: the process runs 10 times real time, 26 s per cycle}.
   */
  public String describeTimeScale() {
    return timeScale == 1.0
        ? ""
        : "a test bench: the process runs "
            + figure(timeScale)
            + " times real time, "
            + figure(processSecondsPerCycle())
            + " s per cycle";
  }

  /** Returns the process time one cycle covers, in seconds: the cycle period times the scale. */
  public double processSecondsPerCycle() {
    return cyclePeriod.toNanos() * 1e-9 * timeScale;
  }

  /**
   * Refuses a cycle that does not cover one control interval of the shield's model. The shield's
   * rate limits are per step, its prediction horizon is a number of steps, and a policy or PID was
   * designed for that interval: a plant cycled at 1 s under a shield built for the CSTR's 26 s step
   * would let the setpoint move 26 times faster per minute than the constraint file allows, and
   * would predict 26 times too short a horizon. Accepts a difference of up to {@value
   * #TIME_BASE_TOLERANCE} relative (rounding of the cycle to whole milliseconds).
   *
   * @param controlIntervalSeconds the shield's control interval, in seconds of process time
   * @param shieldName the shield, for the message
   * @throws ConfigException at {@code cycle_period_ms}, naming both figures and the fix
   */
  public void requireTimeBase(double controlIntervalSeconds, String shieldName) {
    double cycle = processSecondsPerCycle();
    if (Math.abs(cycle - controlIntervalSeconds) <= TIME_BASE_TOLERANCE * controlIntervalSeconds) {
      return;
    }
    long wanted = Math.round(controlIntervalSeconds * 1000.0 / timeScale);
    throw doc.error(
        "cycle_period_ms",
        String.format(
            Locale.ROOT,
            "one cycle covers %s s of process time (cycle_period_ms %d%s), but shield %s works"
                + " on a control interval of %s s: its rate limits (per step) and prediction"
                + " horizon would be off by a factor %.3g. Set cycle_period_ms: %d%s",
            figure(cycle),
            cyclePeriod.toMillis(),
            timeScale == 1.0 ? "" : " at time_scale " + figure(timeScale),
            shieldName,
            figure(controlIntervalSeconds),
            controlIntervalSeconds / cycle,
            wanted,
            timeScale == 1.0
                ? ""
                : " (or, for a test bench, time_scale: "
                    + figure(controlIntervalSeconds * 1000.0 / cyclePeriod.toMillis())
                    + ")"));
  }

  /** A figure for a message: six significant digits at most, no trailing zeros. */
  private static String figure(double x) {
    return new java.math.BigDecimal(String.format(Locale.ROOT, "%.6g", x))
        .stripTrailingZeros()
        .toPlainString();
  }

  /** Relative difference between cycle and control interval that {@link #requireTimeBase} takes. */
  public static final double TIME_BASE_TOLERANCE = 0.01;

  /** Returns the tag showing the setpoint in force for {@code action}, or null. */
  public Tag currentSetpoint(String action) {
    return currentSetpoints.get(action);
  }

  /** Returns the operator-mode tag. */
  public Tag operatorMode() {
    return operatorMode;
  }

  /** Returns the value of the operator-mode tag that means remote/auto. */
  public double remoteValue() {
    return remoteValue;
  }

  /** Returns the advisory recommended-setpoint tag for {@code action}, or null. */
  public Tag recommended(String action) {
    return recommended.get(action);
  }

  /** Returns the advisory reason tag, or null. */
  public Tag reason() {
    return reason;
  }

  /** Returns the advisory timestamp tag, or null. */
  public Tag timestamp() {
    return timestamp;
  }

  /** Returns the advisory heartbeat tag, or null. */
  public Tag advisoryHeartbeat() {
    return advisoryHeartbeat;
  }

  /** Returns the agent heartbeat tag, or null. */
  public Tag heartbeat() {
    return heartbeat;
  }

  /** Returns the demotion settings. */
  public Demotion demotion() {
    return demotion;
  }

  /**
   * Returns true when closed loop may run over this connection: always for Modbus (which has no
   * security of its own), for OPC UA only with signing or when the file explicitly allows it.
   */
  public boolean closedLoopTransportAllowed() {
    PlantSpec.ConnectionSpec c = doc.value().connection();
    return c.protocol().equals("modbus")
        || !c.securityMode().equals("none")
        || doc.value().allowInsecureClosedLoop();
  }

  /** Returns the protocol name. */
  public String protocol() {
    return doc.value().connection().protocol();
  }

  @Override
  public String toString() {
    return name() + " (" + file + ")";
  }
}
