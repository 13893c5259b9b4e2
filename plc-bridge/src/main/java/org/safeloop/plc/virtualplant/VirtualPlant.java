package org.safeloop.plc.virtualplant;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.StepResult;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.modbus.ModbusOptions;
import org.safeloop.plc.modbus.PlantModbusSlave;
import org.safeloop.plc.opcua.OpcUaOptions;
import org.safeloop.plc.opcua.PlantOpcUaServer;
import org.safeloop.plc.virtualplant.PlantLayout.PlantTag;
import org.safeloop.plc.virtualplant.PlantLayout.Role;
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
  private static final long GOOD = PlantOpcUaServer.GOOD;

  private final Scenario scenario;
  private final PlantLayout layout;
  private final long seed;
  private final boolean realism;
  private final Set<Protocol> protocols;
  private final double speed;
  private final Duration stepPeriod;
  private final Duration watchdogTimeout;
  private final Path pkiDirectory;
  private final boolean ownsPkiDirectory;
  private final PlantServers servers;
  private final Clock clock;
  private final String plantName;
  private final ProcessEnvironment environment;
  private final double[] actionMin;
  private final double[] actionMax;

  private final Map<String, TagState> states = new LinkedHashMap<>();
  private final TagState[] observationStates;
  private final TagState[] remote;
  private final TagState[] inForce;
  private final TagState[] local;
  private final TagState mode;
  private final TagState heartbeat;
  private final Map<Integer, SensorFault> faults = new HashMap<>();
  private final double[] frozen;
  private final AtomicLong sheds = new AtomicLong();

  private boolean remoteMode;
  private boolean environmentRunning;
  private long lap;
  private long steps;
  private Instant lastHeartbeatChange;
  private Thread runner;
  private volatile boolean closed;

  private VirtualPlant(VirtualPlantBuilder b, Path pki, boolean ownsPki) {
    this.scenario =
        b.runSteps > b.scenario.episodeSteps()
            ? b.scenario.withEpisodeSteps(b.runSteps)
            : b.scenario;
    this.layout = PlantLayout.of(scenario.plantObservationSpace(), scenario.actionSpace());
    this.seed = b.seed;
    this.realism = b.realism;
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
    this.environment = scenario.createEnvironment(realism, null);

    Instant now = clock.instant();
    int actions = layout.actions().size();
    actionMin = new double[actions];
    actionMax = new double[actions];
    double[] initial = scenario.initialInput();
    remote = new TagState[actions];
    inForce = new TagState[actions];
    local = new TagState[actions];
    for (int a = 0; a < actions; a++) {
      SignalSpec spec = layout.actions().get(a);
      actionMin[a] = spec.min();
      actionMax[a] = spec.max();
      remote[a] = state(layout.remoteSetpoint(spec.name()), initial[a], now);
      inForce[a] = state(layout.setpointInForce(spec.name()), initial[a], now);
      local[a] = state(layout.localSetpoint(spec.name()), initial[a], now);
      state(layout.recommendedSetpoint(spec.name()), initial[a], now);
    }
    remoteMode = b.remote;
    mode = state(layout.operatorMode(), b.remote ? 1 : 0, now);
    heartbeat = state(layout.agentHeartbeat(), 0, now);
    state(layout.advisoryReason(), 0, now);
    state(layout.advisoryHeartbeat(), 0, now);
    state(layout.advisoryTimestamp(), 0, now);
    observationStates = new TagState[layout.observations().size()];
    frozen = new double[observationStates.length];
    Observation first = environment.reset(seed);
    environmentRunning = true;
    for (int i = 0; i < observationStates.length; i++) {
      observationStates[i] =
          state(layout.observation(layout.observations().get(i).name()), Double.NaN, now);
    }
    for (int a = 0; a < actions; a++) {
      inForce[a].status = b.remote ? GOOD : GOOD_LOCAL_OVERRIDE;
    }
    lastHeartbeatChange = now;
    updateObservations(first, now);
  }

  private TagState state(PlantTag tag, double value, Instant now) {
    TagState s = new TagState(tag, value, now);
    states.put(tag.name(), s);
    return s;
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
        plant.servers.start(plant.states.values(), plant::onOpcUaWrite);
        plant.showDiagnostics();
        // An agent cannot beat before the servers are up (the OPC UA server takes seconds).
        plant.lastHeartbeatChange = plant.clock.instant();
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
            scan(clock.instant());
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

  private StepResult advance(Instant now) {
    scan(now);
    if (!environmentRunning) {
      lap++;
      environment.reset(seed + lap);
      LOG.info(
          "virtual plant {}: process restarted from its initial state (lap {})", plantName, lap);
    }
    double[] input = new double[inForce.length];
    for (int a = 0; a < input.length; a++) {
      input[a] = inForce[a].value;
    }
    StepResult result = environment.step(input);
    environmentRunning = !result.done();
    if (result.terminated()) {
      LOG.warn("virtual plant {}: the process left the model's domain; it restarts", plantName);
    }
    steps++;
    updateObservations(result.observation(), now);
    return result;
  }

  // ---- the PLC scan -------------------------------------------------------------------------

  private void scan(Instant now) {
    boolean localWritten = false;
    for (TagState s : states.values()) {
      if (!s.tag.writable()) {
        continue;
      }
      Double fromModbus = takeModbusWrite(s);
      if (fromModbus != null) {
        localWritten |= accept(s, fromModbus, null, Protocol.MODBUS, now);
      }
      Object fromOpcUa = s.pendingOpcUa.getAndSet(null);
      if (fromOpcUa != null) {
        double value = fromOpcUa instanceof Number n ? n.doubleValue() : s.value;
        String text = fromOpcUa instanceof String t ? t : null;
        localWritten |= accept(s, value, text, Protocol.OPCUA, now);
      }
    }
    // An operator's local setpoint wins over a remote request in the same scan.
    boolean wantRemote = mode.value == 1 && !localWritten;
    if (wantRemote != remoteMode || mode.value != (wantRemote ? 1 : 0)) {
      switchMode(wantRemote, now);
    }
    for (int a = 0; a < inForce.length; a++) {
      double selected = remoteMode ? remote[a].value : local[a].value;
      setInForce(a, selected, now);
      TagState tracking = remoteMode ? local[a] : remote[a];
      if (Double.compare(tracking.value, selected) != 0) {
        setWritable(tracking, selected, now, null);
      }
    }
    if (remoteMode && !now.isBefore(lastHeartbeatChange.plus(watchdogTimeout))) {
      sheds.incrementAndGet();
      LOG.warn(
          "virtual plant {}: agent heartbeat unchanged for {} ms in remote mode; watchdog sheds to"
              + " local at the setpoint in force",
          plantName,
          Duration.between(lastHeartbeatChange, now).toMillis());
      switchMode(false, now);
    }
    servers.reconcileOpcUa(states.values());
    showDiagnostics();
  }

  private void showDiagnostics() {
    long refused = 0;
    for (TagState s : states.values()) {
      refused += s.rejected.get();
    }
    servers.showDiagnostics(sheds.get(), refused);
  }

  /**
   * Switches the loop's mode. Bumpless because the setpoint not in force has been tracking the one
   * in force: the next selection picks the same value unless a client wrote a new one.
   */
  private void switchMode(boolean toRemote, Instant now) {
    if (toRemote != remoteMode) {
      remoteMode = toRemote;
      for (TagState s : inForce) {
        s.status = toRemote ? GOOD : GOOD_LOCAL_OVERRIDE;
        s.time = now;
        publishReadOnly(s);
      }
      if (toRemote) {
        lastHeartbeatChange = now;
      }
      LOG.info("virtual plant {}: loop in {} mode", plantName, toRemote ? "remote" : "local");
    }
    if (mode.value != (toRemote ? 1 : 0)) {
      setWritable(mode, toRemote ? 1 : 0, now, null);
    }
  }

  /**
   * Applies an accepted client write to the PLC's value.
   *
   * @return true when it was a local setpoint (an operator taking over)
   */
  private boolean accept(TagState s, double value, String text, Protocol source, Instant now) {
    if (s.tag.role() == Role.ADVISORY_REASON) {
      // A verdict code on Modbus, text on OPC UA: each protocol keeps its own form.
      if (source == Protocol.OPCUA) {
        s.text = text == null ? "" : text;
        s.opcUaShown = Double.NaN;
      } else {
        s.value = value;
        servers.modbusTaken(s);
      }
      s.time = now;
      return false;
    }
    if (s == heartbeat && Double.compare(value, heartbeat.value) != 0) {
      lastHeartbeatChange = now;
    }
    setWritable(s, value, now, source);
    return s.tag.role() == Role.LOCAL_SETPOINT;
  }

  /** Sets a writable tag's value and shows it on every protocol but the one it came from. */
  private void setWritable(TagState s, double value, Instant now, Protocol source) {
    s.value = value;
    s.time = now;
    if (source == Protocol.MODBUS) {
      servers.modbusTaken(s);
    } else {
      servers.showModbus(s, value);
    }
    if (source == Protocol.OPCUA) {
      s.opcUaShown = value;
    } else {
      servers.showOpcUa(s, value, GOOD, now);
    }
  }

  private void setInForce(int a, double value, Instant now) {
    TagState s = inForce[a];
    if (Double.compare(s.value, value) != 0) {
      s.value = value;
      s.time = now;
      publishReadOnly(s);
    }
  }

  /**
   * Reads a holding tag's registers; returns a master's new value if it is acceptable, else puts
   * the previous value back and counts the refusal.
   */
  private Double takeModbusWrite(TagState s) {
    Double raw = servers.modbusWrite(s);
    if (raw == null) {
      return null;
    }
    String refusal = refusal(s.tag, raw);
    if (refusal != null) {
      s.rejected.incrementAndGet();
      LOG.warn("virtual plant {}: Modbus write refused: {}", plantName, refusal);
      servers.showModbus(s, s.value);
      return null;
    }
    return raw;
  }

  /** Why a value may not be written to a tag, or null when it may. */
  private String refusal(PlantTag tag, double value) {
    switch (tag.role()) {
      case REMOTE_SETPOINT, LOCAL_SETPOINT -> {
        int a = layout.actions().indexOf(tag.signal());
        if (!(value >= actionMin[a] && value <= actionMax[a])) {
          return String.format(
              Locale.ROOT,
              "%s = %s is outside the hard limits [%s, %s] %s",
              tag.name(),
              value,
              actionMin[a],
              actionMax[a],
              tag.unit());
        }
        return null;
      }
      case OPERATOR_MODE -> {
        return value == 0 || value == 1
            ? null
            : tag.name() + " = " + value + "; write 1 for remote/auto or 0 for local/manual";
      }
      case RECOMMENDED_SETPOINT -> {
        return Double.isFinite(value) ? null : tag.name() + " = " + value + " is not a number";
      }
      default -> {
        return null;
      }
    }
  }

  /** Handles a client write on an OPC UA server thread: validate, count, queue. */
  private long onOpcUaWrite(TagState s, Object value) {
    s.opcUaWrites.incrementAndGet();
    if (!s.tag.writable()) {
      s.rejected.incrementAndGet();
      return BAD_NOT_WRITABLE;
    }
    boolean rightType =
        switch (s.tag.opcUaType()) {
          case FLOAT64 -> value instanceof Double;
          case INT32, UINT16 -> value instanceof Integer;
          case UINT32 -> value instanceof Long;
          case STRING -> value instanceof String;
          default -> false;
        };
    if (!rightType) {
      s.rejected.incrementAndGet();
      return BAD_TYPE_MISMATCH;
    }
    if (value instanceof Number n && refusal(s.tag, n.doubleValue()) != null) {
      s.rejected.incrementAndGet();
      return BAD_OUT_OF_RANGE;
    }
    s.pendingOpcUa.set(value);
    return GOOD;
  }

  // ---- observations -------------------------------------------------------------------------

  private void updateObservations(Observation observation, Instant now) {
    for (int i = 0; i < observationStates.length; i++) {
      TagState s = observationStates[i];
      SensorFault fault = faults.get(i);
      if (fault == SensorFault.STALE) {
        continue;
      }
      if (fault == null) {
        // Float32 is what the Modbus registers hold; OPC UA shows the very same number.
        s.value = (float) observation.value(i);
        Quality quality = observation.quality(i);
        s.status = quality == Quality.GOOD ? GOOD : quality == Quality.UNCERTAIN ? UNCERTAIN : BAD;
      } else if (fault == SensorFault.BAD) {
        s.status = BAD;
      } else if (fault == SensorFault.NAN) {
        s.value = Double.NaN;
        s.status = GOOD;
      } else {
        s.value = frozen[i];
        s.status = GOOD;
      }
      s.time = now;
      publishReadOnly(s);
    }
  }

  /** Shows a read-only tag (observation or setpoint in force) on both servers. */
  private void publishReadOnly(TagState s) {
    servers.showReadOnly(s);
  }

  // ---- the servers --------------------------------------------------------------------------

  /**
   * Stops both servers, as a communication loss: clients lose their connections and cannot
   * reconnect until {@link #restartServers()}. The process and the PLC logic keep running (so the
   * watchdog sheds to local if the loop was in remote).
   */
  public synchronized void stopServers() {
    requireOpen();
    servers.stop(states.values());
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
    servers.stop(states.values());
    servers.start(states.values(), this::onOpcUaWrite);
    showDiagnostics();
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
    Instant now = clock.instant();
    switchMode(remoteMode, now);
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
    PlantTag tag = layout.localSetpoint(action);
    String refusal = refusal(tag, value);
    if (refusal != null) {
      throw new IllegalArgumentException("operator setpoint refused: " + refusal);
    }
    Instant now = clock.instant();
    switchMode(false, now);
    int a = layout.actions().indexOf(action);
    setWritable(local[a], value, now, null);
    setInForce(a, value, now);
    setWritable(remote[a], value, now, null);
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
    int i = layout.observations().indexOf(signal);
    TagState s = observationStates[i];
    faults.put(i, kind);
    frozen[i] = s.value;
    LOG.info("virtual plant {}: sensor fault {} on {}", plantName, kind, signal);
    switch (kind) {
      case BAD -> {
        s.status = BAD;
        s.time = clock.instant();
        publishReadOnly(s);
      }
      case NAN -> {
        s.value = Double.NaN;
        s.status = GOOD;
        s.time = clock.instant();
        publishReadOnly(s);
      }
      default -> {
        // FROZEN and STALE keep what the tags show now.
      }
    }
  }

  /** Removes every sensor fault; the observations are true again from the next process update. */
  public synchronized void clearFaults() {
    faults.clear();
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
    return remoteMode;
  }

  /**
   * The setpoint the process receives.
   *
   * @param action e.g. {@code Tc}
   * @return the setpoint in force, in the action's unit
   */
  public synchronized double setpointInForce(String action) {
    return inForce[actionIndex(action)].value;
  }

  /**
   * The PLC's value of any tag: an observation as shown, a setpoint, the mode (1 or 0), a counter
   * or code.
   *
   * @param tagName a layout tag name, e.g. {@code Tc.RemoteSP}
   * @return the value
   */
  public synchronized double value(String tagName) {
    layout.tag(tagName);
    return states.get(tagName).value;
  }

  /**
   * The advisory reason text last written over OPC UA.
   *
   * @return the text, empty if none
   */
  public synchronized String advisoryReasonText() {
    return states.get(layout.advisoryReason().name()).text;
  }

  /**
   * The true process state (not what sensors show).
   *
   * @return the state in the scenario's state order, a copy
   */
  public synchronized double[] processState() {
    return environment.state();
  }

  /**
   * Control intervals the process has advanced.
   *
   * @return the step count
   */
  public synchronized long steps() {
    return steps;
  }

  /**
   * How often the watchdog shed the loop to local; also the OPC UA node {@code
   * Diagnostics.WatchdogSheds}.
   *
   * @return the shed count
   */
  public long watchdogSheds() {
    return sheds.get();
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
    layout.tag(tagName);
    TagState s = states.get(tagName);
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
    layout.tag(tagName);
    return states.get(tagName).rejected.get();
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
            watchdogTimeout));
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
      servers.stop(states.values());
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

  private int actionIndex(String action) {
    layout.setpointInForce(action);
    return layout.actions().indexOf(action);
  }
}
