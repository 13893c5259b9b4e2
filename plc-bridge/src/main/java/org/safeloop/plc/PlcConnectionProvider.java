package org.safeloop.plc;

/**
 * A PLC protocol plug-in, found by {@link java.util.ServiceLoader} through {@code
 * META-INF/services/org.safeloop.plc.PlcConnectionProvider}. A user adds a protocol by shipping a
 * jar with a provider, its {@link TagAddress} and {@link ProtocolOptions} records. Implementations
 * must be stateless and thread-safe, with a public no-argument constructor.
 */
public interface PlcConnectionProvider {

  /**
   * The protocol's name as used in plant files.
   *
   * @return e.g. "modbus" or "opcua"
   */
  String name();

  /**
   * Opens a connection; blocks at most {@link PlcConnectionConfig#startupTimeout()} (retrying the
   * first connection while the device does not answer), plus the time to check {@link
   * PlcConnectionConfig#requiredTags()}. Protocols that reconnect on their own (Modbus) may return
   * before the first connection succeeds and report the failure on the first call instead.
   *
   * @param config where and how to connect; its options are this protocol's
   * @return the open connection
   * @throws PlcException if the connection cannot be established (e.g. rejected credentials, no
   *     answer within the start-up time), or a required tag is missing on the device or has the
   *     wrong type or access ({@link PlcException.Reason#NOT_FOUND}, {@link
   *     PlcException.Reason#TYPE_MISMATCH}, {@link PlcException.Reason#ACCESS_DENIED})
   * @throws InterruptedException if interrupted while connecting
   * @throws IllegalArgumentException if the options are not this protocol's
   */
  PlcConnection open(PlcConnectionConfig config) throws PlcException, InterruptedException;
}
