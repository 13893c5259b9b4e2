package org.safeloop.plc.virtualplant;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.plc.DataType;
import org.safeloop.plc.virtualplant.PlantLayout.PlantTag;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;
import org.safeloop.plc.virtualplant.opcua.PlantOpcUaServer;

/**
 * Writes the plant file (the YAML of {@code PlantSpec}) that maps a virtual plant's layout for the
 * deployment runtime. Stateless and thread-safe.
 */
final class PlantFiles {

  private PlantFiles() {}

  /**
   * What a plant file is for.
   *
   * @param plantName the plant's name; the file's {@code name} is {@code <plantName>-<protocol>}
   * @param scenarioName the scenario the plant runs, for the description
   * @param layout the tag layout
   * @param protocol the protocol the file connects with
   * @param host the plant's host
   * @param port the plant's port for that protocol
   * @param cyclePeriod the runtime's cycle: one control interval of wall time
   * @param controlIntervalSeconds one control interval of process time, in seconds
   * @param watchdogTimeout the plant's watchdog, mentioned in a comment
   * @param truthDifference what the process's parameters change against the scenario's model
   *     ({@link VirtualPlant#truthDifference()}), a comment; empty when nothing does
   */
  record Target(
      String plantName,
      String scenarioName,
      PlantLayout layout,
      Protocol protocol,
      String host,
      int port,
      Duration cyclePeriod,
      double controlIntervalSeconds,
      Duration watchdogTimeout,
      String truthDifference) {

    Target {
      Objects.requireNonNull(plantName, "plantName");
      Objects.requireNonNull(scenarioName, "scenarioName");
      Objects.requireNonNull(layout, "layout");
      Objects.requireNonNull(protocol, "protocol");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(cyclePeriod, "cyclePeriod");
      Objects.requireNonNull(watchdogTimeout, "watchdogTimeout");
      Objects.requireNonNull(truthDifference, "truthDifference");
      if (!(controlIntervalSeconds > 0)) {
        throw new IllegalArgumentException(
            "control interval must be positive: " + controlIntervalSeconds);
      }
    }

    /** Process time per wall time that makes one cycle one control interval. */
    double timeScale() {
      return controlIntervalSeconds * 1000.0 / cyclePeriod.toMillis();
    }
  }

  /**
   * The plant file of {@code safeloop plant} with its defaults (ports, speed, watchdog), as shipped
   * in {@code plants/}.
   *
   * @param scenario the scenario
   * @param protocol the protocol
   * @return what the file is for
   */
  static Target ofDefaultCommand(Scenario scenario, Protocol protocol) {
    Duration period = VirtualPlant.stepPeriod(scenario, VirtualPlant.DEMO_SPEED);
    return new Target(
        VirtualPlant.defaultPlantName(scenario),
        scenario.name(),
        PlantLayout.of(scenario.plantObservationSpace(), scenario.actionSpace()),
        protocol,
        PlantOpcUaServer.HOST,
        protocol == Protocol.MODBUS
            ? VirtualPlant.DEFAULT_MODBUS_PORT
            : VirtualPlant.DEFAULT_OPCUA_PORT,
        period,
        VirtualPlant.controlIntervalSeconds(scenario),
        VirtualPlant.defaultWatchdogTimeout(period),
        "");
  }

  /**
   * The plant file's text.
   *
   * @param target what the file is for
   * @return YAML loadable by {@code PlantFile.parse}
   */
  static String yaml(Target target) {
    PlantLayout layout = target.layout();
    boolean modbus = target.protocol() == Protocol.MODBUS;
    StringBuilder y = new StringBuilder();
    y.append("# Plant file of the SafeLoop virtual plant (scenario ")
        .append(target.scenarioName())
        .append(") over ")
        .append(modbus ? "Modbus TCP" : "OPC UA")
        .append(".\n");
    y.append("# Written by the virtual plant for its tag layout (safeloop plant")
        .append(" --write-plant-files);\n# regenerate it rather than edit it.\n");
    y.append("# A test bench, not a real PLC: start it with `safeloop plant --scenario ")
        .append(target.scenarioName())
        .append("`.\n");
    if (!target.truthDifference().isEmpty()) {
      // The tags are the model's; only this comment tells a reader the process is not.
      y.append(
              "# Mismatched on purpose (safeloop plant --set): the tags are the scenario's model's,")
          .append(" the process\n# behind them is not; ")
          .append(target.truthDifference())
          .append(".\n");
    }
    y.append("name: ").append(target.plantName()).append('-').append(target.protocol().label());
    y.append('\n');
    y.append("description: >-\n");
    List<String> localSetpoints = new ArrayList<>();
    for (String action : layout.actions().names()) {
      localSetpoints.add(layout.localSetpoint(action).name());
    }
    wrap(
        y,
        "SafeLoop virtual plant running scenario "
            + target.scenarioName()
            + " behind "
            + (modbus ? "a Modbus TCP slave" : "an OPC UA server")
            + ". The loop is in remote/auto when Loop.Mode is 1; the plant's watchdog sheds to"
            + " local when Agent.Heartbeat stays unchanged for "
            + seconds(target.watchdogTimeout())
            + " s in remote mode. The operator's local setpoints ("
            + String.join(", ", localSetpoints)
            + ") are for an HMI and not mapped here.");
    y.append("connection:\n");
    y.append("  protocol: ").append(target.protocol().label()).append('\n');
    y.append("  host: ").append(target.host()).append('\n');
    y.append("  port: ").append(target.port()).append('\n');
    y.append("  connect_timeout_ms: 2000\n");
    y.append("  request_timeout_ms: 500\n");
    if (modbus) {
      y.append("  unit_id: ").append(VirtualPlant.MODBUS_UNIT_ID).append('\n');
      y.append("  addressing: zero-based\n");
    } else {
      y.append("  endpoint_path: ").append(PlantOpcUaServer.PATH).append('\n');
      y.append("  security_policy: none\n");
    }
    y.append("# One cycle per control interval of the plant (")
        .append(seconds(target.cyclePeriod()))
        .append(" s of wall time at its speed): the process runs time_scale times real time.\n");
    y.append("cycle_period_ms: ").append(target.cyclePeriod().toMillis()).append('\n');
    y.append("time_scale: ")
        .append(
            new java.math.BigDecimal(String.format(Locale.ROOT, "%.9g", target.timeScale()))
                .stripTrailingZeros()
                .toPlainString())
        .append('\n');
    y.append("observations:\n");
    for (SignalSpec s : layout.observations().signals()) {
      y.append("  ").append(s.name()).append(": ");
      tag(y, layout.observation(s.name()), modbus);
    }
    y.append("actions:  # remote setpoints, written in closed loop\n");
    for (SignalSpec s : layout.actions().signals()) {
      y.append("  ").append(s.name()).append(": ");
      tag(y, layout.remoteSetpoint(s.name()), modbus);
    }
    y.append("current_setpoints:  # what the process receives, whoever set it\n");
    for (SignalSpec s : layout.actions().signals()) {
      y.append("  ").append(s.name()).append(": ");
      tag(y, layout.setpointInForce(s.name()), modbus);
    }
    y.append("operator_mode: {address: ")
        .append(quoted(address(layout.operatorMode(), modbus)))
        .append(", type: ")
        .append(type(layout.operatorMode(), modbus))
        .append(", remote_value: 1}\n");
    y.append("advisory:\n");
    y.append("  recommended:\n");
    for (SignalSpec s : layout.actions().signals()) {
      y.append("    ").append(s.name()).append(": ");
      tag(y, layout.recommendedSetpoint(s.name()), modbus);
    }
    y.append("  reason: ");
    tag(y, layout.advisoryReason(), modbus);
    y.append("  timestamp: ");
    tag(y, layout.advisoryTimestamp(), modbus);
    y.append("  heartbeat: ");
    tag(y, layout.advisoryHeartbeat(), modbus);
    y.append("heartbeat: ");
    tag(y, layout.agentHeartbeat(), modbus);
    if (!modbus) {
      y.append(
          "# Test bench only: the virtual plant's OPC UA endpoint here has no security. A real\n");
      y.append("# plant needs security_policy basic256sha256 with sign or sign-and-encrypt for")
          .append(" closed loop.\n");
      y.append("allow_insecure_closed_loop: true\n");
    }
    return y.toString();
  }

  /** Appends text as an indented folded block, lines of at most 100 characters. */
  private static void wrap(StringBuilder y, String text) {
    StringBuilder line = new StringBuilder("  ");
    for (String word : text.split(" ")) {
      if (line.length() > 2 && line.length() + 1 + word.length() > 100) {
        y.append(line).append('\n');
        line = new StringBuilder("  ");
      }
      if (line.length() > 2) {
        line.append(' ');
      }
      line.append(word);
    }
    y.append(line).append('\n');
  }

  private static void tag(StringBuilder y, PlantTag tag, boolean modbus) {
    y.append("{address: ")
        .append(quoted(address(tag, modbus)))
        .append(", type: ")
        .append(type(tag, modbus));
    if (!tag.unit().isEmpty()) {
      y.append(", unit: ").append(quoted(tag.unit()));
    }
    y.append("}\n");
  }

  private static String address(PlantTag tag, boolean modbus) {
    if (!modbus) {
      return tag.opcUaAddress().toString();
    }
    String table =
        switch (tag.modbusAddress().table()) {
          case HOLDING_REGISTER -> "holding";
          case INPUT_REGISTER -> "input";
          case COIL -> "coil";
          case DISCRETE_INPUT -> "discrete";
        };
    return table + ":" + tag.modbusAddress().offset();
  }

  private static String type(PlantTag tag, boolean modbus) {
    DataType type = modbus ? tag.modbusType() : tag.opcUaType();
    return switch (type) {
      case BOOLEAN -> "bool";
      case FLOAT32 -> "float32";
      case FLOAT64 -> "float64";
      default -> type.name().toLowerCase(Locale.ROOT);
    };
  }

  /** A YAML double-quoted scalar (JSON-compatible escapes). */
  private static String quoted(String text) {
    StringBuilder q = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> q.append("\\\"");
        case '\\' -> q.append("\\\\");
        default -> {
          if (c < 0x20) {
            q.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            q.append(c);
          }
        }
      }
    }
    return q.append('"').toString();
  }

  private static String seconds(Duration duration) {
    return new java.math.BigDecimal(duration.toMillis())
        .movePointLeft(3)
        .stripTrailingZeros()
        .toPlainString();
  }
}
