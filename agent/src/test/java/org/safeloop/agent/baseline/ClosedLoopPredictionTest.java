package org.safeloop.agent.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.safeloop.env.control.PidConfig;

class ClosedLoopPredictionTest {

  @Test
  void piThatCancelsTheLagOfADelayFreeProcessGivesAFirstOrderResponse() {
    // Ti = tau makes the loop kp K / (tau s): the closed loop is first order with time constant
    // T = tau / (kp K), no overshoot, and it enters a 2 % band at T ln 50.
    Fopdt process = new Fopdt(2.0, 1.0, 0.0);
    PidConfig pi = PidConfig.pi("y", "u", 2.5, 1.0);
    SetpointStepMetrics m =
        ClosedLoopPrediction.setpointStep(process, pi, 1.0, 0.0, -100, 100, 5.0, 0.02);
    double closedLoopTimeConstant = 1.0 / (2.5 * 2.0);
    assertEquals(0.0, m.overshoot(), 1e-4); // the Euler PI integral errs by O(h)
    assertEquals(closedLoopTimeConstant * Math.log(50), m.settlingTime(), 1e-3);
  }

  @Test
  void metricsOfASampledResponseUseTheFirstSampleFromWhichItStaysInTheBand() {
    double[] times = {0, 1, 2, 3, 4, 5};
    double[] output = {0, 0.6, 1.1, 0.97, 1.01, 1.0};
    SetpointStepMetrics m = SetpointStepMetrics.of(times, output, 0.0, 1.0, 0.02);
    assertEquals(0.1, m.overshoot(), 1e-12);
    assertEquals(4.0, m.settlingTime(), 0.0);
  }
}
