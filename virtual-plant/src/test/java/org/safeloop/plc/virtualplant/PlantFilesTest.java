package org.safeloop.plc.virtualplant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.Shields;

/** The plant files shipped for {@code safeloop plant} cannot drift from what the plant writes. */
class PlantFilesTest {

  private static final Scenario SCENARIO = Scenarios.load("cstr-constrained");

  private static String shipped(Protocol protocol) throws IOException {
    String resource = "plants/cstr-virtual-" + protocol.label() + ".yaml";
    try (InputStream in = PlantFilesTest.class.getClassLoader().getResourceAsStream(resource)) {
      assertNotNull(in, resource + " is on the class path");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void shippedPlantFilesEqualTheOnesThePlantWritesWithTheCommandsDefaults() throws IOException {
    for (Protocol p : Protocol.values()) {
      assertEquals(
          PlantFiles.yaml(PlantFiles.ofDefaultCommand(SCENARIO, p)),
          shipped(p),
          "plants/cstr-virtual-"
              + p.label()
              + ".yaml is out of date: regenerate it with"
              + " safeloop plant --scenario cstr-constrained --write-plant-files DIR");
    }
  }

  @Test
  void shippedPlantFilesLoadAndFitTheScenarioAndItsShield() throws IOException {
    SafetyShield shield = Shields.load("cstr-constrained");
    for (Protocol p : Protocol.values()) {
      PlantFile file = PlantFile.parse(shipped(p), "cstr-virtual-" + p.label() + ".yaml");
      file.requireCompatible(
          SCENARIO.observationSpace(), SCENARIO.actionSpace(), shield, "scenario cstr-constrained");
      assertEquals("cstr-virtual-" + p.label(), file.name());
      assertEquals(p.label(), file.protocol());
      assertEquals(
          p == Protocol.MODBUS ? VirtualPlant.DEFAULT_MODBUS_PORT : VirtualPlant.DEFAULT_OPCUA_PORT,
          file.connection().port());
      assertEquals(Duration.ofMillis(2600), file.cyclePeriod(), "26 s at ten times real time");
      assertTrue(file.closedLoopTransportAllowed(), "a test bench allows closed loop");
      assertEquals(1.0, file.remoteValue());
    }
  }

  @Test
  void everyBuiltInScenarioGetsALayoutAndPlantFilesThatLoad() {
    for (String name : Scenarios.builtInNames()) {
      Scenario scenario = Scenarios.load(name);
      for (Protocol p : Protocol.values()) {
        PlantFiles.Target target = PlantFiles.ofDefaultCommand(scenario, p);
        PlantFile file = PlantFile.parse(PlantFiles.yaml(target), name + "-" + p.label());
        assertEquals(
            scenario.observationSpace().size(),
            file.observationsInOrder(scenario.observationSpace()).size());
        assertEquals(
            scenario.actionSpace().size(), file.actionsInOrder(scenario.actionSpace()).size());
        assertTrue(target.plantName().matches("[A-Za-z0-9_-]+-virtual"), target.plantName());
      }
    }
  }
}
