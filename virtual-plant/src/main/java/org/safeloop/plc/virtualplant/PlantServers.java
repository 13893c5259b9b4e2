package org.safeloop.plc.virtualplant;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import org.safeloop.plc.DataType;
import org.safeloop.plc.modbus.ModbusTable;
import org.safeloop.plc.virtualplant.PlantLayout.Role;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;
import org.safeloop.plc.virtualplant.modbus.PlantModbusSlave;
import org.safeloop.plc.virtualplant.opcua.PlantOpcUaServer;

/**
 * The virtual plant's two servers and how a {@link TagState} shows on them: float32 registers and
 * Double nodes, NaN on Modbus for a bad value, status and source timestamp on OPC UA. Either server
 * may be absent (not served, or stopped); showing on an absent server does nothing. Ports are kept
 * across restarts. Not thread-safe: the plant calls it with its monitor held.
 */
final class PlantServers {

  /** Decides on a client's OPC UA write; runs on a server thread and must not block. */
  @FunctionalInterface
  interface OpcUaWrites {
    /**
     * Called for every client write.
     *
     * @return Good (0) to accept, or the Bad status code the client receives
     */
    long onWrite(TagState state, Object value);
  }

  private static final int TABLE_SIZE = 1000;

  /** OPC UA id of the diagnostic counter of watchdog sheds. */
  static final String WATCHDOG_SHEDS = "Diagnostics.WatchdogSheds";

  /** OPC UA id of the diagnostic counter of refused client writes. */
  static final String REFUSED_WRITES = "Diagnostics.RefusedWrites";

  private final Set<Protocol> protocols;
  private final PlantLayout layout;
  private final Path pkiDirectory;
  private long shedsShown = -1;
  private long refusedShown = -1;
  private int modbusPort;
  private int opcUaPort;
  private PlantModbusSlave slave;
  private PlantOpcUaServer server;

  PlantServers(
      Set<Protocol> protocols,
      PlantLayout layout,
      Path pkiDirectory,
      int modbusPort,
      int opcUaPort) {
    this.protocols = protocols;
    this.layout = layout;
    this.pkiDirectory = pkiDirectory;
    this.modbusPort = modbusPort;
    this.opcUaPort = opcUaPort;
  }

  /** Starts the servers on their ports (free ones the first time if 0) and shows every tag. */
  void start(Collection<TagState> states, OpcUaWrites writes)
      throws IOException, InterruptedException {
    try {
      if (protocols.contains(Protocol.MODBUS)) {
        slave = PlantModbusSlave.start(modbusPort, VirtualPlant.MODBUS_UNIT_ID, TABLE_SIZE);
        modbusPort = slave.port();
        // Only the layout's registers exist: anything else answers exception 2.
        for (TagState s : states) {
          slave.map(
              s.tag.modbusAddress().table(),
              s.tag.modbusAddress().offset(),
              s.tag.modbusAddress().table().isBitTable() ? 1 : s.tag.modbusType().registerCount());
        }
      }
      if (protocols.contains(Protocol.OPCUA)) {
        server =
            PlantOpcUaServer.builder(pkiDirectory)
                .port(opcUaPort)
                .namespaceUri(PlantLayout.NAMESPACE_URI)
                .start();
        opcUaPort = server.port();
        for (TagState s : states) {
          Object initial =
              switch (s.tag.opcUaType()) {
                case FLOAT64 -> Double.NaN;
                case STRING -> "";
                default -> 0;
              };
          server.addVariable(s.tag.name(), s.tag.opcUaType(), initial, layout.opcUaNode(s.tag));
          server.onWrite(s.tag.opcUaAddress(), value -> writes.onWrite(s, value));
        }
        server.addVariable(
            WATCHDOG_SHEDS,
            DataType.UINT32,
            0,
            PlantOpcUaServer.NodeInfo.of(
                "How often the watchdog shed the loop to local/manual because the agent"
                    + " heartbeat stopped changing",
                false));
        server.addVariable(
            REFUSED_WRITES,
            DataType.UINT32,
            0,
            PlantOpcUaServer.NodeInfo.of(
                "Client writes the plant refused (outside the limits, not a number, wrong type,"
                    + " or to a read-only tag), both protocols",
                false));
        shedsShown = -1;
        refusedShown = -1;
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      stop(states);
      throw e;
    }
    for (TagState s : states) {
      s.pendingOpcUa.set(null);
      if (s.tag.writable()) {
        showModbus(s, s.value);
        showOpcUa(s, s.value, PlantOpcUaServer.GOOD, s.time);
      } else {
        showReadOnly(s);
      }
    }
  }

  /** Shows the diagnostic counters on OPC UA when they changed. */
  void showDiagnostics(long watchdogSheds, long refusedWrites) {
    if (server == null) {
      return;
    }
    java.time.Instant now = java.time.Instant.now();
    if (watchdogSheds != shedsShown) {
      server.setValue(
          org.safeloop.plc.opcua.OpcUaAddress.string(server.namespaceUri(), WATCHDOG_SHEDS),
          watchdogSheds,
          PlantOpcUaServer.GOOD,
          now,
          null);
      shedsShown = watchdogSheds;
    }
    if (refusedWrites != refusedShown) {
      server.setValue(
          org.safeloop.plc.opcua.OpcUaAddress.string(server.namespaceUri(), REFUSED_WRITES),
          refusedWrites,
          PlantOpcUaServer.GOOD,
          now,
          null);
      refusedShown = refusedWrites;
    }
  }

  /** Stops both servers, keeping their Modbus write counts in the states. Idempotent. */
  void stop(Collection<TagState> states) {
    if (slave != null) {
      for (TagState s : states) {
        if (isHolding(s)) {
          s.modbusWritesBefore += slave.writeCount(ModbusTable.HOLDING_REGISTER, offset(s));
        }
      }
      slave.close();
      slave = null;
    }
    if (server != null) {
      server.close();
      server = null;
    }
  }

  boolean running() {
    return slave != null || server != null;
  }

  int modbusPort() {
    return modbusPort;
  }

  int opcUaPort() {
    return opcUaPort;
  }

  /**
   * A master's write of a holding tag since it was last shown or taken, as the registers decode it;
   * null if none (or no Modbus slave runs).
   */
  Double modbusWrite(TagState s) {
    if (slave == null || !isHolding(s)) {
      return null;
    }
    double raw = modbusValue(s);
    return Double.compare(raw, s.modbusShown) == 0 ? null : raw;
  }

  /** Records that the registers' present value is known (a write was taken as it is). */
  void modbusTaken(TagState s) {
    if (slave != null) {
      s.modbusShown = modbusValue(s);
    }
  }

  /** Puts a value into a tag's registers. */
  void showModbus(TagState s, double value) {
    if (slave == null) {
      return;
    }
    slave.setValue(s.tag.modbusAddress(), s.tag.modbusType(), value);
    s.modbusShown = modbusValue(s);
  }

  /** Puts a value (the state's text for String nodes) into a tag's node. */
  void showOpcUa(TagState s, double value, long status, Instant sourceTime) {
    if (server == null) {
      return;
    }
    Object nodeValue =
        switch (s.tag.opcUaType()) {
          case FLOAT64 -> value;
          case INT32, UINT16 -> (int) value;
          case UINT32 -> (long) value;
          case STRING -> s.text;
          default -> throw new IllegalStateException("unexpected node type " + s.tag.opcUaType());
        };
    server.setValue(s.tag.opcUaAddress(), nodeValue, status, sourceTime);
    s.opcUaShown = s.tag.opcUaType() == DataType.STRING ? Double.NaN : value;
  }

  /** Shows a read-only tag (observation or setpoint in force) with its status on both servers. */
  void showReadOnly(TagState s) {
    showModbus(s, s.status == VirtualPlant.BAD ? Double.NaN : s.value);
    showOpcUa(s, s.value, s.status, s.time);
  }

  /**
   * Puts the PLC's value back on writable OPC UA nodes that show something else without a queued
   * write (a client write that Milo applied just after a scan had taken it).
   */
  void reconcileOpcUa(Collection<TagState> states) {
    if (server == null) {
      return;
    }
    for (TagState s : states) {
      if (!s.tag.writable()
          || s.tag.role() == Role.ADVISORY_REASON
          || s.pendingOpcUa.get() != null) {
        continue;
      }
      Object shown = server.value(s.tag.opcUaAddress());
      double value = shown instanceof Number n ? n.doubleValue() : Double.NaN;
      if (Double.compare(value, s.opcUaShown) != 0) {
        showOpcUa(s, s.value, PlantOpcUaServer.GOOD, s.time);
      }
    }
  }

  /** Modbus writes received for a tag, including those of slaves stopped before. */
  long modbusWriteCount(TagState s) {
    if (!isHolding(s)) {
      return 0;
    }
    return s.modbusWritesBefore
        + (slave == null ? 0 : slave.writeCount(ModbusTable.HOLDING_REGISTER, offset(s)));
  }

  private double modbusValue(TagState s) {
    return slave.value(s.tag.modbusAddress(), s.tag.modbusType());
  }

  private static boolean isHolding(TagState s) {
    return s.tag.modbusAddress().table() == ModbusTable.HOLDING_REGISTER;
  }

  private static int offset(TagState s) {
    return s.tag.modbusAddress().offset();
  }
}
