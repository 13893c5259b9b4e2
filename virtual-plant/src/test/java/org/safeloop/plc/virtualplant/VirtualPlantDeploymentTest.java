package org.safeloop.plc.virtualplant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.plc.runtime.Deployment;
import org.safeloop.plc.runtime.DeploymentRuntime;
import org.safeloop.plc.runtime.Mode;
import org.safeloop.plc.runtime.TestDeployments;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.Shields;

/**
 * The deployment runtime in closed loop on the virtual plant, through the plant files the plant
 * writes: the test bed does what it is for.
 */
class VirtualPlantDeploymentTest {

  /** An approval that always holds: the approval itself is tested elsewhere. */
  @Test
  void theRuntimeDrivesThePlantInClosedLoopAndStepsBackWhenTheOperatorTakesOver(@TempDir Path dir)
      throws Exception {
    Scenario scenario = Scenarios.load("cstr-constrained");
    SafetyShield shield = Shields.load("cstr-constrained");
    // The system clock on both sides: Modbus values are stamped when they arrive.
    try (VirtualPlant plant =
        VirtualPlant.builder(scenario)
            .manualStepping()
            .startInRemote(true)
            .watchdogTimeout(Duration.ofSeconds(30))
            .pkiDirectory(dir.resolve("pki"))
            .start()) {
      List<Path> files = plant.writePlantFiles(dir.resolve("plants"));
      assertEquals(2, files.size());
      for (Path file : files) {
        PlantFile plantFile = PlantFile.load(file);
        plantFile.requireCompatible(
            scenario.observationSpace(), scenario.actionSpace(), shield, "the scenario's PID");
        plant.setOperatorMode(true);
        try (Deployment deployment =
            TestDeployments.builder(
                    dir,
                    file,
                    scenario,
                    scenario.baselineController(),
                    Mode.CLOSED_LOOP,
                    Clock.systemUTC())
                .build()) {
          DeploymentRuntime runtime = deployment.runtime();
          Protocol protocol =
              plantFile.protocol().equals("modbus") ? Protocol.MODBUS : Protocol.OPCUA;
          long writesBefore = plant.writeCount("Tc.RemoteSP", protocol);
          for (int cycle = 0; cycle < 8; cycle++) {
            DeploymentRuntime.CycleOutcome outcome = runtime.runCycle();
            assertEquals(Mode.CLOSED_LOOP, outcome.mode(), file + ": " + outcome.demotion());
            assertTrue(outcome.wroteSetpoints());
            plant.step();
            assertEquals(
                outcome.decision().appliedAction()[0],
                plant.setpointInForce("Tc"),
                1e-4,
                "the shielded setpoint is in force");
          }
          assertTrue(plant.isRemote(), "the heartbeat keeps the watchdog quiet");
          assertEquals(0, plant.watchdogSheds());
          assertEquals(8.0, plant.value("Agent.Heartbeat"), "one beat per cycle");
          assertEquals(
              plant.setpointInForce("Tc"), plant.value("Tc.RecommendedSP"), 1e-4, "advisory too");

          plant.setOperatorSetpoint("Tc", 299.0);
          DeploymentRuntime.CycleOutcome override = runtime.runCycle();
          assertNotNull(override.demotion());
          assertTrue(override.demotion().startsWith("operator override"), override.demotion());
          assertFalse(override.wroteSetpoints());
          assertEquals(Mode.ADVISORY, runtime.mode());
          plant.step();
          assertEquals(299.0, plant.setpointInForce("Tc"), "the operator's setpoint stays");
          assertEquals(
              writesBefore + 8,
              plant.writeCount("Tc.RemoteSP", protocol),
              "eight remote setpoints over " + protocol);
        }
      }
    }
  }
}
