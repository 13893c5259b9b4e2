package org.safeloop.plc.modbus;

import java.time.Duration;
import org.safeloop.plc.ProtocolOptions;

/**
 * Modbus TCP settings of a connection. Immutable and thread-safe.
 *
 * @param unitId unit (slave) id sent with each request, 0..255 (gateways route on it; plain TCP
 *     devices usually answer 1 or 255)
 * @param reconnectMinDelay wait after the first failed connection attempt; doubles per further
 *     failure
 * @param reconnectMaxDelay longest wait between connection attempts
 * @param maxRegistersPerRead most registers grouped into one read request, 1..125
 * @param maxBitsPerRead most coils or discrete inputs grouped into one read request, 1..2000
 */
public record ModbusOptions(
    int unitId,
    Duration reconnectMinDelay,
    Duration reconnectMaxDelay,
    int maxRegistersPerRead,
    int maxBitsPerRead)
    implements ProtocolOptions {

  /** Validates each field, naming the one that is wrong. */
  public ModbusOptions {
    if (unitId < 0 || unitId > 255) {
      throw new IllegalArgumentException("modbus.unitId must be in 0..255: " + unitId);
    }
    if (reconnectMinDelay == null || reconnectMinDelay.isNegative() || reconnectMinDelay.isZero()) {
      throw new IllegalArgumentException(
          "modbus.reconnectMinDelay must be positive: " + reconnectMinDelay);
    }
    if (reconnectMaxDelay == null || reconnectMaxDelay.compareTo(reconnectMinDelay) < 0) {
      throw new IllegalArgumentException(
          "modbus.reconnectMaxDelay must be at least reconnectMinDelay: " + reconnectMaxDelay);
    }
    if (maxRegistersPerRead < 1 || maxRegistersPerRead > 125) {
      throw new IllegalArgumentException(
          "modbus.maxRegistersPerRead must be in 1..125: " + maxRegistersPerRead);
    }
    if (maxBitsPerRead < 1 || maxBitsPerRead > 2000) {
      throw new IllegalArgumentException(
          "modbus.maxBitsPerRead must be in 1..2000: " + maxBitsPerRead);
    }
  }

  /**
   * Options for a unit id with defaults: reconnect back-off 0.1 s doubling to 10 s, full-size
   * reads.
   *
   * @param unitId unit id, 0..255
   * @return the options
   */
  public static ModbusOptions forUnit(int unitId) {
    return new ModbusOptions(unitId, Duration.ofMillis(100), Duration.ofSeconds(10), 125, 2000);
  }

  /**
   * Returns a copy with another reconnect back-off.
   *
   * @param min first delay
   * @param max longest delay
   * @return the new options
   */
  public ModbusOptions withReconnectDelays(Duration min, Duration max) {
    return new ModbusOptions(unitId, min, max, maxRegistersPerRead, maxBitsPerRead);
  }

  @Override
  public String protocol() {
    return ModbusAddress.PROTOCOL;
  }
}
