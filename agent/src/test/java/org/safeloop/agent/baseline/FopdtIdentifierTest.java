package org.safeloop.agent.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

class FopdtIdentifierTest {

  @Test
  void identifiesTheFopdtScenarioWithinOnePerCent() {
    Scenario fopdt = Scenarios.load("fopdt");
    FopdtFit fit = FopdtIdentifier.identify(fopdt, StepTest.forLoop(fopdt));
    // The scenario declares K = 1, tau = 0.5 min, theta = 0.3 min.
    assertEquals(1.0, fit.model().gain(), 0.01);
    assertEquals(0.5, fit.model().timeConstant(), 0.005);
    assertEquals(0.3, fit.model().deadTime(), 0.003);
    assertTrue(fit.relativeRmsResidual() < 1e-6, "residual " + fit.relativeRmsResidual());
  }

  @Test
  void leastSquaresIsCloserThanTheTwoPointEstimateOnCoarseSamples() {
    Scenario fopdt = Scenarios.load("fopdt");
    FopdtFit fit = FopdtIdentifier.identify(fopdt, StepTest.forLoop(fopdt));
    double fitError = Math.abs(fit.model().timeConstant() - 0.5);
    double twoPointError = Math.abs(fit.twoPointEstimate().timeConstant() - 0.5);
    assertTrue(fitError < 1e-6, "least-squares tau error " + fitError);
    assertTrue(twoPointError > 1e-3, "two-point tau error " + twoPointError);
  }

  @Test
  void identifiesThePlainFirstOrderScenarioWithoutDeadTime() {
    Scenario firstOrder = Scenarios.load("first-order");
    Fopdt model = FopdtIdentifier.identify(firstOrder, StepTest.forLoop(firstOrder)).model();
    assertEquals(1.0, model.gain(), 0.01);
    assertEquals(0.5, model.timeConstant(), 0.005);
    assertEquals(0.0, model.deadTime(), 1e-3);
  }

  @Test
  void fitRecoversADeadTimeBetweenSamples() {
    Fopdt truth = new Fopdt(-2.0, 1.3, 0.37);
    double dt = 0.1;
    double[] output = new double[120];
    for (int k = 0; k < output.length; k++) {
      output[k] = 5.0 + 0.5 * truth.unitStepResponse(k * dt);
    }
    Fopdt fitted = FopdtIdentifier.fit(new StepResponse(dt, 1.0, 0.5, 5.0, output)).model();
    assertEquals(-2.0, fitted.gain(), 1e-6);
    assertEquals(1.3, fitted.timeConstant(), 1e-6);
    assertEquals(0.37, fitted.deadTime(), 1e-6);
  }

  @Test
  void cstrConcentrationFallsWhenTheJacketHeatsSoItsGainIsNegative() {
    Scenario cstr = Scenarios.load("cstr-tracking");
    FopdtFit fit = FopdtIdentifier.identify(cstr, StepTest.forLoop(cstr));
    assertTrue(fit.model().gain() < 0, "gain " + fit.model().gain());
    // A two-state nonlinear reactor is not a FOPDT, but close to one: the fit is within a few %.
    assertTrue(fit.relativeRmsResidual() < 0.05, "residual " + fit.relativeRmsResidual());
  }

  @Test
  void theStepTestSettlesTheCstrBeforeStepping() {
    Scenario cstr = Scenarios.load("cstr-tracking");
    StepResponse response = FopdtIdentifier.stepTest(cstr, StepTest.forLoop(cstr));
    // The scenario starts at Ca = 0.8, away from the steady state of Tc = 300 K.
    assertTrue(response.baselineOutput() > 0.85, "baseline " + response.baselineOutput());
    assertEquals(0.0, response.deviation(0), 0.0);
  }

  @Test
  void aStepBeyondTheActuatorLimitsIsRefused() {
    Scenario fopdt = Scenarios.load("fopdt");
    StepTest test = StepTest.forLoop(fopdt).withStepSize(-0.1); // u starts at its minimum, 0
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> FopdtIdentifier.stepTest(fopdt, test));
    assertTrue(e.getMessage().contains("actuator limits"), e.getMessage());
  }

  @Test
  void defaultStepIsTenPerCentOfTheActuatorRangeUpward() {
    StepTest test = StepTest.forLoop(Scenarios.load("four-tank"), "h3", "v2");
    assertEquals(0.99, test.stepSize(), 1e-12); // 10 % of 0.1-10 V, from 5 V
  }
}
