package org.safeloop.env.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.env.ode.IntegratorSpec;
import org.safeloop.env.scenario.Scenarios;

class FopdtModelTest {

  @Test
  void stepResponseIsTheExactDelayedExponential() {
    // fopdt scenario: K = 1, tau = 0.5 min, theta = 0.3 min = 3 steps of 0.1 min.
    ProcessEnvironment env =
        Scenarios.load("fopdt")
            .createEnvironment(false, IntegratorSpec.dormandPrince(1e-11, 1e-13));
    env.reset(0);
    double u = 0.8;
    for (int k = 1; k <= 40; k++) {
      StepResult r = env.step(new double[] {u});
      double t = k * 0.1;
      double expected = t <= 0.3 ? 0.0 : 1.0 * u * (1 - Math.exp(-(t - 0.3) / 0.5));
      assertEquals(expected, r.info().state()[0], 1e-9, "x at t = " + t);
    }
  }

  @Test
  void deadTimeDelaysTheInputWithoutAddingLag() {
    ProcessEnvironment env = Scenarios.load("fopdt").createEnvironment(false, null);
    env.reset(0);
    env.step(new double[] {1.0});
    env.step(new double[] {1.0});
    StepResult third = env.step(new double[] {1.0});
    assertEquals(0.0, third.info().state()[0], 0.0, "nothing moves during the dead time");
    StepResult fourth = env.step(new double[] {1.0});
    assertEquals(1 - Math.exp(-0.1 / 0.5), fourth.info().state()[0], 1e-6);
  }

  @Test
  void predictorAccountsForInputsStillInTheDeadTime() {
    var scenario = Scenarios.load("fopdt");
    var predictor = scenario.createEnvironment(false, null).predictiveModel();
    assertEquals(3, predictor.deadTimeSteps());
    double[][] pending = {{1.0}, {1.0}, {1.0}};
    double[][] path = predictor.predict(new double[] {0.0}, pending, new double[] {0.0}, 4);
    assertEquals(1 - Math.exp(-0.1 / 0.5), path[0][0], 1e-6, "the oldest pending input acts first");
    double expectedAfterFour = 1 - Math.exp(-0.3 / 0.5);
    double decay = Math.exp(-0.1 / 0.5);
    assertEquals(expectedAfterFour * decay, path[3][0], 1e-6, "held input 0 acts after the queue");
    double[][] held = predictor.predict(new double[] {0.0}, new double[] {1.0}, 1);
    assertEquals(1, held.length);
    assertEquals(1 - decay, held[0][0], 1e-6, "without pending inputs the queue holds the input");
  }
}
