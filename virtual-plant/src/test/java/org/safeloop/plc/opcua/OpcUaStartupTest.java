package org.safeloop.plc.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.plc.Await;
import org.safeloop.plc.DataType;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.PlcConnections;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.Tag;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.plc.virtualplant.opcua.PlantOpcUaServer;

/**
 * Opening an OPC UA connection: the first connection is retried within the start-up time, and the
 * plant file's nodes are checked before anything runs.
 */
class OpcUaStartupTest {

  @TempDir Path dir;

  static PlcConnectionConfig config(int port, Duration connect, Duration startup) {
    return new PlcConnectionConfig(
            "127.0.0.1",
            port,
            connect,
            Duration.ofSeconds(2),
            OpcUaOptions.insecure(PlantOpcUaServer.PATH))
        .withStartupTimeout(startup);
  }

  static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return probe.getLocalPort();
    }
  }

  // ---- start-up retries -------------------------------------------------------------------

  @Test
  void aServerThatComesUpAfterTheFirstAttemptIsReachedWithinTheStartupTime() throws Exception {
    int port = freePort();
    AtomicInteger accepted = new AtomicInteger();
    // Until the server is up, the port accepts and never answers: "no answer within PT1S".
    ServerSocket silent = new ServerSocket();
    silent.setReuseAddress(true);
    silent.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
    Thread acceptor =
        new Thread(
            () -> {
              try {
                while (true) {
                  Socket s = silent.accept();
                  accepted.incrementAndGet();
                  s.setSoLinger(true, 0);
                }
              } catch (IOException closed) {
                // the test closed the socket
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
    CompletableFuture<PlcConnection> opening =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return PlcConnections.open(
                    config(port, Duration.ofSeconds(1), Duration.ofSeconds(20)));
              } catch (PlcException e) {
                throw new IllegalStateException(e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
              }
            });
    Await.until("the client's first attempt", Duration.ofSeconds(10), () -> accepted.get() >= 1);
    silent.close();
    acceptor.join(2000);
    try (PlantOpcUaServer server = PlantOpcUaServer.builder(dir.resolve("pki")).port(port).start();
        PlcConnection connection = opening.get(20, TimeUnit.SECONDS)) {
      OpcUaAddress address = server.addVariable("TI101.PV", DataType.FLOAT64, 21.5);
      Tag tag = Tag.of("TI101.PV", "degC", address, DataType.FLOAT64);
      assertEquals(21.5, connection.read(List.of(tag)).get("TI101.PV").value());
    }
  }

  @Test
  void aServerThatNeverComesFailsWithinTheStartupTimeSayingSo() throws Exception {
    int port = freePort();
    long start = System.nanoTime();
    PlcException e =
        assertThrows(
            PlcException.class,
            () ->
                PlcConnections.open(config(port, Duration.ofMillis(500), Duration.ofMillis(2500))));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(millis >= 2000 && millis < 4500, "gave up after " + millis + " ms");
    assertEquals(PlcException.Reason.CONNECTION, e.reason(), e.toString());
    assertTrue(
        e.getMessage().contains("no connection within the start-up time of 2500 ms"),
        e.getMessage());
    assertTrue(e.getMessage().contains("attempts"), e.getMessage());
  }

  @Test
  void aRefusalIsNotRetried(@TempDir Path clientPki) throws Exception {
    try (PlantOpcUaServer server = PlantOpcUaServer.builder(dir.resolve("pki")).start()) {
      OpcUaOptions untrusting =
          OpcUaOptions.secure(
              OpcUaOptions.SecurityMode.SIGN_AND_ENCRYPT, clientPki, PlantOpcUaServer.PATH);
      long start = System.nanoTime();
      PlcException e =
          assertThrows(
              PlcException.class,
              () ->
                  PlcConnections.open(
                      new PlcConnectionConfig(
                              "127.0.0.1",
                              server.port(),
                              Duration.ofSeconds(5),
                              Duration.ofSeconds(2),
                              untrusting)
                          .withStartupTimeout(Duration.ofSeconds(60))));
      assertEquals(PlcException.Reason.ACCESS_DENIED, e.reason(), e.toString());
      assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 10);
    }
  }

  // ---- the plant file's nodes -------------------------------------------------------------

  static final String PLANT =
      """
      name: third-party
      connection: {protocol: opcua, host: 127.0.0.1, port: %d, endpoint_path: /safeloop,
        connect_timeout_ms: 5000, request_timeout_ms: 2000, startup_timeout_ms: 5000}
      observations:
        Ca: {address: "nsu=%2$s;s=Ca.PV", type: float64, unit: mol/m3}
        T: {address: "nsu=%2$s;s=T.PV", type: float64, unit: K}
        Ca_setpoint: {address: "nsu=%3$s;s=Ca_setpoint.PV", type: float64, unit: mol/m3}
      actions:
        Tc: {address: "nsu=%2$s;s=Tc.RemoteSP", type: float64, unit: K}
      operator_mode: {address: "nsu=%2$s;s=Loop.Mode", type: int32, remote_value: 1}
      advisory:
        reason: {address: "nsu=%2$s;s=Advisory.Reason", type: string}
      heartbeat: {address: "nsu=%2$s;s=Agent.Heartbeat", type: uint16}
      """;

  PlcException refusedPlant(PlantOpcUaServer server, String setpointNamespace) throws Exception {
    java.nio.file.Files.writeString(
        dir.resolve("plant.yaml"),
        PLANT.formatted(server.port(), server.namespaceUri(), setpointNamespace));
    PlantFile plant = PlantFile.load(dir.resolve("plant.yaml"));
    return assertThrows(PlcException.class, () -> PlcConnections.open(plant.connection()));
  }

  PlantOpcUaServer serverWithout(String missing) throws Exception {
    PlantOpcUaServer server = PlantOpcUaServer.builder(dir.resolve("pki")).start();
    for (String id : List.of("Ca.PV", "T.PV", "Ca_setpoint.PV", "Tc.RemoteSP")) {
      if (!id.equals(missing)) {
        server.addVariable(id, DataType.FLOAT64, 1.0);
      }
    }
    server.addVariable("Loop.Mode", DataType.INT32, 1);
    server.addVariable("Agent.Heartbeat", DataType.UINT16, 0);
    if (!"Advisory.Reason".equals(missing)) {
      server.addVariable("Advisory.Reason", DataType.STRING, "");
    }
    return server;
  }

  @Test
  void aNodeMissingFromTheServerRefusesTheStartNamingTheTagAndTheNode() throws Exception {
    try (PlantOpcUaServer server = serverWithout("T.PV")) {
      PlcException e = refusedPlant(server, server.namespaceUri());
      assertEquals(PlcException.Reason.NOT_FOUND, e.reason(), e.toString());
      assertTrue(
          e.getMessage().contains("tag T (nsu=" + server.namespaceUri() + ";s=T.PV)"),
          e.getMessage());
      assertTrue(e.getMessage().contains("no such node"), e.getMessage());
      assertTrue(e.getMessage().contains("Bad_NodeIdUnknown"), e.getMessage());
      assertFalse(e.getMessage().contains("tag Ca "), "only the missing tag is named");
    }
  }

  @Test
  void anUnknownNamespaceRefusesTheStartNamingTheTagAndTheNamespace() throws Exception {
    try (PlantOpcUaServer server = serverWithout("")) {
      PlcException e = refusedPlant(server, "urn:other:plant");
      assertEquals(PlcException.Reason.NOT_FOUND, e.reason(), e.toString());
      assertTrue(e.getMessage().contains("tag Ca_setpoint"), e.getMessage());
      assertTrue(e.getMessage().contains("has no namespace urn:other:plant"), e.getMessage());
    }
  }

  @Test
  void aNodeOfTheWrongDataTypeRefusesTheStart() throws Exception {
    try (PlantOpcUaServer server = serverWithout("Advisory.Reason")) {
      server.addVariable("Advisory.Reason", DataType.UINT16, 0);
      PlcException e = refusedPlant(server, server.namespaceUri());
      assertEquals(PlcException.Reason.TYPE_MISMATCH, e.reason(), e.toString());
      assertTrue(e.getMessage().contains("tag advisory.reason"), e.getMessage());
      assertTrue(e.getMessage().contains("says string, but the node holds UInt16"), e.getMessage());
    }
  }

  @Test
  void aPlantFileThatFitsTheServerOpens() throws Exception {
    try (PlantOpcUaServer server = serverWithout("")) {
      java.nio.file.Files.writeString(
          dir.resolve("plant.yaml"),
          PLANT.formatted(server.port(), server.namespaceUri(), server.namespaceUri()));
      PlantFile plant = PlantFile.load(dir.resolve("plant.yaml"));
      assertEquals(7, plant.connection().requiredTags().size());
      try (PlcConnection connection = PlcConnections.open(plant.connection())) {
        assertTrue(connection.isConnected());
      }
    }
  }
}
