package org.safeloop.plc.opcua;

import java.time.Clock;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.PlcConnectionProvider;
import org.safeloop.plc.PlcException;

/**
 * The "opcua" protocol: OPC UA over opc.tcp through Eclipse Milo. Opening discovers the server's
 * endpoints, selects the one matching {@link OpcUaOptions}, and connects a session within the
 * connect timeout; a rejected certificate or user fails with {@link
 * PlcException.Reason#ACCESS_DENIED}. Stateless and thread-safe.
 */
public final class OpcUaConnectionProvider implements PlcConnectionProvider {

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public OpcUaConnectionProvider() {}

  @Override
  public String name() {
    return OpcUaAddress.PROTOCOL;
  }

  @Override
  public PlcConnection open(PlcConnectionConfig config) throws PlcException, InterruptedException {
    return OpcUaConnection.open(config, Clock.systemUTC());
  }
}
