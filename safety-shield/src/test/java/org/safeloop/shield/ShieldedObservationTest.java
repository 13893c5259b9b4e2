package org.safeloop.shield;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.StepResult;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/** With the shield in the training loop, the observed previous action is the one it applied. */
class ShieldedObservationTest {
  @TempDir Path dir;

  @Test
  void thePreviousActionObservedIsTheShieldsAppliedActionNotTheProposal() throws IOException {
    String text;
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("scenarios/cstr-constrained.yaml")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Path file = dir.resolve("constrained-previous.yaml");
    Files.writeString(file, text + "observation: {previous_action: true, tracking_error: true}\n");
    Scenario scenario = Scenarios.load(file);
    ShieldedEnvironment env =
        new ShieldedEnvironment(
            scenario.createEnvironment(false, null),
            Shields.load("cstr-constrained"),
            ShieldPenalty.none());
    int previous = env.observationSpace().indexOf("Tc_previous");
    env.reset(0);
    StepResult hot = env.step(new double[] {310.0});
    double applied = hot.info().appliedAction()[0];
    assertEquals(1.0, hot.info().diagnostics().get("shield_intervened"));
    assertTrue(applied < 305.0, "the shield holds the jacket below the runaway: " + applied);
    assertEquals(applied, hot.observation().value(previous), 0.0);
    assertEquals(env.lastAppliedAction()[0], hot.observation().value(previous), 0.0);
  }

  @Test
  void aShieldBuiltOnAScenarioWithDerivedObservationsReadsOnlyThePlantsSignals()
      throws IOException {
    Path file = dir.resolve("constrained-error.yaml");
    Files.writeString(
        file,
        resource("scenarios/cstr-constrained.yaml") + "observation: {tracking_error: true}\n");
    Scenario scenario = Scenarios.load(file);
    SafetyShield shield =
        Shields.parse(
            resource("scenarios/cstr-constrained.shield.yaml"), "test.shield.yaml", scenario);
    assertEquals(scenario.plantObservationSpace(), shield.observationSpace());
    assertTrue(scenario.observationSpace().indexOf("Ca_error") >= 0);
  }

  private String resource(String name) throws IOException {
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
