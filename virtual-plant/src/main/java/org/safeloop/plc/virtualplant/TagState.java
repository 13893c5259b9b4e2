package org.safeloop.plc.virtualplant;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.safeloop.plc.virtualplant.PlantLayout.PlantTag;
import org.safeloop.plc.virtualplant.opcua.PlantOpcUaServer;

/**
 * What the virtual plant's PLC holds for one tag, and what each server shows of it. The plain
 * fields are guarded by the plant's monitor; the atomic ones are also touched by OPC UA server
 * threads (write handlers).
 */
final class TagState {
  final PlantTag tag;

  /** The PLC's value (engineering units; codes and counters as numbers). */
  double value;

  /** The OPC UA text of the advisory reason; unused otherwise. */
  String text = "";

  /** OPC UA status of observation and setpoint-in-force tags; Good for the others. */
  long status = PlantOpcUaServer.GOOD;

  /** When the value was last updated, on the plant clock. */
  Instant time;

  /** The value last put into (or accepted from) the Modbus registers, as they decode. */
  double modbusShown = Double.NaN;

  /** The value last put into (or accepted from) the OPC UA node. */
  double opcUaShown = Double.NaN;

  /** An accepted OPC UA write not yet taken by a scan. */
  final AtomicReference<Object> pendingOpcUa = new AtomicReference<>();

  /** OPC UA writes received, accepted or not. */
  final AtomicLong opcUaWrites = new AtomicLong();

  /** Writes refused (out of range, wrong type, read-only), both protocols. */
  final AtomicLong rejected = new AtomicLong();

  /** Modbus writes counted by slaves that have since been stopped. */
  long modbusWritesBefore;

  TagState(PlantTag tag, double value, Instant time) {
    this.tag = tag;
    this.value = value;
    this.time = time;
  }
}
