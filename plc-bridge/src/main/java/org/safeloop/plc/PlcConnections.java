package org.safeloop.plc;

import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** Finds PLC protocols by name and opens connections to them. Stateless and thread-safe. */
public final class PlcConnections {

  private PlcConnections() {}

  /**
   * Opens a connection with the provider whose name matches the config's protocol.
   *
   * @param config the connection config
   * @return the open connection
   * @throws PlcException if the connection cannot be established
   * @throws InterruptedException if interrupted while connecting
   * @throws IllegalArgumentException if no provider has that protocol name
   */
  public static PlcConnection open(PlcConnectionConfig config)
      throws PlcException, InterruptedException {
    return provider(config.protocol()).open(config);
  }

  /**
   * The provider with the given name.
   *
   * @param name protocol name, e.g. "modbus"
   * @return the provider
   * @throws IllegalArgumentException if no provider on the class path has that name
   */
  public static PlcConnectionProvider provider(String name) {
    for (PlcConnectionProvider provider : ServiceLoader.load(PlcConnectionProvider.class)) {
      if (provider.name().equals(name)) {
        return provider;
      }
    }
    throw new IllegalArgumentException(
        "no PLC protocol named '" + name + "'; available: " + names());
  }

  /**
   * Names of all protocols on the class path.
   *
   * @return the names, sorted
   */
  public static List<String> names() {
    return ServiceLoader.load(PlcConnectionProvider.class).stream()
        .map(p -> p.get().name())
        .sorted()
        .collect(Collectors.toList());
  }
}
