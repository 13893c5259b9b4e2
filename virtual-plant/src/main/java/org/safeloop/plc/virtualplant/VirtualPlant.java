package org.safeloop.plc.virtualplant;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.safeloop.env.StepResult;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.modbus.ModbusOptions;
import org.safeloop.plc.opcua.OpcUaOptions;
import org.safeloop.plc.virtualplant.modbus.PlantModbusSlave;
import org.safeloop.plc.virtualplant.opcua.PlantOpcUaServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scenario's process environment behind a real Modbus TCP slave (j2mod) and a real OPC UA server
 * (Milo) on 127.0.0.1, with the logic a PLC would run around it: the test bed of the deployment
 * runtime and the heart of the demo. Tags are laid out by {@link PlantLayout}.
 *
 * <p><b>PLC logic.</b> Each scan: client writes are taken from both servers; a setpoint (remote or
 * local) outside the action's hard limits, or not a number, is refused (OPC UA: the write fails
 * with Bad_OutOfRange; Modbus: the register is put back to its previous value at the next scan) and
 * counted in {@link #rejectedWrites}. In remote mode the setpoint in force is the remote setpoint;
 * in local mode it is the operator's local setpoint. The setpoint not in use tracks the one in
 * force (setpoint tracking, as a PLC's PID block does), so switching mode either way is bumpless
 * and a remote write in local mode is ignored. An accepted write of a local setpoint is an operator
 * taking over: the loop switches to local with that setpoint. A watchdog sheds to local (mode 0,
 * local setpoint = setpoint in force) when, in remote mode, the agent heartbeat has not changed for
 * the watchdog timeout; entering remote mode starts the timeout afresh. The setpoint in force
 * carries OPC UA status Good_LocalOverride while the loop is in local mode.
 *
 * <p><b>Process.</b> Each control interval the environment advances one step with the setpoints in
 * force as its input and every observation tag updates: the same value on both protocols (rounded
 * to float32, the precision of the Modbus registers), OPC UA source timestamp = the plant clock's
 * time of the update, a BAD reading (realism dropouts) as OPC UA status Bad and NaN on Modbus. The
 * process runs on past the scenario's episode with the last setpoint of its schedule; after {@link
 * VirtualPlantBuilder#runSteps} steps (or a state that leaves the model's domain) it restarts from
 * its initial state with the next seed.
 *
 * <p><b>Stepping.</b> By default a background thread steps the process every control interval of
 * wall time divided by the speed factor and scans every 20 ms in between (a PLC's scan, so the
 * setpoint in force follows a write at once and the runtime's override check sees its own write).
 * With {@link VirtualPlantBuilder#manualStepping()} no thread runs and each {@link #step()} is one
 * scan followed by one process step, deterministic for tests.
 *
 * <p><b>Parts.</b> This class starts, steps and stops the plant and answers what it shows; {@link
 * PlcLogic} is the PLC program (tags, scan, mode, watchdog), {@link PlantProcess} the process and
 * its sensor faults, {@link PlantServers} the two servers' address spaces, {@link PlantLayout} the
 * tags and {@link PlantFiles} the plant files that reach them.
 *
 * <p>Setpoint, OPC UA and watchdog times come from the builder's clock. Thread-safe: all PLC state
 * is guarded by this object's monitor; the servers' write handlers only queue values.
 */
public final class VirtualPlant implements AutoCloseable {

  /** The protocols the plant serves. */
  public enum Protocol {
    /** Modbus TCP (j2mod slave, unit id 1). */
    MODBUS("modbus"),
    /** OPC UA (Milo server, endpoint {@code /safeloop}, security None or Basic256Sha256). */
    OPCUA("opcua");

    private final String label;

    Protocol(String label) {
      this.label = label;
    }

    /**
     * The protocol's name in plant files and {@code PlcConnections}.
     *
     * @return "modbus" or "opcua"
     */
    public String label() {
      return label;
    }
  }

  /** Modbus port of {@code safeloop plant} (502 needs root). */
  public static final int DEFAULT_MODBUS_PORT = 5020;

  /** OPC UA port of {@code safeloop plant} (the IANA port of OPC UA). */
  public static final int DEFAULT_OPCUA_PORT = 4840;

  /** Speed of {@code safeloop plant}: ten times real time (a 26 s CSTR interval takes 2.6 s). */
  public static final double DEMO_SPEED = 10.0;

  /** The Modbus unit id the plant answers. */
  public static final int MODBUS_UNIT_ID = 1;

  /** OPC UA status Bad (generic). */
  public static final long BAD = 0x8000_0000L;

  /** OPC UA status Uncertain (generic). */
  public static final long UNCERTAIN = 0x4000_0000L;

  /** OPC UA Bad_OutOfRange: a setpoint outside the actuator's hard limits. */
  public static final long BAD_OUT_OF_RANGE = 0x803C_0000L;

  /** OPC UA Bad_NotWritable: a write to a read-only tag. */
  public static final long BAD_NOT_WRITABLE = 0x803B_0000L;

  /** OPC UA Bad_TypeMismatch: a value of another type than the node's. */
  public static final long BAD_TYPE_MISMATCH = 0x8074_0000L;

  /** OPC UA Good_LocalOverride: the setpoint in force comes from the operator. */
  public static final long GOOD_LOCAL_OVERRIDE = 0x0096_0000L;

  /** Period of the PLC scan between process steps, in wall-clock milliseconds. */
  static final long SCAN_MILLIS = 20;

  private static final Logger LOG = LoggerFactory.getLogger(VirtualPlant.class);

  private final Scenario scenario;
  private final PlantLayout layout;
  private final Set<Protocol> protocols;
  private final double speed;
  private final Duration stepPeriod;
  private final Duration watchdogTimeout;
  private final Path pkiDirectory;
  private final boolean ownsPkiDirectory;
  private final PlantServers servers;
  private final Clock clock;
  private final String plantName;
  private final String truthDifference;
  private final PlcLogic plc;
  private final PlantProcess process;

  private Thread runner;
  private volatile boolean closed;

  private VirtualPlant(VirtualPlantBuilder b, Path pki, boolean ownsPki) {
    this.scenario =
        b.runSteps > b.scenario.episodeSteps()
            ? b.scenario.withEpisodeSteps(b.runSteps)
            : b.scenario;
    this.layout = PlantLayout.of(scenario.plantObservationSpace(), scenario.actionSpace());
    this.protocols = Collections.unmodifiableSet(EnumSet.copyOf(b.protocols));
    this.speed = b.speed;
    this.stepPeriod = stepPeriod(scenario, speed);
    this.watchdogTimeout =
        b.watchdogTimeout != null ? b.watchdogTimeout : defaultWatchdogTimeout(stepPeriod);
    this.pkiDirectory = pki;
    this.ownsPkiDirectory = ownsPki;
    this.clock = b.clock;
    this.plantName = b.plantName != null ? b.plantName : defaultPlantName(scenario);
    this.servers = new PlantServers(protocols, layout, pki, b.modbusPort, b.opcUaPort);
    Instant now = clock.instant();
    this.plc =
        new PlcLogic(
            layout, servers, plantName, watchdogTimeout, scenario.initialInput(), b.remote, now);
    Scenario truth = b.truth.isEmpty() ? scenario : scenario.withParameters(b.truth);
    this.truthDifference = truthDifference(scenario, truth);
    this.process =
        new PlantProcess(truth, b.realism, b.seed, plantName, plc.observationStates(), servers);
    process.start(now);
    if (!truthDifference.isEmpty()) {
      LOG.info("virtual plant {}: {}", plantName, truthDifference);
    }
  }

  /**
   * "truth differs from the model: UA 42500 (nominal 50000, -15.0 %)", one entry per parameter
   * whose value differs, in the model's order; empty when none does.
   */
  static String truthDifference(Scenario model, Scenario truth) {
    double[] nominal = model.nominalParameters();
    double[] actual = truth.nominalParameters();
    List<String> differences = new ArrayList<>();
    for (int i = 0; i < nominal.length; i++) {
      if (actual[i] == nominal[i]) {
        continue;
      }
      String change =
          nominal[i] == 0
              ? ""
              : String.format(
                  Locale.ROOT, ", %+.1f %%", (actual[i] - nominal[i]) / Math.abs(nominal[i]) * 100);
      differences.add(
          model.model().parameters().get(i).name()
              + " "
              + number(actual[i])
              + " (nominal "
              + number(nominal[i])
              + change
              + ")");
    }
    return differences.isEmpty()
        ? ""
        : "truth differs from the model: " + String.join(", ", differences);
  }

  /** Six significant digits, plain between 1e-3 and 1e7, else with an exponent (7.2E+10). */
  private static String number(double value) {
    BigDecimal rounded = new BigDecimal(value).round(new MathContext(6)).stripTrailingZeros();
    double magnitude = Math.abs(value);
    return value == 0 || (magnitude >= 1e-3 && magnitude < 1e7)
        ? rounded.toPlainString()
        : rounded.toString();
  }

  /**
   * Starts building a plant for a scenario.
   *
   * @param scenario the scenario whose environment runs behind the servers
   * @return the builder
   */
  public static VirtualPlantBuilder builder(Scenario scenario) {
    return new VirtualPlantBuilder(scenario);
  }

  /** Starts a plant as {@code b} describes it (see {@link VirtualPlantBuilder#start()}). */
  static VirtualPlant start(VirtualPlantBuilder b) throws IOException, InterruptedException {

    boolean ownsPki = b.pkiDirectory == null && b.protocols.contains(Protocol.OPCUA);
    Path pki = ownsPki ? Files.createTempDirectory("safeloop-plant-pki") : b.pkiDirectory;
    VirtualPlant plant;
    try {
      plant = new VirtualPlant(b, pki, ownsPki);
    } catch (RuntimeException e) {
      if (ownsPki) {
        deleteTree(pki);
      }
      throw e;
    }
    try {
      synchronized (plant) {
        plant.servers.start(plant.plc.states(), plant.plc::onOpcUaWrite);
        plant.plc.showDiagnostics();
        // An agent cannot beat before the servers are up (the OPC UA server takes seconds).
        plant.plc.restartWatchdog(plant.clock.instant());
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      plant.close();
      throw e;
    }
    if (!b.manual) {
      plant.startRunner();
    }
    return plant;
  }

  // ---- time ---------------------------------------------------------------------------------

  /**
   * Wall time of one control interval of a scenario at a speed factor.
   *
   * @param scenario the scenario
   * @param speed model time per wall time
   * @return the period, rounded to the millisecond
   */
  static Duration stepPeriod(Scenario scenario, double speed) {
    return Duration.ofMillis(
        Math.max(1, Math.round(controlIntervalSeconds(scenario) * 1000.0 / speed)));
  }

  /** One control interval of a scenario, in seconds of process time. */
  static double controlIntervalSeconds(Scenario scenario) {
    return scenario.model().timeUnit().toMinutes(scenario.controlInterval()) * 60.0;
  }

  /** Three control intervals, at least one second. */
  static Duration defaultWatchdogTimeout(Duration stepPeriod) {
    Duration three = stepPeriod.multipliedBy(3);
    return three.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : three;
  }

  /**
   * The scenario's process with "-virtual", e.g. {@code cstr-virtual}; a process given as an
   * equation file is named by the file ({@code models/cstr-equations.yaml} gives {@code
   * cstr-equations-virtual}).
   */
  static String defaultPlantName(Scenario scenario) {
    String process = scenario.spec().process();
    process = process.substring(process.lastIndexOf('/') + 1).replaceFirst("\\.ya?ml$", "");
    process = process.replaceAll("[^A-Za-z0-9_-]+", "-");
    return (process.isEmpty() ? scenario.name() : process) + "-virtual";
  }

  private void startRunner() {
    runner = new Thread(this::runLoop, "safeloop-virtual-plant");
    runner.setDaemon(true);
    runner.start();
    LOG.info(
        "virtual plant {} running at {}x: one control interval every {} ms",
        plantName,
        speed,
        stepPeriod.toMillis());
  }

  private void runLoop() {
    long period = stepPeriod.toNanos();
    long scan = Math.min(period, Duration.ofMillis(SCAN_MILLIS).toNanos());
    long nextStep = System.nanoTime() + period;
    while (!closed && !Thread.currentThread().isInterrupted()) {
      long now = System.nanoTime();
      try {
        synchronized (this) {
          if (now - nextStep >= 0) {
            advance(clock.instant());
          } else {
            plc.scan(clock.instant());
          }
        }
      } catch (RuntimeException e) {
        LOG.error("virtual plant cycle failed; the plant keeps running", e);
      }
      if (now - nextStep >= 0) {
        nextStep += period;
        if (System.nanoTime() - nextStep > 0) {
          nextStep = System.nanoTime() + period; // overran: no catch-up burst
        }
      }
      long wait = Math.min(nextStep - System.nanoTime(), scan);
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
    }
  }

  // ---- stepping -----------------------------------------------------------------------------

  /**
   * One PLC scan, then one control interval of the process with the setpoints in force, then the
   * observation tags update. Only with {@link VirtualPlantBuilder#manualStepping()}.
   *
   * @return the environment's step result (observation before sensor faults, true state in info)
   * @throws IllegalStateException if a background thread steps this plant, or it is closed
   */
  public synchronized StepResult step() {
    if (runner != null) {
      throw new IllegalStateException(
          "this plant steps itself in real time; build it with manualStepping() to step by hand");
    }
    requireOpen();
    return advance(clock.instant());
  }

  /** One PLC scan, then one control interval of the process with the setpoints in force. */
  private StepResult advance(Instant now) {
    plc.scan(now);
    return process.step(plc.setpointsInForce(), now);
  }

  // ---- the servers --------------------------------------------------------------------------

  /**
   * Stops both servers, as a communication loss: clients lose their connections and cannot
   * reconnect until {@link #restartServers()}. The process and the PLC logic keep running (so the
   * watchdog sheds to local if the loop was in remote).
   */
  public synchronized void stopServers() {
    requireOpen();
    servers.stop(plc.states());
    LOG.info("virtual plant {}: servers stopped", plantName);
  }

  /**
   * Starts the servers again on the same ports, showing the PLC's current values.
   *
   * @throws IOException if a port is taken meanwhile
   * @throws InterruptedException if interrupted while the OPC UA server starts
   */
  public synchronized void restartServers() throws IOException, InterruptedException {
    requireOpen();
    servers.stop(plc.states());
    servers.start(plc.states(), plc::onOpcUaWrite);
    plc.showDiagnostics();
    LOG.info("virtual plant {}: servers restarted", plantName);
  }

  /**
   * Whether the servers are up (not stopped by {@link #stopServers()}).
   *
   * @return true when serving
   */
  public synchronized boolean serversRunning() {
    return servers.running();
  }

  // ---- operator and faults ------------------------------------------------------------------

  /**
   * The operator switches the loop to remote/auto ({@code true}) or local/manual ({@code false}),
   * bumplessly: the setpoint in force stays. Entering remote starts the watchdog timeout afresh.
   *
   * @param remoteMode true for remote/auto
   */
  public synchronized void setOperatorMode(boolean remoteMode) {
    requireOpen();
    plc.switchMode(remoteMode, clock.instant());
  }

  /**
   * The operator types a setpoint on the HMI: the loop switches to local (if it was in remote) and
   * the setpoint is in force at once.
   *
   * @param action the action, e.g. {@code Tc}
   * @param value the setpoint in the action's unit, inside its hard limits
   * @throws IllegalArgumentException for an unknown action or a value outside the hard limits
   */
  public synchronized void setOperatorSetpoint(String action, double value) {
    requireOpen();
    plc.operatorSetpoint(action, value, clock.instant());
  }

  /**
   * Injects a fault into an observation signal, in force at once and until {@link #clearFaults()};
   * a later fault on the same signal replaces it.
   *
   * @param signal the observation, e.g. {@code T}
   * @param kind the fault
   * @throws IllegalArgumentException for an unknown signal
   */
  public synchronized void sensorFault(String signal, SensorFault kind) {
    requireOpen();
    Objects.requireNonNull(kind, "kind");
    layout.observation(signal);
    LOG.info("virtual plant {}: sensor fault {} on {}", plantName, kind, signal);
    process.sensorFault(layout.observations().indexOf(signal), kind, clock.instant());
  }

  /**
   * The sensor faults in force ({@link #sensorFault}), by observation signal, in the layout's
   * order.
   *
   * @return a copy
   */
  public synchronized Map<String, SensorFault> sensorFaults() {
    Map<String, SensorFault> byName = new java.util.LinkedHashMap<>();
    process.faults().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> byName.put(layout.observations().get(e.getKey()).name(), e.getValue()));
    return byName;
  }

  /** Removes every sensor fault; the observations are true again from the next process update. */
  public synchronized void clearFaults() {
    process.clearFaults();
  }

  // ---- what the plant shows -----------------------------------------------------------------

  /**
   * The tag layout.
   *
   * @return the layout
   */
  public PlantLayout layout() {
    return layout;
  }

  /**
   * The scenario the plant runs (with the extended episode of {@link
   * VirtualPlantBuilder#runSteps}).
   *
   * @return the scenario
   */
  public Scenario scenario() {
    return scenario;
  }

  /**
   * What the process's truth ({@link VirtualPlantBuilder#truth}) changes against the scenario's
   * model, for people and logs: e.g. {@code truth differs from the model: UA 42500 (nominal 50000,
   * -15.0 %)}. The plant files carry it as a comment.
   *
   * @return the line, or empty when the process runs with the model's parameters
   */
  public String truthDifference() {
    return truthDifference;
  }

  /**
   * The protocols served.
   *
   * @return MODBUS, OPCUA or both
   */
  public Set<Protocol> protocols() {
    return protocols;
  }

  /**
   * The Modbus TCP port on 127.0.0.1.
   *
   * @return the port, kept across restarts
   * @throws IllegalStateException if the plant does not serve Modbus
   */
  public int modbusPort() {
    requireProtocol(Protocol.MODBUS);
    return servers.modbusPort();
  }

  /**
   * The OPC UA port on 127.0.0.1.
   *
   * @return the port, kept across restarts
   * @throws IllegalStateException if the plant does not serve OPC UA
   */
  public int opcUaPort() {
    requireProtocol(Protocol.OPCUA);
    return servers.opcUaPort();
  }

  /**
   * The port of a protocol.
   *
   * @param protocol the protocol
   * @return its port
   */
  public int port(Protocol protocol) {
    return protocol == Protocol.MODBUS ? modbusPort() : opcUaPort();
  }

  /**
   * The OPC UA endpoint URL.
   *
   * @return e.g. {@code opc.tcp://127.0.0.1:4840/safeloop}
   */
  public String opcUaEndpoint() {
    return "opc.tcp://" + PlantOpcUaServer.HOST + ":" + opcUaPort() + PlantOpcUaServer.PATH;
  }

  /**
   * A connection config to this plant (OPC UA without security), 2 s connect and 1 s request
   * timeouts.
   *
   * @param protocol the protocol
   * @return the config for {@code PlcConnections.open}
   */
  public PlcConnectionConfig connectionConfig(Protocol protocol) {
    return PlcConnectionConfig.of(
        PlantModbusSlave.HOST,
        port(protocol),
        protocol == Protocol.MODBUS
            ? ModbusOptions.forUnit(MODBUS_UNIT_ID)
            : OpcUaOptions.insecure(PlantOpcUaServer.PATH));
  }

  /**
   * Wall time of one control interval at this plant's speed.
   *
   * @return the period
   */
  public Duration stepPeriod() {
    return stepPeriod;
  }

  /**
   * The watchdog timeout.
   *
   * @return how long the heartbeat may stay unchanged in remote mode
   */
  public Duration watchdogTimeout() {
    return watchdogTimeout;
  }

  /**
   * Model time per wall time.
   *
   * @return the speed factor
   */
  public double speed() {
    return speed;
  }

  /**
   * The plant's name in plant files.
   *
   * @return e.g. {@code cstr-virtual}
   */
  public String plantName() {
    return plantName;
  }

  /**
   * Whether the loop is in remote/auto mode.
   *
   * @return true in remote, false in local
   */
  public synchronized boolean isRemote() {
    return plc.isRemote();
  }

  /**
   * The setpoint the process receives.
   *
   * @param action e.g. {@code Tc}
   * @return the setpoint in force, in the action's unit
   */
  public synchronized double setpointInForce(String action) {
    return plc.setpointInForce(action);
  }

  /**
   * The PLC's value of any tag: an observation as shown, a setpoint, the mode (1 or 0), a counter
   * or code.
   *
   * @param tagName a layout tag name, e.g. {@code Tc.RemoteSP}
   * @return the value
   */
  public synchronized double value(String tagName) {
    return plc.state(tagName).value;
  }

  /**
   * The advisory reason text last written over OPC UA.
   *
   * @return the text, empty if none
   */
  public synchronized String advisoryReasonText() {
    return plc.state(layout.advisoryReason().name()).text;
  }

  /**
   * The true process state (not what sensors show).
   *
   * @return the state in the scenario's state order, a copy
   */
  public synchronized double[] processState() {
    return process.state();
  }

  /**
   * Control intervals the process has advanced.
   *
   * @return the step count
   */
  public synchronized long steps() {
    return process.steps();
  }

  /**
   * How often the watchdog shed the loop to local; also the OPC UA node {@code
   * Diagnostics.WatchdogSheds}.
   *
   * @return the shed count
   */
  public long watchdogSheds() {
    return plc.watchdogSheds();
  }

  /**
   * Client writes received for a tag from both servers, accepted or refused (Modbus counts each
   * write of the tag's first register). Writes to read-only OPC UA nodes never reach the plant: the
   * server refuses them by their access level (Bad_UserAccessDenied).
   *
   * @param tagName a layout tag name
   * @return the count, kept across server restarts
   */
  public long writeCount(String tagName) {
    return writeCount(tagName, Protocol.MODBUS) + writeCount(tagName, Protocol.OPCUA);
  }

  /**
   * Client writes received for a tag from one server.
   *
   * @param tagName a layout tag name
   * @param protocol the server
   * @return the count, kept across server restarts
   */
  public synchronized long writeCount(String tagName, Protocol protocol) {
    TagState s = plc.state(tagName);
    if (protocol == Protocol.OPCUA) {
      return s.opcUaWrites.get();
    }
    return servers.modbusWriteCount(s);
  }

  /**
   * Client writes the plant refused for a tag: out of range or not a number, or of the wrong type.
   * Their sum over all tags is the OPC UA node {@code Diagnostics.RefusedWrites}.
   *
   * @param tagName a layout tag name
   * @return the count, both protocols
   */
  public long rejectedWrites(String tagName) {
    return plc.state(tagName).rejected.get();
  }

  // ---- plant files --------------------------------------------------------------------------

  /**
   * The plant file (PlantSpec YAML, loadable by {@code PlantFile.load}) that reaches this plant
   * over a protocol on 127.0.0.1 and its actual port, with a cycle of one control interval of wall
   * time.
   *
   * @param protocol the protocol
   * @return the YAML text
   */
  public String plantFile(Protocol protocol) {
    return PlantFiles.yaml(
        new PlantFiles.Target(
            plantName,
            scenario.name(),
            layout,
            protocol,
            PlantModbusSlave.HOST,
            port(protocol),
            stepPeriod,
            controlIntervalSeconds(scenario),
            watchdogTimeout,
            truthDifference));
  }

  /**
   * Writes {@link #plantFile} for every protocol served into a folder, as {@code <plant
   * name>-<protocol>.yaml}.
   *
   * @param directory the folder, created if missing
   * @return the files written
   * @throws UncheckedIOException if a file cannot be written
   */
  public List<Path> writePlantFiles(Path directory) {
    List<Path> written = new ArrayList<>();
    try {
      Files.createDirectories(directory);
      for (Protocol p : protocols) {
        Path file = directory.resolve(plantName + "-" + p.label() + ".yaml");
        Files.writeString(file, plantFile(p), StandardCharsets.UTF_8);
        written.add(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write plant files to " + directory, e);
    }
    return List.copyOf(written);
  }

  // ---- closing ------------------------------------------------------------------------------

  /** Stops the process thread and both servers; deletes a temporary PKI folder. Idempotent. */
  @Override
  public void close() {
    closed = true;
    Thread thread = runner;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      servers.stop(plc.states());
    }
    if (ownsPkiDirectory) {
      deleteTree(pkiDirectory);
    }
  }

  private static void deleteTree(Path directory) {
    if (directory == null || !Files.exists(directory)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(directory)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.debug("could not delete the temporary PKI folder {}", directory, e);
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the virtual plant is closed");
    }
  }

  private void requireProtocol(Protocol protocol) {
    if (!protocols.contains(protocol)) {
      throw new IllegalStateException(
          "the virtual plant does not serve " + protocol.label() + "; it serves " + protocols);
    }
  }
}
