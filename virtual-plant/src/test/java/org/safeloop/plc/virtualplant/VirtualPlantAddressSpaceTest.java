package org.safeloop.plc.virtualplant;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ghgande.j2mod.modbus.ModbusSlaveException;
import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UShort;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseDirection;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseResultMask;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseResult;
import org.eclipse.milo.opcua.stack.core.types.structured.EUInformation;
import org.eclipse.milo.opcua.stack.core.types.structured.Range;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;
import org.eclipse.milo.opcua.stack.core.types.structured.ReferenceDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.MutableClock;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnections;
import org.safeloop.plc.TagWrite;
import org.safeloop.plc.virtualplant.PlantLayout.PlantTag;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;

/**
 * The virtual plant as an HMI engineer browses it: a Milo client reads the attributes and
 * properties of every node, and a j2mod master writes a register the plant does not have.
 */
class VirtualPlantAddressSpaceTest {

  static final Scenario SCENARIO = Scenarios.load("cstr-constrained");

  @TempDir Path pki;
  final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T08:00:00Z"));
  VirtualPlant plant;
  OpcUaClient client;
  UShort ns;

  @BeforeEach
  void start() throws Exception {
    plant =
        VirtualPlant.builder(SCENARIO)
            .manualStepping()
            .clock(clock)
            .startInRemote(true)
            .watchdogTimeout(Duration.ofSeconds(5))
            .pkiDirectory(pki)
            .start();
    client = OpcUaClient.create(plant.opcUaEndpoint());
    client.connect();
    ns = client.getNamespaceTable().getIndex(PlantLayout.NAMESPACE_URI);
    assertNotNull(ns, "the plant namespace is in the server's table");
  }

  @AfterEach
  void stop() throws Exception {
    client.disconnect();
    plant.close();
  }

  NodeId node(String id) {
    return new NodeId(ns, id);
  }

  DataValue attribute(NodeId node, AttributeId attribute) throws Exception {
    return client.read(
            0.0,
            TimestampsToReturn.Neither,
            List.of(new ReadValueId(node, attribute.uid(), null, QualifiedName.NULL_VALUE)))
        .getResults()[0];
  }

  Object value(NodeId node, AttributeId attribute) throws Exception {
    DataValue value = attribute(node, attribute);
    assertTrue(value.statusCode() == null || value.statusCode().isGood(), value.toString());
    Object raw = value.value().value();
    // Structures (Range, EUInformation) arrive encoded.
    return raw instanceof org.eclipse.milo.opcua.stack.core.types.builtin.ExtensionObject xo
        ? xo.decode(client.getStaticEncodingContext())
        : raw;
  }

  List<ReferenceDescription> browse(NodeId node, NodeId referenceType) throws Exception {
    BrowseResult result =
        client.browse(
            new BrowseDescription(
                node,
                BrowseDirection.Forward,
                referenceType,
                true,
                uint(0),
                uint(BrowseResultMask.All.getValue())));
    return result.getReferences() == null ? List.of() : List.of(result.getReferences());
  }

  /** The properties of a node by browse name, as node ids. */
  Map<String, NodeId> properties(NodeId node) throws Exception {
    Map<String, NodeId> out = new HashMap<>();
    for (ReferenceDescription r : browse(node, NodeIds.HasProperty)) {
      out.put(
          r.getBrowseName().name(),
          r.getNodeId().toNodeId(client.getNamespaceTable()).orElseThrow());
    }
    return out;
  }

  List<NodeId> plantVariables() throws Exception {
    List<NodeId> out = new ArrayList<>();
    for (ReferenceDescription r : browse(node("Plant"), NodeIds.Organizes)) {
      out.add(r.getNodeId().toNodeId(client.getNamespaceTable()).orElseThrow());
    }
    return out;
  }

  @Test
  void everyNodeUnderPlantAndEveryPropertyHasADescription() throws Exception {
    assertDescribed(node("Plant"));
    List<NodeId> variables = plantVariables();
    assertEquals(plant.layout().tags().size() + 2, variables.size(), variables.toString());
    for (NodeId variable : variables) {
      assertDescribed(variable);
      for (NodeId property : properties(variable).values()) {
        assertDescribed(property);
      }
    }
  }

  void assertDescribed(NodeId node) throws Exception {
    Object description = value(node, AttributeId.Description);
    assertInstanceOf(LocalizedText.class, description, node.toParseableString());
    String text = ((LocalizedText) description).text();
    assertTrue(text != null && !text.isBlank(), node.toParseableString() + " has no description");
  }

  @Test
  void processValuesAndSetpointsAreAnalogItemsWithUnitAndRange() throws Exception {
    PlantLayout layout = plant.layout();
    List<PlantTag> analog =
        List.of(
            layout.observation("T"),
            layout.observation("Ca_setpoint"),
            layout.remoteSetpoint("Tc"),
            layout.setpointInForce("Tc"),
            layout.localSetpoint("Tc"),
            layout.recommendedSetpoint("Tc"));
    for (PlantTag tag : analog) {
      NodeId id = node(tag.name());
      List<ReferenceDescription> type = browse(id, NodeIds.HasTypeDefinition);
      assertEquals(
          NodeIds.AnalogItemType,
          type.get(0).getNodeId().toNodeId(client.getNamespaceTable()).orElseThrow(),
          tag.name());
      Map<String, NodeId> properties = properties(id);
      Range range = (Range) value(properties.get("EURange"), AttributeId.Value);
      SignalSpec signal =
          tag.role() == PlantLayout.Role.OBSERVATION
              ? SCENARIO
                  .plantObservationSpace()
                  .get(SCENARIO.plantObservationSpace().indexOf(tag.signal()))
              : SCENARIO.actionSpace().get(SCENARIO.actionSpace().indexOf(tag.signal()));
      assertEquals(signal.min(), range.getLow(), tag.name());
      assertEquals(signal.max(), range.getHigh(), tag.name());
      EUInformation unit =
          (EUInformation) value(properties.get("EngineeringUnits"), AttributeId.Value);
      assertEquals(signal.unit(), unit.getDisplayName().text(), tag.name());
    }
    EUInformation kelvin =
        (EUInformation) value(properties(node("T.PV")).get("EngineeringUnits"), AttributeId.Value);
    assertEquals("http://www.opcfoundation.org/UA/units/un/cefact", kelvin.getNamespaceUri());
    assertEquals(('K' << 16) | ('E' << 8) | 'L', kelvin.getUnitId(), "UNECE code KEL");
  }

  @Test
  void accessLevelSaysExactlyWhatClientsMayWriteAndSamplingIsNotZero() throws Exception {
    for (PlantTag tag : plant.layout().tags()) {
      NodeId id = node(tag.name());
      int access = ((Number) value(id, AttributeId.AccessLevel)).intValue();
      int user = ((Number) value(id, AttributeId.UserAccessLevel)).intValue();
      assertEquals(1, access & 1, tag.name() + " readable");
      assertEquals(tag.writable(), (access & 2) != 0, tag.name() + " AccessLevel " + access);
      assertEquals(tag.writable(), (user & 2) != 0, tag.name() + " UserAccessLevel " + user);
      double sampling = ((Number) value(id, AttributeId.MinimumSamplingInterval)).doubleValue();
      assertTrue(sampling > 0 && sampling <= 1000, tag.name() + " samples at " + sampling);
    }
    assertFalse(plant.layout().observation("T").writable());
    assertFalse(plant.layout().setpointInForce("Tc").writable());
  }

  @Test
  void loopModeNamesItsStates() throws Exception {
    NodeId mode = node("Loop.Mode");
    assertEquals(
        NodeIds.MultiStateDiscreteType,
        browse(mode, NodeIds.HasTypeDefinition)
            .get(0)
            .getNodeId()
            .toNodeId(client.getNamespaceTable())
            .orElseThrow());
    LocalizedText[] states =
        (LocalizedText[]) value(properties(mode).get("EnumStrings"), AttributeId.Value);
    assertArrayEquals(
        new String[] {"Local/manual", "Remote/auto"},
        java.util.Arrays.stream(states).map(LocalizedText::text).toArray(String[]::new));
  }

  @Test
  void theAdvisoryTimestampIsADateTimeThatTheBridgeWritesInEpochSeconds() throws Exception {
    NodeId timestamp = node("Advisory.Timestamp");
    assertEquals(NodeIds.DateTime, value(timestamp, AttributeId.DataType));
    PlantTag tag = plant.layout().advisoryTimestamp();
    long seconds = Instant.parse("2026-03-01T08:00:42Z").getEpochSecond();
    try (PlcConnection bridge = PlcConnections.open(plant.connectionConfig(Protocol.OPCUA))) {
      bridge.write(List.of(TagWrite.of(tag.opcUaTag(), seconds)));
      assertEquals(seconds, bridge.read(List.of(tag.opcUaTag())).get(tag.name()).value());
    }
    DateTime written = (DateTime) value(timestamp, AttributeId.Value);
    assertEquals(Instant.ofEpochSecond(seconds), written.getJavaInstant());
    plant.step();
    assertEquals((double) seconds, plant.value(tag.name()), "the PLC took it");
  }

  @Test
  void diagnosticsCountWatchdogShedsAndRefusedWrites() throws Exception {
    NodeId sheds = node(PlantServers.WATCHDOG_SHEDS);
    NodeId refused = node(PlantServers.REFUSED_WRITES);
    assertEquals(0L, ((Number) value(sheds, AttributeId.Value)).longValue());
    assertEquals(1, ((Number) value(sheds, AttributeId.AccessLevel)).intValue() & 3, "read-only");

    clock.advance(Duration.ofSeconds(6)); // no heartbeat: the watchdog sheds
    plant.step();
    assertEquals(1L, plant.watchdogSheds());
    assertEquals(1L, ((Number) value(sheds, AttributeId.Value)).longValue());

    try (PlcConnection bridge = PlcConnections.open(plant.connectionConfig(Protocol.OPCUA))) {
      PlantTag remote = plant.layout().remoteSetpoint("Tc");
      assertThrows(
          org.safeloop.plc.PlcException.class,
          () -> bridge.write(List.of(TagWrite.of(remote.opcUaTag(), 400.0))));
    }
    plant.step();
    assertEquals(1L, ((Number) value(refused, AttributeId.Value)).longValue());
  }

  @Test
  void aModbusWriteToARegisterThePlantDoesNotHaveIsIllegalDataAddress() throws Exception {
    ModbusTCPMaster master = new ModbusTCPMaster("127.0.0.1", plant.modbusPort());
    master.connect();
    try {
      // Holding 50 lies between the plant-wide registers (0-5) and the remote setpoints (100-).
      ModbusSlaveException write =
          assertThrows(
              ModbusSlaveException.class,
              () ->
                  master.writeSingleRegister(
                      VirtualPlant.MODBUS_UNIT_ID, 50, new SimpleRegister(7)));
      assertEquals(2, write.getType(), write.toString());
      ModbusSlaveException read =
          assertThrows(
              ModbusSlaveException.class,
              () -> master.readMultipleRegisters(VirtualPlant.MODBUS_UNIT_ID, 4, 4));
      assertEquals(2, read.getType(), "holding 6 and 7 do not exist: " + read);
      // The plant's own registers still take writes.
      master.writeSingleRegister(VirtualPlant.MODBUS_UNIT_ID, 1, new SimpleRegister(9));
      plant.step();
      assertEquals(9.0, plant.value("Agent.Heartbeat"));
    } finally {
      master.disconnect();
    }
  }
}
