package org.safeloop.plc.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.safeloop.plc.DataType;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.PlcConnections;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagWrite;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.plc.virtualplant.opcua.PlantOpcUaServer;

/** The bridge reaches servers that offer only one of the newer RSA security policies. */
class OpcUaSecurityPoliciesTest {

  @TempDir Path dir;

  /** A server with only {@code policy}; client and server trust each other's certificates. */
  PlantOpcUaServer serverOnly(OpcUaOptions.SecurityPolicy policy, Path clientPki) throws Exception {
    Path serverPki = dir.resolve("server-pki");
    Pki.Identity client =
        Pki.loadOrCreate(clientPki, "client", OpcUaOptions.DEFAULT_APPLICATION_URI);
    Pki.trust(serverPki, client.certificate());
    PlantOpcUaServer server = PlantOpcUaServer.builder(serverPki).securityPolicies(policy).start();
    Pki.trust(clientPki, server.certificate());
    return server;
  }

  static PlcConnectionConfig config(int port, OpcUaOptions options) {
    return new PlcConnectionConfig(
        "127.0.0.1", port, Duration.ofSeconds(5), Duration.ofSeconds(2), options);
  }

  @ParameterizedTest
  @EnumSource(
      value = OpcUaOptions.SecurityPolicy.class,
      names = {"AES128_SHA256_RSAOAEP", "AES256_SHA256_RSAPSS"})
  void aServerOfferingOnlyThisPolicyIsReachedSignedAndEncrypted(OpcUaOptions.SecurityPolicy policy)
      throws Exception {
    Path clientPki = dir.resolve("client-pki");
    try (PlantOpcUaServer server = serverOnly(policy, clientPki)) {
      OpcUaAddress address = server.addVariable("TIC101.SP", DataType.FLOAT64, 330.0);
      Tag tag = Tag.of("TIC101.SP", "K", address, DataType.FLOAT64);
      for (OpcUaOptions.SecurityMode mode :
          List.of(OpcUaOptions.SecurityMode.SIGN, OpcUaOptions.SecurityMode.SIGN_AND_ENCRYPT)) {
        try (PlcConnection connection =
            PlcConnections.open(
                config(
                    server.port(),
                    OpcUaOptions.secure(policy, mode, clientPki, PlantOpcUaServer.PATH)))) {
          connection.write(List.of(TagWrite.of(tag, 331.5)));
          assertEquals(331.5, connection.read(List.of(tag)).get("TIC101.SP").value());
        }
      }
      // Basic256Sha256 is not offered: the bridge says what the server offers instead.
      PlcException e =
          assertThrows(
              PlcException.class,
              () ->
                  PlcConnections.open(
                      config(
                          server.port(),
                          OpcUaOptions.secure(
                              OpcUaOptions.SecurityMode.SIGN_AND_ENCRYPT,
                              clientPki,
                              PlantOpcUaServer.PATH))));
      assertTrue(e.getMessage().contains(policy.uri()), e.getMessage());
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = OpcUaOptions.SecurityPolicy.class,
      names = {"AES128_SHA256_RSAOAEP", "AES256_SHA256_RSAPSS"})
  void aPlantFileNamesThePolicy(OpcUaOptions.SecurityPolicy policy) {
    PlantFile plant =
        PlantFile.parse(
            """
            name: r101
            connection: {protocol: opcua, host: 127.0.0.1, port: 4840,
              security_policy: %s, security_mode: sign, pki_directory: pki}
            observations:
              T: {address: "nsu=urn:r101;s=T.PV", type: float64, unit: K}
            actions:
              Tc: {address: "nsu=urn:r101;s=Tc.RemoteSP", type: float64, unit: K}
            operator_mode: {address: "nsu=urn:r101;s=Loop.Mode", type: int32}
            """
                .formatted(policy.label()),
            "r101.yaml");
    OpcUaOptions options = (OpcUaOptions) plant.connection().options();
    assertEquals(policy, options.securityPolicy());
    assertEquals(OpcUaOptions.SecurityMode.SIGN, options.securityMode());
    assertTrue(plant.closedLoopTransportAllowed());
  }
}
