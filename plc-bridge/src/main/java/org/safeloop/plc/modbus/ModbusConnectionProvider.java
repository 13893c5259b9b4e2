package org.safeloop.plc.modbus;

import java.time.Clock;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.PlcConnectionProvider;

/**
 * The "modbus" protocol: Modbus TCP through j2mod. Opening returns at once; the first call
 * connects, and a lost connection is re-established with exponential back-off ({@link
 * ModbusOptions}). Stateless and thread-safe.
 */
public final class ModbusConnectionProvider implements PlcConnectionProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public ModbusConnectionProvider() {}

  @Override
  public String name() {
    return ModbusAddress.PROTOCOL;
  }

  @Override
  public PlcConnection open(PlcConnectionConfig config) {
    return open(config, Clock.systemUTC());
  }

  /**
   * Opens a connection whose reconnect back-off and value timestamps follow {@code clock} (for a
   * simulation running faster than real time, or a test). Socket timeouts stay in real time.
   *
   * @param config where and how to connect; options must be {@link ModbusOptions}
   * @param clock the clock for back-off and timestamps
   * @return the connection; it connects on the first call
   */
  public PlcConnection open(PlcConnectionConfig config, Clock clock) {
    return new ModbusConnection(config, clock);
  }
}
