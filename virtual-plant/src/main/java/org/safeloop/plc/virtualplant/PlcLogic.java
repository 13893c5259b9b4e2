package org.safeloop.plc.virtualplant;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.safeloop.env.SignalSpec;
import org.safeloop.plc.virtualplant.PlantLayout.PlantTag;
import org.safeloop.plc.virtualplant.PlantLayout.Role;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;
import org.safeloop.plc.virtualplant.opcua.PlantOpcUaServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PLC program around the process: the value of every tag, and the scan that takes client writes
 * from both servers, refuses setpoints outside the hard limits, selects the setpoint in force by
 * the operator mode (the other one tracking it, so switching is bumpless) and sheds to local when
 * the agent heartbeat stops. {@link VirtualPlant} describes the behaviour.
 *
 * <p>Not thread-safe: the {@link VirtualPlant}'s monitor guards it, except {@link #onOpcUaWrite},
 * which the OPC UA server calls on its own threads and which only counts and queues.
 */
final class PlcLogic {
  private static final Logger LOG = LoggerFactory.getLogger(VirtualPlant.class);
  private static final long GOOD = PlantOpcUaServer.GOOD;

  private final PlantLayout layout;
  private final PlantServers servers;
  private final String plantName;
  private final Duration watchdogTimeout;
  private final double[] actionMin;
  private final double[] actionMax;

  private final Map<String, TagState> states = new LinkedHashMap<>();
  private final TagState[] observationStates;
  private final TagState[] remote;
  private final TagState[] inForce;
  private final TagState[] local;
  private final TagState mode;
  private final TagState heartbeat;
  private final AtomicLong sheds = new AtomicLong();

  private boolean remoteMode;
  private Instant lastHeartbeatChange;

  /**
   * Creates every tag of the layout with its initial value.
   *
   * @param layout the tags
   * @param servers where values are shown
   * @param plantName for log messages
   * @param watchdogTimeout how long the heartbeat may stay unchanged in remote mode
   * @param initialInput the setpoints at start, in action order
   * @param startInRemote whether the loop starts in remote/auto
   * @param now the plant clock's time
   */
  PlcLogic(
      PlantLayout layout,
      PlantServers servers,
      String plantName,
      Duration watchdogTimeout,
      double[] initialInput,
      boolean startInRemote,
      Instant now) {
    this.layout = layout;
    this.servers = servers;
    this.plantName = plantName;
    this.watchdogTimeout = watchdogTimeout;
    int actions = layout.actions().size();
    actionMin = new double[actions];
    actionMax = new double[actions];
    remote = new TagState[actions];
    inForce = new TagState[actions];
    local = new TagState[actions];
    for (int a = 0; a < actions; a++) {
      SignalSpec spec = layout.actions().get(a);
      actionMin[a] = spec.min();
      actionMax[a] = spec.max();
      remote[a] = state(layout.remoteSetpoint(spec.name()), initialInput[a], now);
      inForce[a] = state(layout.setpointInForce(spec.name()), initialInput[a], now);
      local[a] = state(layout.localSetpoint(spec.name()), initialInput[a], now);
      state(layout.recommendedSetpoint(spec.name()), initialInput[a], now);
    }
    remoteMode = startInRemote;
    mode = state(layout.operatorMode(), startInRemote ? 1 : 0, now);
    heartbeat = state(layout.agentHeartbeat(), 0, now);
    state(layout.advisoryReason(), 0, now);
    state(layout.advisoryHeartbeat(), 0, now);
    state(layout.advisoryTimestamp(), 0, now);
    observationStates = new TagState[layout.observations().size()];
    for (int i = 0; i < observationStates.length; i++) {
      observationStates[i] =
          state(layout.observation(layout.observations().get(i).name()), Double.NaN, now);
    }
    for (int a = 0; a < actions; a++) {
      inForce[a].status = startInRemote ? GOOD : VirtualPlant.GOOD_LOCAL_OVERRIDE;
    }
    lastHeartbeatChange = now;
  }

  private TagState state(PlantTag tag, double value, Instant now) {
    TagState s = new TagState(tag, value, now);
    states.put(tag.name(), s);
    return s;
  }

  /** Every tag's state, in layout order. */
  Collection<TagState> states() {
    return states.values();
  }

  /** The observation tags' states, in the layout's observation order. */
  TagState[] observationStates() {
    return observationStates;
  }

  /** The setpoints in force, in action order: the process's input. */
  double[] setpointsInForce() {
    double[] input = new double[inForce.length];
    for (int a = 0; a < input.length; a++) {
      input[a] = inForce[a].value;
    }
    return input;
  }

  /** Starts the watchdog timeout afresh (the servers just came up: no agent could beat before). */
  void restartWatchdog(Instant now) {
    lastHeartbeatChange = now;
  }

  // ---- the scan -----------------------------------------------------------------------------

  /** One PLC scan: client writes, mode, setpoint selection and tracking, watchdog. */
  void scan(Instant now) {
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

  /** Shows the watchdog sheds and refused writes on the diagnostic nodes. */
  void showDiagnostics() {
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
  void switchMode(boolean toRemote, Instant now) {
    if (toRemote != remoteMode) {
      remoteMode = toRemote;
      for (TagState s : inForce) {
        s.status = toRemote ? GOOD : VirtualPlant.GOOD_LOCAL_OVERRIDE;
        s.time = now;
        servers.showReadOnly(s);
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
   * The operator types a setpoint: local mode, and the setpoint in force at once.
   *
   * @throws IllegalArgumentException for an unknown action or a value outside the hard limits
   */
  void operatorSetpoint(String action, double value, Instant now) {
    PlantTag tag = layout.localSetpoint(action);
    String refusal = refusal(tag, value);
    if (refusal != null) {
      throw new IllegalArgumentException("operator setpoint refused: " + refusal);
    }
    switchMode(false, now);
    int a = layout.actions().indexOf(action);
    setWritable(local[a], value, now, null);
    setInForce(a, value, now);
    setWritable(remote[a], value, now, null);
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
      servers.showReadOnly(s);
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
  long onOpcUaWrite(TagState s, Object value) {
    s.opcUaWrites.incrementAndGet();
    if (!s.tag.writable()) {
      s.rejected.incrementAndGet();
      return VirtualPlant.BAD_NOT_WRITABLE;
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
      return VirtualPlant.BAD_TYPE_MISMATCH;
    }
    if (value instanceof Number n && refusal(s.tag, n.doubleValue()) != null) {
      s.rejected.incrementAndGet();
      return VirtualPlant.BAD_OUT_OF_RANGE;
    }
    s.pendingOpcUa.set(value);
    return GOOD;
  }

  // ---- what the PLC holds -------------------------------------------------------------------

  /** Whether the loop is in remote/auto. */
  boolean isRemote() {
    return remoteMode;
  }

  /** The setpoint in force of an action. */
  double setpointInForce(String action) {
    layout.setpointInForce(action);
    return inForce[layout.actions().indexOf(action)].value;
  }

  /** A tag's state by layout name (checked against the layout). */
  TagState state(String tagName) {
    layout.tag(tagName);
    return states.get(tagName);
  }

  /** The watchdog's sheds so far. */
  long watchdogSheds() {
    return sheds.get();
  }
}
