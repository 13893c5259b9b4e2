package org.safeloop.env.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;

/** A model that divides by zero at its operating point fails loudly, not with a sentinel. */
class NonFiniteStateTest {
  @TempDir Path dir;

  /**
   * Writes the shipped heated tank with a singularity at h = 1 m (the scenario's level) in the
   * energy balance, and a level equation that reads the temperature, so that both states end the
   * step non-finite although only the temperature's equation divided by zero.
   */
  static Path singularTankScenario(Path dir) throws IOException {
    String model;
    try (InputStream in =
        NonFiniteStateTest.class.getClassLoader().getResourceAsStream("models/heated-tank.yaml")) {
      model = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String singular =
        model
            .replace("name: heated-tank", "name: singular-tank")
            // The model's own initial state (where loading checks the equations) is fine ...
            .replace("initial: 1.0,", "initial: 0.5,")
            .replace("h: (F_in - F_out) / A", "h: (F_in - F_out) / A + 1e-9 * (T - 305)")
            .replace(
                "T: F_in / V * (T_in - T) + Q / (rho * cp * V)",
                "T: F_in / V * (T_in - T) + Q / (rho * cp * V) + 1 / (h - 1.0)");
    Files.writeString(dir.resolve("singular-tank.yaml"), singular);
    Path scenario = dir.resolve("singular.yaml");
    Files.writeString(
        scenario,
        """
        name: singular
        process: singular-tank.yaml
        steps: 20
        time_step: 3
        # ... the scenario's operating point is the singularity.
        initial_state: {h: 1.0}
        initial_input: {F_in: 0.002, Q: 60}
        setpoints:
          h: [{value: 1.0}]
        reward:
          tracking:
            h: {weight: 1.0}
        """);
    return scenario;
  }

  @Test
  void aDivisionByZeroAtTheOperatingPointNamesItsEquationAndStepAndEarnsAFiniteReward()
      throws IOException {
    Scenario scenario = Scenarios.load(singularTankScenario(dir));
    ProcessEnvironment env = scenario.createEnvironment(false, null);
    env.reset(1);
    StepResult r = env.step(scenario.initialInput());
    assertTrue(r.terminated(), "the episode ends");
    assertTrue(r.info().failed(), "the step is a failure");
    String failure = r.info().failure();
    assertTrue(failure.contains("state T (equation dT/dt)"), failure);
    assertTrue(failure.contains("during step 0 (t = 0 to 3 s)"), failure);
    assertTrue(failure.contains("model singular-tank"), failure);
    assertTrue(Double.isFinite(r.reward()), "reward " + r.reward());
    // The worst reward inside the declared range: h at 0.2 m against a set point of 1 m, range 1.6.
    assertEquals(
        scenario.failureReward(0, scenario.initialInput(), scenario.initialInput()), r.reward());
    assertTrue(r.reward() > -10, "not a sentinel: " + r.reward());
  }

  @Test
  void aStepThatStaysFiniteIsNoFailure() {
    ProcessEnvironment env = Scenarios.load("fopdt").createEnvironment(false, null);
    env.reset(1);
    StepResult r = env.step(new double[] {0.5});
    assertFalse(r.info().failed());
    assertEquals("", r.info().failure());
  }
}
