package org.safeloop.shield;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.safeloop.env.Observation;
import org.safeloop.env.Quality;
import org.safeloop.env.control.PidPolicy;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/** The PID fallback behaves like the scenario's PID loops, one controller step per decision. */
class PidFallbackTest {
  private static final Scenario MODEL = Scenarios.load("cstr-constrained");

  private static void assertOneControllerStepPerDecision(String stateConstraints) {
    String file =
        """
        name: pid-fallback
        model: cstr-constrained
        actions:
          Tc: {min: 290.0, max: 310.0}
        fallback: {type: pid}
        bias_correction: {filter_gain: 0}
        """
            + stateConstraints;
    SafetyShield shield = Shields.parse(file, "pid-fallback.shield.yaml", MODEL);
    PidPolicy reference =
        new PidPolicy(
            MODEL.controllerTunings(),
            MODEL.observationSpace(),
            shield.actionSpace(),
            MODEL.controlInterval(),
            MODEL.initialInput());
    double[] applied = {300.0};
    reference.resetTo(applied);
    // Ca below its setpoint: the loop's integral moves Tc at every step.
    double[] values = {0.80, 325.0, 0.86};
    Quality[] good = {Quality.GOOD, Quality.GOOD, Quality.GOOD};
    for (int k = 0; k < 3; k++) {
      PlantSnapshot plant =
          new PlantSnapshot(26.0 * k, values, good, new double[] {26.0 * k, 26.0 * k, 26.0 * k});
      ShieldDecision d = shield.decide(plant, new double[] {Double.NaN}, applied);
      double[] expected = reference.act(new Observation(values, good));
      assertEquals(Verdict.FALLBACK, d.verdict(), d.reason());
      assertEquals(expected[0], d.appliedAction()[0], 1e-9, "step " + k + ": " + d.reason());
      applied = d.appliedAction();
      reference.applied(applied);
    }
  }

  @Test
  void thePidFallbackTakesOneControllerStepPerDecisionWithoutStateConstraints() {
    assertOneControllerStepPerDecision("");
  }

  @Test
  void thePidFallbackTakesOneControllerStepPerDecisionWithStateConstraints() {
    // A bound the plant cannot reach, so the PID's action is predicted safe and applied as is.
    assertOneControllerStepPerDecision(
        "state_constraints:\n  - {bound: \"T <= 1000\", horizon: 1}\n");
  }
}
