package org.safeloop.plc;

import java.time.Duration;
import java.util.Objects;

/**
 * How to reach one PLC: host, port, timeouts and protocol options. Maps one-to-one onto the
 * connection section of a plant file. Immutable and thread-safe.
 *
 * @param host host name or IP address of the PLC or server
 * @param port TCP port, 1..65535
 * @param connectTimeout longest wait for a connection (including OPC UA session setup); positive
 * @param requestTimeout longest wait for one read or write call; positive
 * @param options protocol-specific options; their {@link ProtocolOptions#protocol()} selects the
 *     implementation
 */
public record PlcConnectionConfig(
    String host,
    int port,
    Duration connectTimeout,
    Duration requestTimeout,
    ProtocolOptions options) {

  /** Validates every field, naming the one that is wrong. */
  public PlcConnectionConfig {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("connection.host must not be blank");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("connection.port must be in 1..65535: " + port);
    }
    requirePositive("connection.connectTimeout", connectTimeout);
    requirePositive("connection.requestTimeout", requestTimeout);
    Objects.requireNonNull(options, "connection.options must not be null");
  }

  /**
   * Builds a config with 2 s connect and 1 s request timeouts.
   *
   * @param host host
   * @param port port
   * @param options protocol options
   * @return the config
   */
  public static PlcConnectionConfig of(String host, int port, ProtocolOptions options) {
    return new PlcConnectionConfig(
        host, port, Duration.ofSeconds(2), Duration.ofSeconds(1), options);
  }

  /**
   * Name of the protocol, from the options.
   *
   * @return e.g. "modbus"
   */
  public String protocol() {
    return options.protocol();
  }

  private static void requirePositive(String field, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(field + " must be positive: " + value);
    }
  }
}
