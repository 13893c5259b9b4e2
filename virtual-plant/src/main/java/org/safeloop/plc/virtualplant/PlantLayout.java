package org.safeloop.plc.virtualplant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.SignalSpec;
import org.safeloop.plc.DataType;
import org.safeloop.plc.Scaling;
import org.safeloop.plc.Tag;
import org.safeloop.plc.modbus.ModbusAddress;
import org.safeloop.plc.opcua.OpcUaAddress;
import org.safeloop.plc.virtualplant.opcua.PlantOpcUaServer;

/**
 * The virtual plant's tags: one fixed layout derived from a scenario's observation and action
 * signals, served on Modbus TCP and OPC UA at the same time. Immutable and thread-safe.
 *
 * <p>Modbus addresses are 0-based PDU offsets (Modicon reference = offset + 1 + 400000 for holding,
 * + 300000 for input registers), FLOAT32 in two registers with word order ABCD (high word first).
 * OPC UA nodes have string ids in the namespace {@value #NAMESPACE_URI}, under the folder "Plant":
 * {@code nsu=urn:safeloop:virtual-plant;s=<id>}. With {@code i} the observation index and {@code a}
 * the action index, in the scenario's order:
 *
 * <table>
 *   <caption>Tag layout</caption>
 *   <tr><th>tag / OPC UA id</th><th>Modbus</th><th>OPC UA type</th><th>who writes it</th></tr>
 *   <tr><td>{@code <obs>.PV}: observation i (measurement or scheduled setpoint)</td>
 *       <td>input 2i, float32</td><td>Double</td><td>the plant (read-only)</td></tr>
 *   <tr><td>{@code <action>.RemoteSP}: remote setpoint</td>
 *       <td>holding 100+2a, float32</td><td>Double</td><td>the agent in closed loop</td></tr>
 *   <tr><td>{@code <action>.SP}: setpoint in force (what the process receives)</td>
 *       <td>input 100+2a, float32</td><td>Double</td><td>the plant (read-only)</td></tr>
 *   <tr><td>{@code <action>.LocalSP}: the operator's local setpoint</td>
 *       <td>holding 200+2a, float32</td><td>Double</td><td>an HMI</td></tr>
 *   <tr><td>{@code <action>.RecommendedSP}: advisory recommendation</td>
 *       <td>holding 300+2a, float32</td><td>Double</td><td>the agent in advisory</td></tr>
 *   <tr><td>{@code Loop.Mode}: 1 remote/auto, 0 local/manual</td>
 *       <td>holding 0, uint16</td><td>Int32</td><td>an HMI (and the watchdog)</td></tr>
 *   <tr><td>{@code Agent.Heartbeat}: the agent's heartbeat counter</td>
 *       <td>holding 1, uint16</td><td>UInt16</td><td>the agent</td></tr>
 *   <tr><td>{@code Advisory.Reason}: the shield's verdict</td>
 *       <td>holding 2, uint16 (0 accepted, 1 repaired, 2 fallback)</td><td>String</td>
 *       <td>the agent in advisory</td></tr>
 *   <tr><td>{@code Advisory.Heartbeat}</td>
 *       <td>holding 3, uint16</td><td>UInt16</td><td>the agent in advisory</td></tr>
 *   <tr><td>{@code Advisory.Timestamp}: epoch seconds of the recommendation</td>
 *       <td>holding 4-5, uint32</td><td>DateTime (epoch seconds in plant files)</td>
 *       <td>the agent in advisory</td></tr>
 *   <tr><td>{@code Diagnostics.WatchdogSheds}, {@code Diagnostics.RefusedWrites}: counters</td>
 *       <td>none</td><td>UInt32</td><td>the plant (read-only)</td></tr>
 * </table>
 *
 * <p>On OPC UA every node has a Description; process values and setpoints are AnalogItemType with
 * EngineeringUnits and EURange, {@code Loop.Mode} is a MultiStateDiscreteType with EnumStrings (its
 * DataType stays Int32, which plant files name), and AccessLevel is read-write exactly for the tags
 * clients may write ({@link #opcUaNode}). On Modbus, registers outside the layout answer exception
 * 2 (illegal data address).
 *
 * <p>For the constrained CSTR (observations Ca, T, Ca_setpoint; action Tc): {@code Ca.PV} input
 * 0-1, {@code T.PV} input 2-3, {@code Ca_setpoint.PV} input 4-5, {@code Tc.RemoteSP} holding
 * 100-101, {@code Tc.SP} input 100-101, {@code Tc.LocalSP} holding 200-201, {@code
 * Tc.RecommendedSP} holding 300-301. Up to {@value #MAX_SIGNALS} observations and as many actions
 * fit.
 */
public final class PlantLayout {

  /** Namespace URI of the plant's OPC UA nodes. */
  public static final String NAMESPACE_URI = PlantOpcUaServer.DEFAULT_NAMESPACE_URI;

  /** Most observations, and most actions, a layout holds (the register blocks are 100 apart). */
  public static final int MAX_SIGNALS = 50;

  /** Offset of the remote-setpoint block (holding registers). */
  static final int REMOTE_SETPOINT_BASE = 100;

  /** Offset of the setpoint-in-force block (input registers). */
  static final int SETPOINT_IN_FORCE_BASE = 100;

  /** Offset of the local-setpoint block (holding registers). */
  static final int LOCAL_SETPOINT_BASE = 200;

  /** Offset of the recommended-setpoint block (holding registers). */
  static final int RECOMMENDED_BASE = 300;

  /** What a tag means to the PLC logic. */
  public enum Role {
    /** An observation: a measured signal or a scheduled setpoint (read-only). */
    OBSERVATION,
    /** The remote setpoint of an action, written by the agent in closed loop. */
    REMOTE_SETPOINT,
    /** The setpoint of an action the process really receives (read-only). */
    SETPOINT_IN_FORCE,
    /** The operator's local setpoint of an action. */
    LOCAL_SETPOINT,
    /** The advisory recommended setpoint of an action. */
    RECOMMENDED_SETPOINT,
    /** The operator mode: 1 remote/auto, 0 local/manual. */
    OPERATOR_MODE,
    /** The agent heartbeat counter the watchdog watches. */
    AGENT_HEARTBEAT,
    /** The advisory reason: a verdict code on Modbus, text on OPC UA. */
    ADVISORY_REASON,
    /** The advisory heartbeat counter. */
    ADVISORY_HEARTBEAT,
    /** The advisory timestamp, epoch seconds. */
    ADVISORY_TIMESTAMP
  }

  /**
   * One tag of the layout, as both servers carry it.
   *
   * @param name the tag name, also the OPC UA string id (e.g. {@code Tc.RemoteSP})
   * @param role what the tag means to the PLC logic
   * @param signal the observation or action it belongs to, or empty for plant-wide tags
   * @param unit engineering unit (empty for counters and codes)
   * @param modbusAddress the Modbus table and 0-based offset
   * @param modbusType the raw type in the Modbus registers
   * @param opcUaType the OPC UA node's DataType
   * @param writable whether clients may write it (holding registers; OPC UA writes accepted)
   */
  public record PlantTag(
      String name,
      Role role,
      String signal,
      String unit,
      ModbusAddress modbusAddress,
      DataType modbusType,
      DataType opcUaType,
      boolean writable) {

    /** Checks that no component is missing. */
    public PlantTag {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(signal, "signal");
      Objects.requireNonNull(unit, "unit");
      Objects.requireNonNull(modbusAddress, "modbusAddress");
      Objects.requireNonNull(modbusType, "modbusType");
      Objects.requireNonNull(opcUaType, "opcUaType");
    }

    /**
     * The OPC UA node of this tag.
     *
     * @return {@code nsu=urn:safeloop:virtual-plant;s=<name>}
     */
    public OpcUaAddress opcUaAddress() {
      return OpcUaAddress.string(NAMESPACE_URI, name);
    }

    /**
     * A client tag for reading or writing this tag over Modbus.
     *
     * @return the tag, read-only unless {@link #writable()}
     */
    public Tag modbusTag() {
      Tag tag = new Tag(name, unit, modbusAddress, modbusType, Scaling.IDENTITY, false);
      return writable ? tag : tag.asReadOnly();
    }

    /**
     * A client tag for reading or writing this tag over OPC UA.
     *
     * @return the tag, read-only unless {@link #writable()}
     */
    public Tag opcUaTag() {
      Tag tag = new Tag(name, unit, opcUaAddress(), opcUaType, Scaling.IDENTITY, false);
      return writable ? tag : tag.asReadOnly();
    }
  }

  private final SignalSpace observations;
  private final SignalSpace actions;
  private final List<PlantTag> tags;
  private final Map<String, PlantTag> byName;

  private PlantLayout(SignalSpace observations, SignalSpace actions) {
    this.observations = observations;
    this.actions = actions;
    List<PlantTag> all = new ArrayList<>();
    for (int i = 0; i < observations.size(); i++) {
      SignalSpec s = observations.get(i);
      all.add(
          new PlantTag(
              s.name() + ".PV",
              Role.OBSERVATION,
              s.name(),
              s.unit(),
              ModbusAddress.input(2 * i),
              DataType.FLOAT32,
              DataType.FLOAT64,
              false));
    }
    for (int a = 0; a < actions.size(); a++) {
      SignalSpec s = actions.get(a);
      all.add(
          setpoint(s, ".RemoteSP", Role.REMOTE_SETPOINT, holding(REMOTE_SETPOINT_BASE + 2 * a)));
      all.add(
          new PlantTag(
              s.name() + ".SP",
              Role.SETPOINT_IN_FORCE,
              s.name(),
              s.unit(),
              ModbusAddress.input(SETPOINT_IN_FORCE_BASE + 2 * a),
              DataType.FLOAT32,
              DataType.FLOAT64,
              false));
      all.add(setpoint(s, ".LocalSP", Role.LOCAL_SETPOINT, holding(LOCAL_SETPOINT_BASE + 2 * a)));
      all.add(
          setpoint(
              s, ".RecommendedSP", Role.RECOMMENDED_SETPOINT, holding(RECOMMENDED_BASE + 2 * a)));
    }
    all.add(plantWide("Loop.Mode", Role.OPERATOR_MODE, 0, DataType.UINT16, DataType.INT32));
    all.add(
        plantWide("Agent.Heartbeat", Role.AGENT_HEARTBEAT, 1, DataType.UINT16, DataType.UINT16));
    all.add(
        plantWide("Advisory.Reason", Role.ADVISORY_REASON, 2, DataType.UINT16, DataType.STRING));
    all.add(
        plantWide(
            "Advisory.Heartbeat", Role.ADVISORY_HEARTBEAT, 3, DataType.UINT16, DataType.UINT16));
    all.add(
        plantWide(
            "Advisory.Timestamp", Role.ADVISORY_TIMESTAMP, 4, DataType.UINT32, DataType.UINT32));
    this.tags = List.copyOf(all);
    Map<String, PlantTag> names = new LinkedHashMap<>();
    for (PlantTag t : tags) {
      if (names.put(t.name(), t) != null) {
        throw new IllegalArgumentException(
            "two plant tags are named " + t.name() + "; rename a signal of the scenario");
      }
    }
    this.byName = Map.copyOf(names);
  }

  /**
   * The layout for a scenario's signals.
   *
   * @param observations the observation signals (measurements, then setpoints), in order
   * @param actions the action signals, in order
   * @return the layout
   * @throws IllegalArgumentException if there are more than {@value #MAX_SIGNALS} observations or
   *     actions, or two tags would share a name
   */
  public static PlantLayout of(SignalSpace observations, SignalSpace actions) {
    Objects.requireNonNull(observations, "observations");
    Objects.requireNonNull(actions, "actions");
    if (observations.size() > MAX_SIGNALS || actions.size() > MAX_SIGNALS) {
      throw new IllegalArgumentException(
          "the virtual plant lays out at most "
              + MAX_SIGNALS
              + " observations and "
              + MAX_SIGNALS
              + " actions; this scenario has "
              + observations.size()
              + " and "
              + actions.size());
    }
    return new PlantLayout(observations, actions);
  }

  private static ModbusAddress holding(int offset) {
    return ModbusAddress.holding(offset);
  }

  private static PlantTag setpoint(SignalSpec action, String suffix, Role role, ModbusAddress at) {
    return new PlantTag(
        action.name() + suffix,
        role,
        action.name(),
        action.unit(),
        at,
        DataType.FLOAT32,
        DataType.FLOAT64,
        true);
  }

  private static PlantTag plantWide(
      String name, Role role, int holdingOffset, DataType modbusType, DataType opcUaType) {
    return new PlantTag(
        name, role, "", "", ModbusAddress.holding(holdingOffset), modbusType, opcUaType, true);
  }

  /**
   * Every tag, observations first, then per action its four setpoint tags, then the plant-wide
   * tags.
   *
   * @return the tags
   */
  public List<PlantTag> tags() {
    return tags;
  }

  /**
   * The tag with this name.
   *
   * @param name e.g. {@code Tc.RemoteSP}
   * @return the tag
   * @throws IllegalArgumentException if there is none
   */
  public PlantTag tag(String name) {
    PlantTag tag = byName.get(name);
    if (tag == null) {
      throw new IllegalArgumentException(
          "the virtual plant has no tag " + name + "; it has " + byName.keySet());
    }
    return tag;
  }

  /**
   * The tag of an observation signal.
   *
   * @param signal e.g. {@code T}
   * @return its {@code <signal>.PV} tag
   */
  public PlantTag observation(String signal) {
    requireSignal(observations, signal, "observation");
    return tag(signal + ".PV");
  }

  /**
   * The remote-setpoint tag of an action.
   *
   * @param action e.g. {@code Tc}
   * @return its {@code <action>.RemoteSP} tag
   */
  public PlantTag remoteSetpoint(String action) {
    requireSignal(actions, action, "action");
    return tag(action + ".RemoteSP");
  }

  /**
   * The setpoint-in-force tag of an action.
   *
   * @param action e.g. {@code Tc}
   * @return its {@code <action>.SP} tag
   */
  public PlantTag setpointInForce(String action) {
    requireSignal(actions, action, "action");
    return tag(action + ".SP");
  }

  /**
   * The operator's local-setpoint tag of an action.
   *
   * @param action e.g. {@code Tc}
   * @return its {@code <action>.LocalSP} tag
   */
  public PlantTag localSetpoint(String action) {
    requireSignal(actions, action, "action");
    return tag(action + ".LocalSP");
  }

  /**
   * The advisory recommended-setpoint tag of an action.
   *
   * @param action e.g. {@code Tc}
   * @return its {@code <action>.RecommendedSP} tag
   */
  public PlantTag recommendedSetpoint(String action) {
    requireSignal(actions, action, "action");
    return tag(action + ".RecommendedSP");
  }

  /**
   * The operator-mode tag.
   *
   * @return {@code Loop.Mode}
   */
  public PlantTag operatorMode() {
    return tag("Loop.Mode");
  }

  /**
   * The agent heartbeat tag.
   *
   * @return {@code Agent.Heartbeat}
   */
  public PlantTag agentHeartbeat() {
    return tag("Agent.Heartbeat");
  }

  /**
   * The advisory reason tag.
   *
   * @return {@code Advisory.Reason}
   */
  public PlantTag advisoryReason() {
    return tag("Advisory.Reason");
  }

  /**
   * The advisory heartbeat tag.
   *
   * @return {@code Advisory.Heartbeat}
   */
  public PlantTag advisoryHeartbeat() {
    return tag("Advisory.Heartbeat");
  }

  /**
   * The advisory timestamp tag.
   *
   * @return {@code Advisory.Timestamp}
   */
  public PlantTag advisoryTimestamp() {
    return tag("Advisory.Timestamp");
  }

  /**
   * The observation signals the layout was made for.
   *
   * @return the observation space
   */
  public SignalSpace observations() {
    return observations;
  }

  /**
   * The action signals the layout was made for.
   *
   * @return the action space
   */
  public SignalSpace actions() {
    return actions;
  }

  /**
   * How the OPC UA server describes a tag to an HMI: a description, the access clients have, for
   * setpoints and process values an AnalogItemType with the signal's unit and range (an
   * observation's physical bounds, an action's hard limits), the operator mode's state names, and
   * the advisory timestamp as a DateTime.
   *
   * @param tag a tag of this layout
   * @return the node's description
   */
  public PlantOpcUaServer.NodeInfo opcUaNode(PlantTag tag) {
    SignalSpec signal =
        switch (tag.role()) {
          case OBSERVATION -> observations.get(observations.indexOf(tag.signal()));
          case REMOTE_SETPOINT, SETPOINT_IN_FORCE, LOCAL_SETPOINT, RECOMMENDED_SETPOINT ->
              actions.get(actions.indexOf(tag.signal()));
          default -> null;
        };
    String unit = signal == null ? "" : " in " + signal.unit();
    String limits =
        signal == null
            ? ""
            : String.format(
                java.util.Locale.ROOT, " [%s, %s] %s", signal.min(), signal.max(), signal.unit());
    String description =
        switch (tag.role()) {
          case OBSERVATION ->
              tag.signal()
                  + unit
                  + ": the measurement (or scheduled setpoint) the agent observes; written by the"
                  + " plant only";
          case REMOTE_SETPOINT ->
              "Remote setpoint of "
                  + tag.signal()
                  + unit
                  + ", written by the agent in closed loop; in force while Loop.Mode is 1"
                  + " (remote/auto); a value outside the hard limits"
                  + limits
                  + " is refused";
          case SETPOINT_IN_FORCE ->
              "Setpoint of "
                  + tag.signal()
                  + " the process receives"
                  + unit
                  + ": the remote setpoint in remote/auto, the local one in local/manual (status"
                  + " Good_LocalOverride); written by the plant only";
          case LOCAL_SETPOINT ->
              "Operator's local setpoint of "
                  + tag.signal()
                  + unit
                  + "; writing it switches the loop to local/manual with this setpoint; limits"
                  + limits;
          case RECOMMENDED_SETPOINT ->
              "Setpoint of " + tag.signal() + unit + " the agent recommends in advisory mode";
          case OPERATOR_MODE ->
              "Loop mode: 1 remote/auto (the agent's remote setpoints are in force), 0"
                  + " local/manual; the watchdog sets 0 when the agent heartbeat stops";
          case AGENT_HEARTBEAT ->
              "Agent heartbeat counter (0..65535), written every cycle in advisory and closed loop;"
                  + " in remote/auto the watchdog sheds to local/manual when it stops changing";
          case ADVISORY_REASON ->
              "The shield's verdict on the recommendation and its reasons, as text";
          case ADVISORY_HEARTBEAT -> "Advisory heartbeat counter (0..65535) of the agent";
          case ADVISORY_TIMESTAMP -> "Time of the agent's latest recommendation";
        };
    PlantOpcUaServer.NodeInfo info = PlantOpcUaServer.NodeInfo.of(description, tag.writable());
    if (signal != null) {
      info = info.analog(signal.unit(), signal.min(), signal.max());
    } else if (tag.role() == Role.OPERATOR_MODE) {
      info = info.states("Local/manual", "Remote/auto");
    } else if (tag.role() == Role.ADVISORY_TIMESTAMP) {
      info = info.asDateTime();
    }
    return info;
  }

  private static void requireSignal(SignalSpace space, String name, String kind) {
    if (space.indexOf(name) < 0) {
      throw new IllegalArgumentException(
          "the virtual plant has no " + kind + " '" + name + "'; it has " + space.names());
    }
  }
}
