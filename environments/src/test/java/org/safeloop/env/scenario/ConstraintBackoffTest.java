package org.safeloop.env.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;

/** The back-off view charges from the tightened bounds and changes nothing else. */
class ConstraintBackoffTest {
  private final Scenario scenario = Scenarios.load("cstr-constrained");

  @Test
  void theCostCountsFromTheTightenedBoundAndRewardsStayTheScenarios() {
    double backoff = 2.0;
    ProcessEnvironment plain = scenario.createEnvironment(true, null);
    ProcessEnvironment tight =
        new ConstraintBackoff(scenario.createEnvironment(true, null), scenario, backoff);
    plain.reset(3L);
    tight.reset(3L);
    int inside = 0;
    int charged = 0;
    for (int k = 0; k < scenario.episodeSteps(); k++) {
      double[] jacket = {k < 30 ? 302.0 : 297.0}; // hot enough to near 327 K, then cooler
      StepResult p = plain.step(jacket);
      StepResult t = tight.step(jacket);
      assertEquals(p.reward(), t.reward(), 0.0, "rewards are the scenario's");
      assertEquals(p.observation().value(1), t.observation().value(1), 0.0);
      double temperature = t.info().state()[scenario.stateSpace().indexOf("T")];
      double expected =
          Math.max(0, temperature - (327.0 - backoff))
              + Math.max(0, (321.0 + backoff) - temperature);
      assertEquals(expected, t.costs()[0], 1e-12, "step " + k + " at T = " + temperature);
      if (p.costs()[0] == 0.0) {
        inside++;
        if (t.costs()[0] > 0) {
          charged++;
        }
      }
    }
    assertTrue(inside > 0 && charged > 0, "some steps inside the bounds are within the back-off");
  }

  @Test
  void aBackoffThatIsNotPositiveIsRefused() {
    ProcessEnvironment env = scenario.createEnvironment(false, null);
    for (double m : new double[] {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThrows(IllegalArgumentException.class, () -> new ConstraintBackoff(env, scenario, m));
    }
  }
}
