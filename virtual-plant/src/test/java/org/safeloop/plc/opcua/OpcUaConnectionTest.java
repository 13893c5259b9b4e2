package org.safeloop.plc.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.Quality;
import org.safeloop.plc.Await;
import org.safeloop.plc.DataType;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.PlcConnections;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.PlcSubscription;
import org.safeloop.plc.Scaling;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagValue;
import org.safeloop.plc.TagWrite;
import org.safeloop.plc.virtualplant.opcua.PlantOpcUaServer;

/** OPC UA connection against a real {@link PlantOpcUaServer} on an ephemeral loopback port. */
class OpcUaConnectionTest {

  private static final long GOOD_LOCAL_OVERRIDE = 0x0096_0000L;
  private static final long BAD = 0x8000_0000L;
  private static final long UNCERTAIN = 0x4000_0000L;
  private static final long BAD_OUT_OF_RANGE = 0x803C_0000L;
  private static final long BAD_NOT_WRITABLE = 0x803B_0000L;
  private static final long BAD_USER_ACCESS_DENIED = 0x801F_0000L;
  private static final long BAD_NO_COMM = 0x8031_0000L;

  @TempDir static Path shared;
  private static PlantOpcUaServer server;

  private PlcConnection connection;

  @BeforeAll
  static void startServer() throws Exception {
    server =
        PlantOpcUaServer.builder(shared.resolve("server-pki")).user("operator", "secret").start();
    server.addVariable("TIC101.SP", DataType.FLOAT64, 330.0);
    server.addVariable("FIC102.SP", DataType.FLOAT32, 1.5f);
    server.addVariable(1001, "LIC103.Mode", DataType.INT32, 2);
    server.addVariable("P104.Run", DataType.BOOLEAN, false);
    server.addVariable("Batch.Name", DataType.STRING, "B-001");
    server.addVariable("AI105.Raw", DataType.INT16, 0);
    server.addVariable("AI106.Raw", DataType.UINT16, 0);
    server.addVariable(1007, "Counter107", DataType.UINT32, 0);
    server.addVariable("TI108.PV", DataType.FLOAT64, 25.0);
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void connect() throws Exception {
    connection = PlcConnections.open(config(server.port(), OpcUaOptions.insecure("/safeloop")));
  }

  @AfterEach
  void disconnect() {
    connection.close();
  }

  private static PlcConnectionConfig config(int port, OpcUaOptions options) {
    return new PlcConnectionConfig(
        "127.0.0.1", port, Duration.ofSeconds(5), Duration.ofSeconds(2), options);
  }

  private static Tag tag(String name, DataType type) {
    return Tag.of(name, "", OpcUaAddress.string(server.namespaceUri(), name), type);
  }

  @Test
  void doubleFloatInt32BooleanAndStringNodesRoundTrip() throws Exception {
    Tag setpoint = tag("TIC101.SP", DataType.FLOAT64);
    Tag flow = tag("FIC102.SP", DataType.FLOAT32);
    Tag mode =
        Tag.of("Mode", "", OpcUaAddress.numeric(server.namespaceUri(), 1001), DataType.INT32);
    Tag run = tag("P104.Run", DataType.BOOLEAN);
    Tag batch = tag("Batch.Name", DataType.STRING);

    connection.write(
        List.of(
            TagWrite.of(setpoint, 331.25),
            TagWrite.of(flow, 2.5),
            TagWrite.of(mode, -7),
            TagWrite.of(run, true),
            TagWrite.text(batch, "B-002")));

    assertEquals(331.25, server.value(setpoint.address() instanceof OpcUaAddress a ? a : null));
    assertInstanceOf(Float.class, server.value((OpcUaAddress) flow.address()));
    assertEquals(-7, server.value((OpcUaAddress) mode.address()));
    assertEquals(true, server.value((OpcUaAddress) run.address()));
    assertEquals("B-002", server.value((OpcUaAddress) batch.address()));
    Map<String, TagValue> values = connection.read(List.of(setpoint, flow, mode, run, batch));
    assertEquals(331.25, values.get("TIC101.SP").value());
    assertEquals(2.5, values.get("FIC102.SP").value());
    assertEquals(-7.0, values.get("Mode").value());
    assertEquals(1.0, values.get("P104.Run").value());
    assertEquals("B-002", values.get("Batch.Name").text().orElseThrow());
    values.values().forEach(v -> assertEquals(Quality.GOOD, v.quality(), v.tag()));
  }

  @Test
  void writesUseTheNodesExactDataTypeWhateverTheTagDeclares() throws Exception {
    // Declared FLOAT64, but the node is Float: a Double would fail with Bad_TypeMismatch.
    Tag flow = tag("FIC102.SP", DataType.FLOAT64);
    Tag signed = tag("AI105.Raw", DataType.FLOAT64);
    Tag unsigned = tag("AI106.Raw", DataType.FLOAT64);
    Tag counter =
        Tag.of(
            "Counter107", "", OpcUaAddress.numeric(server.namespaceUri(), 1007), DataType.UINT32);

    connection.write(
        List.of(
            TagWrite.of(flow, 3.25),
            TagWrite.of(signed, -12.4),
            TagWrite.of(unsigned, 65535),
            TagWrite.of(counter, 4_000_000_000.0)));

    assertEquals(3.25f, server.value((OpcUaAddress) flow.address()));
    assertEquals((short) -12, server.value((OpcUaAddress) signed.address()));
    assertEquals(65535, server.value((OpcUaAddress) unsigned.address()));
    assertEquals(4_000_000_000L, server.value((OpcUaAddress) counter.address()));
    IllegalArgumentException tooBig =
        assertThrows(
            IllegalArgumentException.class,
            () -> connection.write(List.of(TagWrite.of(unsigned, 70000))));
    assertTrue(tooBig.getMessage().contains("AI106.Raw"), tooBig.getMessage());
  }

  @Test
  void scalingAppliesBothWaysOnOpcUaToo() throws Exception {
    Tag raw = tag("AI105.Raw", DataType.INT16).withScaling(Scaling.ofRange(0, 27648, 0, 150));
    connection.write(List.of(TagWrite.of(raw, 75.0)));
    assertEquals((short) 13824, server.value((OpcUaAddress) raw.address()));
    assertEquals(75.0, connection.read(List.of(raw)).get("AI105.Raw").value(), 1e-9);
  }

  @Test
  void statusSeverityMapsToQualityAndKeepsTheRawStatus() throws Exception {
    OpcUaAddress node = server.addVariable("TI200.PV", DataType.FLOAT64, 20.0);
    Tag tag = Tag.of("TI200.PV", "degC", node, DataType.FLOAT64);
    try {
      server.setStatus(node, BAD);
      TagValue bad = connection.read(List.of(tag)).get("TI200.PV");
      assertEquals(Quality.BAD, bad.quality());
      assertEquals(BAD, bad.statusCode());

      server.setStatus(node, UNCERTAIN);
      assertEquals(Quality.UNCERTAIN, connection.read(List.of(tag)).get("TI200.PV").quality());

      server.setValue(node, 21.5, GOOD_LOCAL_OVERRIDE);
      TagValue overridden = connection.read(List.of(tag)).get("TI200.PV");
      assertEquals(Quality.GOOD, overridden.quality());
      assertEquals(GOOD_LOCAL_OVERRIDE, overridden.statusCode());
      assertTrue(overridden.isLocalOverride());
      assertEquals(21.5, overridden.value());

      server.setValue(node, 22.0);
      TagValue good = connection.read(List.of(tag)).get("TI200.PV");
      assertEquals(0, good.statusCode());
      assertFalse(good.isLocalOverride());
    } finally {
      server.setValue(node, 20.0);
    }
  }

  @Test
  void valuesCarryTheServersSourceTimestamp() throws Exception {
    Tag tag = tag("TI108.PV", DataType.FLOAT64);
    Instant before = Instant.now().minusMillis(5);
    server.setValue((OpcUaAddress) tag.address(), 26.0);
    Instant after = Instant.now().plusMillis(5);
    Instant stamped = connection.read(List.of(tag)).get("TI108.PV").sourceTime();
    assertTrue(!stamped.isBefore(before) && !stamped.isAfter(after), stamped.toString());
  }

  @Test
  void anUnknownNamespaceOrNodeIsReportedForTheTag() throws Exception {
    Tag elsewhere = Tag.of("X", "", OpcUaAddress.parse("nsu=urn:nowhere;s=X"), DataType.FLOAT64);
    PlcException namespace =
        assertThrows(PlcException.class, () -> connection.read(List.of(elsewhere)));
    assertEquals(PlcException.Reason.NOT_FOUND, namespace.reason());
    assertTrue(namespace.getMessage().contains("urn:nowhere"), namespace.getMessage());

    Tag missing = tag("Missing.PV", DataType.FLOAT64);
    TagValue read = connection.read(List.of(missing)).get("Missing.PV");
    assertEquals(Quality.BAD, read.quality());
    assertEquals(0x8034_0000L, read.statusCode(), "Bad_NodeIdUnknown");
    PlcException write =
        assertThrows(
            PlcException.class, () -> connection.write(List.of(TagWrite.of(missing, 1.0))));
    assertEquals(PlcException.Reason.NOT_FOUND, write.reason());
    assertTrue(write.getMessage().contains("Missing.PV"), write.getMessage());
  }

  @Test
  void textForANumericNodeIsATypeMismatch() {
    Tag setpoint = tag("TIC101.SP", DataType.FLOAT64);
    IllegalArgumentException declared =
        assertThrows(
            IllegalArgumentException.class,
            () -> connection.write(List.of(TagWrite.text(setpoint, "hot"))));
    assertTrue(declared.getMessage().contains("type mismatch"), declared.getMessage());

    Tag wronglyDeclared = tag("TIC101.SP", DataType.STRING);
    IllegalArgumentException actual =
        assertThrows(
            IllegalArgumentException.class,
            () -> connection.write(List.of(TagWrite.text(wronglyDeclared, "hot"))));
    assertTrue(actual.getMessage().contains("Double"), actual.getMessage());
  }

  @Test
  void thePlantCountsWritesAndCanVetoThem() throws Exception {
    OpcUaAddress node = server.addVariable("PIC300.SP", DataType.FLOAT64, 1.0);
    Tag tag = Tag.of("PIC300.SP", "bar", node, DataType.FLOAT64);
    connection.write(List.of(TagWrite.of(tag, 2.0)));
    connection.write(List.of(TagWrite.of(tag, 3.0)));
    assertEquals(2, server.writeCount(node));

    server.onWrite(
        node, value -> ((Double) value) > 5.0 ? BAD_OUT_OF_RANGE : PlantOpcUaServer.GOOD);
    PlcException refused =
        assertThrows(PlcException.class, () -> connection.write(List.of(TagWrite.of(tag, 9.0))));
    assertEquals(PlcException.Reason.DEVICE_REJECTED, refused.reason());
    assertEquals(BAD_OUT_OF_RANGE, refused.code());
    assertTrue(refused.getMessage().contains("PIC300.SP"), refused.getMessage());
    assertEquals(3.0, server.value(node));
    assertEquals(2, server.writeCount(node));
  }

  @Test
  void aWriteToAReadOnlyNodeIsARefusalNotACommunicationFailure() throws Exception {
    // Every server's own ServerCapabilities are read-only: MaxBrowseContinuationPoints, UInt16.
    Tag readOnly =
        Tag.of(
            "MaxBrowseContinuationPoints",
            "",
            OpcUaAddress.numeric("http://opcfoundation.org/UA/", 2735),
            DataType.UINT16);

    PlcException refused =
        assertThrows(PlcException.class, () -> connection.write(List.of(TagWrite.of(readOnly, 3))));

    assertTrue(refused.refused(), refused.toString());
    // Milo checks the session user's access level (read only) before the node's own.
    assertEquals(BAD_USER_ACCESS_DENIED, refused.code(), refused.toString());
    assertTrue(refused.getMessage().contains("Bad_UserAccessDenied"), refused.getMessage());
    assertTrue(refused.getMessage().contains("MaxBrowseContinuationPoints"), refused.getMessage());
    assertTrue(connection.isConnected(), "the link is fine");
  }

  @Test
  void writesThePlcVetoesAreRefusalsButAGatewayThatCannotReachItsDeviceIsNot() throws Exception {
    OpcUaAddress node = server.addVariable("TIC500.SP", DataType.FLOAT64, 300.0);
    Tag tag = Tag.of("TIC500.SP", "K", node, DataType.FLOAT64);
    server.onWrite(
        node,
        value -> {
          double v = (Double) value;
          return v > 310 ? BAD_OUT_OF_RANGE : v == 42 ? BAD_NOT_WRITABLE : BAD_NO_COMM;
        });

    PlcException outOfRange =
        assertThrows(PlcException.class, () -> connection.write(List.of(TagWrite.of(tag, 400.0))));
    assertTrue(outOfRange.refused(), outOfRange.toString());
    assertEquals(BAD_OUT_OF_RANGE, outOfRange.code());
    assertTrue(outOfRange.getMessage().contains("TIC500.SP"), outOfRange.getMessage());
    PlcException notWritable =
        assertThrows(PlcException.class, () -> connection.write(List.of(TagWrite.of(tag, 42.0))));
    assertTrue(notWritable.refused(), notWritable.toString());
    assertEquals(BAD_NOT_WRITABLE, notWritable.code());
    PlcException unreachable =
        assertThrows(PlcException.class, () -> connection.write(List.of(TagWrite.of(tag, 305.0))));
    assertFalse(unreachable.refused(), unreachable.toString());
    assertEquals(BAD_NO_COMM, unreachable.code());
    assertEquals(PlcException.Reason.CONNECTION, unreachable.reason());

    Tag other = tag("TI108.PV", DataType.FLOAT64);
    PlcException mixed =
        assertThrows(
            PlcException.class,
            () -> connection.write(List.of(TagWrite.of(tag, 400.0), TagWrite.of(other, 1.0))));
    assertTrue(mixed.refused(), "a good item does not hide the refusal: " + mixed);
    assertEquals(300.0, server.value(node), "no vetoed write reached the node");
  }

  @Test
  void aNodeTypeTheBridgeCannotWriteAndAnUnknownNodeAreRefusals() throws Exception {
    // ServerStatus.State is a ServerState enumeration: the bridge does not write enumerations.
    Tag clock =
        Tag.of(
            "State",
            "",
            OpcUaAddress.numeric("http://opcfoundation.org/UA/", 2259),
            DataType.FLOAT64);
    PlcException type =
        assertThrows(PlcException.class, () -> connection.write(List.of(TagWrite.of(clock, 1))));
    assertEquals(PlcException.Reason.TYPE_MISMATCH, type.reason(), type.toString());
    assertTrue(type.refused(), type.toString());

    Tag missing = tag("Missing.SP", DataType.FLOAT64);
    PlcException unknown =
        assertThrows(PlcException.class, () -> connection.write(List.of(TagWrite.of(missing, 1))));
    assertTrue(unknown.refused(), unknown.toString());
    Tag elsewhere = Tag.of("X", "", OpcUaAddress.parse("nsu=urn:nowhere;s=X"), DataType.FLOAT64);
    PlcException namespace =
        assertThrows(
            PlcException.class, () -> connection.write(List.of(TagWrite.of(elsewhere, 1))));
    assertTrue(namespace.refused(), namespace.toString());
  }

  @Test
  void aWriteToAServerThatStoppedIsACommunicationFailure(@TempDir Path pki) throws Exception {
    PlantOpcUaServer own = PlantOpcUaServer.builder(pki).start();
    try {
      OpcUaAddress node = own.addVariable("FIC600.SP", DataType.FLOAT64, 1.0);
      Tag tag = Tag.of("FIC600.SP", "m3/h", node, DataType.FLOAT64);
      try (PlcConnection client =
          PlcConnections.open(config(own.port(), OpcUaOptions.insecure("/safeloop")))) {
        client.write(List.of(TagWrite.of(tag, 2.0)));

        own.close();
        PlcException lost =
            assertThrows(PlcException.class, () -> client.write(List.of(TagWrite.of(tag, 3.0))));

        assertFalse(lost.refused(), lost.toString());
      }
    } finally {
      own.close();
    }
  }

  @Test
  void aSubscriptionDeliversChanges() throws Exception {
    OpcUaAddress node = server.addVariable("FT400.PV", DataType.FLOAT64, 1.0);
    Tag tag = Tag.of("FT400.PV", "m3/h", node, DataType.FLOAT64);
    BlockingQueue<TagValue> received = new LinkedBlockingQueue<>();
    try (PlcSubscription subscription =
        connection.subscribe(List.of(tag), Duration.ofMillis(50), received::add)) {
      assertEquals(1.0, next(received, v -> true).value());
      server.setValue(node, 2.0);
      assertNotNull(next(received, v -> v.value() == 2.0));
      server.setStatus(node, GOOD_LOCAL_OVERRIDE);
      assertTrue(next(received, v -> v.statusCode() == GOOD_LOCAL_OVERRIDE).isLocalOverride());
    }
  }

  private static TagValue next(BlockingQueue<TagValue> queue, Predicate<TagValue> wanted)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      TagValue value = queue.poll(100, TimeUnit.MILLISECONDS);
      if (value != null && wanted.test(value)) {
        return value;
      }
    }
    throw new AssertionError("no matching value within 20 s");
  }

  @Test
  void aSubscriptionComesBackAfterTheServerRestarts(@TempDir Path pki) throws Exception {
    PlantOpcUaServer first = PlantOpcUaServer.builder(pki).start();
    int port = first.port();
    OpcUaAddress node = first.addVariable("LT500.PV", DataType.FLOAT64, 1.0);
    Tag tag = Tag.of("LT500.PV", "m", node, DataType.FLOAT64);
    BlockingQueue<TagValue> received = new LinkedBlockingQueue<>();
    PlantOpcUaServer second = null;
    try (PlcConnection client =
            PlcConnections.open(config(port, OpcUaOptions.insecure("/safeloop")));
        PlcSubscription subscription =
            client.subscribe(List.of(tag), Duration.ofMillis(50), received::add)) {
      assertEquals(1.0, next(received, v -> true).value());

      first.close();
      assertEquals(Quality.BAD, next(received, v -> v.quality() == Quality.BAD).quality());
      PlcException down = assertThrows(PlcException.class, () -> client.read(List.of(tag)));
      assertEquals(PlcException.Reason.CONNECTION, down.reason());

      second = PlantOpcUaServer.builder(pki).port(port).start();
      second.addVariable(0, "Spacer", DataType.INT32, 0);
      OpcUaAddress again = second.addVariable("LT500.PV", DataType.FLOAT64, 7.0);
      assertEquals(node, again);
      TagValue back = next(received, v -> v.value() == 7.0);
      assertEquals(Quality.GOOD, back.quality());
      second.setValue(again, 8.0);
      assertNotNull(next(received, v -> v.value() == 8.0));
      assertTrue(client.isConnected());
    } finally {
      first.close();
      if (second != null) {
        second.close();
      }
    }
  }

  @Test
  void usernameAuthenticationAcceptsTheRightPasswordAndRejectsAWrongOne() throws Exception {
    Tag tag = tag("TI108.PV", DataType.FLOAT64);
    try (PlcConnection operator =
        PlcConnections.open(
            config(
                server.port(),
                OpcUaOptions.insecure("/safeloop").withUser("operator", "secret")))) {
      assertEquals(Quality.GOOD, operator.read(List.of(tag)).get("TI108.PV").quality());
    }
    PlcException rejected =
        assertThrows(
            PlcException.class,
            () ->
                PlcConnections.open(
                    config(
                        server.port(),
                        OpcUaOptions.insecure("/safeloop").withUser("operator", "guess"))));
    assertEquals(PlcException.Reason.ACCESS_DENIED, rejected.reason(), rejected.toString());
  }

  @Test
  void signAndEncryptNeedsTheServerToTrustTheClientCertificate(@TempDir Path clientPki)
      throws Exception {
    Pki.trust(clientPki, server.certificate()); // the client trusts the plant server
    OpcUaOptions secure =
        OpcUaOptions.secure(OpcUaOptions.SecurityMode.SIGN_AND_ENCRYPT, clientPki, "/safeloop");

    PlcException untrusted =
        assertThrows(PlcException.class, () -> PlcConnections.open(config(server.port(), secure)));
    assertEquals(PlcException.Reason.ACCESS_DENIED, untrusted.reason(), untrusted.toString());

    Path clientCertificate = clientPki.resolve("own").resolve("client.der");
    Files.copy(clientCertificate, server.trustedCertificatesDirectory().resolve("bridge.der"));
    Tag tag = tag("TI108.PV", DataType.FLOAT64);
    PlcConnection[] trusted = new PlcConnection[1];
    Await.until(
        "the server to pick up the trusted certificate",
        Duration.ofSeconds(15),
        () -> {
          try {
            trusted[0] = PlcConnections.open(config(server.port(), secure));
            return true;
          } catch (PlcException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        });
    try (PlcConnection connected = trusted[0]) {
      assertEquals(Quality.GOOD, connected.read(List.of(tag)).get("TI108.PV").quality());
    }
    OpcUaOptions signOnly =
        OpcUaOptions.secure(OpcUaOptions.SecurityMode.SIGN, clientPki, "/safeloop")
            .withUser("operator", "secret");
    try (PlcConnection signed = PlcConnections.open(config(server.port(), signOnly))) {
      assertEquals(Quality.GOOD, signed.read(List.of(tag)).get("TI108.PV").quality());
    }
  }

  @Test
  void theClientRefusesAServerCertificateItDoesNotTrust(@TempDir Path clientPki) {
    OpcUaOptions secure =
        OpcUaOptions.secure(OpcUaOptions.SecurityMode.SIGN_AND_ENCRYPT, clientPki, "/safeloop");
    PlcException refused =
        assertThrows(PlcException.class, () -> PlcConnections.open(config(server.port(), secure)));
    assertEquals(PlcException.Reason.ACCESS_DENIED, refused.reason(), refused.toString());
  }

  @Test
  void aServerThatIsNotThereIsAConnectionFailureWithinTheConnectTimeout() throws Exception {
    int port;
    try (java.net.ServerSocket probe =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      port = probe.getLocalPort();
    }
    long start = System.nanoTime();
    PlcException refused =
        assertThrows(
            PlcException.class,
            () -> PlcConnections.open(config(port, OpcUaOptions.insecure("/safeloop"))));
    assertEquals(PlcException.Reason.CONNECTION, refused.reason(), refused.toString());
    assertTrue(
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 6000, "bounded by the timeout");
  }
}
