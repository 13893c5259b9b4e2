package org.safeloop.plc.virtualplant;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.safeloop.env.config.ConfigException;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;

/**
 * Configures and starts a {@link VirtualPlant}; each setter checks its value at once and names the
 * setting in its message. Not thread-safe.
 */
public final class VirtualPlantBuilder {
  final Scenario scenario;
  long seed;
  boolean realism = true;
  Set<Protocol> protocols = EnumSet.allOf(Protocol.class);
  int modbusPort;
  int opcUaPort;
  double speed = 1.0;
  Duration watchdogTimeout;
  Path pkiDirectory;
  Clock clock = Clock.systemUTC();
  boolean manual;
  boolean remote;
  String plantName;
  int runSteps = 100_000;
  Map<String, Double> truth = Map.of();

  VirtualPlantBuilder(Scenario scenario) {
    this.scenario = Objects.requireNonNull(scenario, "scenario");
  }

  /**
   * The seed of the environment's random effects (noise, disturbances, uncertainty); default 0.
   *
   * @param value the seed
   * @return this builder
   */
  public VirtualPlantBuilder seed(long value) {
    this.seed = value;
    return this;
  }

  /**
   * Whether the scenario's realism (sensor noise, disturbances, parameter uncertainty) is on;
   * default on.
   *
   * @param on true for realism
   * @return this builder
   */
  public VirtualPlantBuilder realism(boolean on) {
    this.realism = on;
    return this;
  }

  /**
   * The protocols to serve; default both.
   *
   * @param served one or both protocols
   * @return this builder
   */
  public VirtualPlantBuilder protocols(Protocol... served) {
    if (served == null || served.length == 0) {
      throw new IllegalArgumentException(
          "protocols: serve at least one of " + List.of(Protocol.values()));
    }
    this.protocols = EnumSet.copyOf(List.of(served));
    return this;
  }

  /**
   * The Modbus TCP port on 127.0.0.1; 0 (the default) picks a free one.
   *
   * @param port 0..65535
   * @return this builder
   */
  public VirtualPlantBuilder modbusPort(int port) {
    this.modbusPort = requirePort("modbusPort", port);
    return this;
  }

  /**
   * The OPC UA port on 127.0.0.1; 0 (the default) picks a free one.
   *
   * @param port 0..65535
   * @return this builder
   */
  public VirtualPlantBuilder opcUaPort(int port) {
    this.opcUaPort = requirePort("opcUaPort", port);
    return this;
  }

  /**
   * Model time per wall time: 1 (the default) is real time, 10 runs ten times faster.
   *
   * @param factor positive and finite
   * @return this builder
   */
  public VirtualPlantBuilder speed(double factor) {
    if (!(factor > 0) || !Double.isFinite(factor)) {
      throw new IllegalArgumentException("speed must be positive and finite: " + factor);
    }
    this.speed = factor;
    return this;
  }

  /**
   * How long the agent heartbeat may stay unchanged in remote mode before the watchdog sheds to
   * local; default three control intervals of wall time, at least 1 s.
   *
   * @param timeout positive
   * @return this builder
   */
  public VirtualPlantBuilder watchdogTimeout(Duration timeout) {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("watchdogTimeout must be positive: " + timeout);
    }
    this.watchdogTimeout = timeout;
    return this;
  }

  /**
   * The OPC UA server's PKI folder (its certificate and trust lists); default a temporary folder
   * deleted on close. Keep one across runs so that secure clients keep trusting the server.
   *
   * @param directory the folder, created if missing
   * @return this builder
   */
  public VirtualPlantBuilder pkiDirectory(Path directory) {
    this.pkiDirectory = Objects.requireNonNull(directory, "pkiDirectory");
    return this;
  }

  /**
   * The clock of OPC UA source timestamps and the watchdog; default the system clock (UTC).
   *
   * @param value the clock
   * @return this builder
   */
  public VirtualPlantBuilder clock(Clock value) {
    this.clock = Objects.requireNonNull(value, "clock");
    return this;
  }

  /**
   * No background thread: the process moves only when {@link VirtualPlant#step()} is called.
   *
   * @return this builder
   */
  public VirtualPlantBuilder manualStepping() {
    this.manual = true;
    return this;
  }

  /**
   * Whether the loop starts in remote/auto mode; default false (local: the operator in charge).
   *
   * @param on true to start in remote
   * @return this builder
   */
  public VirtualPlantBuilder startInRemote(boolean on) {
    this.remote = on;
    return this;
  }

  /**
   * The plant's name in plant files (suffixed with the protocol); default the scenario's process
   * with "-virtual", e.g. {@code cstr-virtual}.
   *
   * @param name a non-blank name of letters, digits, '-' and '_'
   * @return this builder
   */
  public VirtualPlantBuilder plantName(String name) {
    if (name == null || !name.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException("plantName must be letters, digits, '-' or '_': " + name);
    }
    this.plantName = name;
    return this;
  }

  /**
   * Control intervals before the process restarts from its initial state; default 100000 (the
   * scenario's setpoint schedule holds its last value past the episode).
   *
   * @param count at least the scenario's episode length
   * @return this builder
   */
  public VirtualPlantBuilder runSteps(int count) {
    if (count < scenario.episodeSteps()) {
      throw new IllegalArgumentException(
          "runSteps must be at least the scenario's episode of "
              + scenario.episodeSteps()
              + " steps: "
              + count);
    }
    this.runSteps = count;
    return this;
  }

  /**
   * Parameter values the process behind the servers runs with instead of the scenario's nominal
   * ones: the plant's truth, which differs from the model the agent and the shield were made with,
   * as a real plant's does (e.g. {@code UA} 15 % low for a fouled jacket). Only the process
   * changes: {@link VirtualPlant#scenario()}, the tags and the plant files are the nominal
   * scenario's, and {@link VirtualPlant#truthDifference()} says what differs. With realism on, the
   * scenario's parameter uncertainty scatters around these values. Default none (the truth is the
   * model).
   *
   * <p>Checked at once as the scenario's own {@code parameters:} overrides are (the same messages):
   * an unknown name lists the model's parameters, a physically impossible value is refused.
   *
   * @param parameters parameter name to value, in the parameter's unit; replaces an earlier call's
   * @return this builder
   * @throws IllegalArgumentException "truth: " and the scenario loader's reason, with the loader's
   *     {@link ConfigException} as its cause
   */
  public VirtualPlantBuilder truth(Map<String, Double> parameters) {
    Objects.requireNonNull(parameters, "truth");
    for (Map.Entry<String, Double> e : parameters.entrySet()) {
      if (e.getKey() == null || e.getValue() == null) {
        throw new IllegalArgumentException("truth: a parameter's name and value must be given");
      }
    }
    try {
      scenario.withParameters(parameters);
    } catch (ConfigException e) {
      throw new IllegalArgumentException("truth: " + e.problem(), e);
    }
    this.truth = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    return this;
  }

  /**
   * Starts the servers and, unless {@link #manualStepping()}, the process.
   *
   * @return the running plant
   * @throws IOException if a port cannot be bound or the PKI folder cannot be used
   * @throws InterruptedException if interrupted while the OPC UA server starts
   */
  public VirtualPlant start() throws IOException, InterruptedException {
    return VirtualPlant.start(this);
  }

  private static int requirePort(String field, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(field + " must be in 0..65535: " + port);
    }
    return port;
  }
}
