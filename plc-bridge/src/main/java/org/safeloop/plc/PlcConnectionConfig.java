package org.safeloop.plc;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * How to reach one PLC: host, port, timeouts, protocol options, and the tags the connection is to
 * serve. Maps one-to-one onto the connection section of a plant file (with the plant file's tag
 * map). Immutable and thread-safe.
 *
 * @param host host name or IP address of the PLC or server
 * @param port TCP port, 1..65535
 * @param connectTimeout longest wait for one connection attempt (including OPC UA session setup);
 *     positive
 * @param requestTimeout longest wait for one read or write call; positive
 * @param options protocol-specific options; their {@link ProtocolOptions#protocol()} selects the
 *     implementation
 * @param startupTimeout how long opening keeps trying, with back-off, to make the first connection
 *     while the device does not answer (a PLC or server still starting); a refusal (untrusted
 *     certificate, rejected user, no matching endpoint) fails at once; at least {@code
 *     connectTimeout}. Protocols that connect lazily (Modbus) ignore it
 * @param requiredTags the tags the connection is to serve (a plant file's whole tag map): a
 *     protocol that can (OPC UA) checks at opening that each exists on the device with a type the
 *     tag can carry, readable, and writable unless the tag is {@link Tag#readOnly()}, and refuses
 *     to open otherwise, naming the tag and its address; empty to check nothing
 */
public record PlcConnectionConfig(
    String host,
    int port,
    Duration connectTimeout,
    Duration requestTimeout,
    ProtocolOptions options,
    Duration startupTimeout,
    List<Tag> requiredTags) {

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
    startupTimeout = startupTimeout == null ? connectTimeout : startupTimeout;
    if (startupTimeout.compareTo(connectTimeout) < 0) {
      throw new IllegalArgumentException(
          "connection.startupTimeout "
              + startupTimeout
              + " must be at least the connect timeout "
              + connectTimeout);
    }
    requiredTags = requiredTags == null ? List.of() : List.copyOf(requiredTags);
  }

  /**
   * A config that tries to connect once, within the connect timeout, and checks no tags.
   *
   * @param host host
   * @param port port
   * @param connectTimeout longest wait for the connection
   * @param requestTimeout longest wait for one call
   * @param options protocol options
   */
  public PlcConnectionConfig(
      String host,
      int port,
      Duration connectTimeout,
      Duration requestTimeout,
      ProtocolOptions options) {
    this(host, port, connectTimeout, requestTimeout, options, connectTimeout, List.of());
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
   * Returns a copy that keeps trying to make the first connection for up to {@code timeout}.
   *
   * @param timeout the start-up time, at least the connect timeout
   * @return the new config
   */
  public PlcConnectionConfig withStartupTimeout(Duration timeout) {
    requirePositive("connection.startupTimeout", timeout);
    return new PlcConnectionConfig(
        host, port, connectTimeout, requestTimeout, options, timeout, requiredTags);
  }

  /**
   * Returns a copy whose opening checks these tags on the device.
   *
   * @param tags the tags to check
   * @return the new config
   */
  public PlcConnectionConfig withRequiredTags(Collection<Tag> tags) {
    return new PlcConnectionConfig(
        host, port, connectTimeout, requestTimeout, options, startupTimeout, List.copyOf(tags));
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
