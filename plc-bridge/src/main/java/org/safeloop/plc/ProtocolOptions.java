package org.safeloop.plc;

/**
 * The protocol-specific part of a {@link PlcConnectionConfig} (unit id and back-off for Modbus,
 * security and identity for OPC UA). Implementations are immutable records validated when built.
 */
public interface ProtocolOptions {

  /**
   * Name of the protocol these options are for; selects the {@link PlcConnectionProvider}.
   *
   * @return the protocol name, e.g. "modbus" or "opcua"
   */
  String protocol();
}
