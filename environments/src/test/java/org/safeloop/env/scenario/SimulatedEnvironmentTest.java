package org.safeloop.env.scenario;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.safeloop.env.NormalizedEnvironment;
import org.safeloop.env.Observation;
import org.safeloop.env.PredictiveModel;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;

class SimulatedEnvironmentTest {

  @Test
  void withRealismOffObservationsAreTheTrueMeasuredStates() {
    ProcessEnvironment env = Scenarios.load("cstr-tracking").createEnvironment(false, null);
    env.reset(9);
    StepResult r = env.step(new double[] {300.0});
    double[] x = r.info().state();
    assertEquals(x[0], r.observation().value(0), 0.0);
    assertEquals(x[1], r.observation().value(1), 0.0);
    assertEquals(0.85, r.observation().value(2), 0.0, "the setpoint follows the measurements");
  }

  @Test
  void withRealismOnTheSensorNoiseHasTheConfiguredSize() {
    ProcessEnvironment env = Scenarios.load("cstr-tracking").createEnvironment(true, null);
    double sum = 0;
    double sumSquares = 0;
    int n = 0;
    for (long seed = 0; seed < 100; seed++) {
      env.reset(seed);
      for (int k = 0; k < 60; k++) {
        StepResult r = env.step(new double[] {300.0});
        double error = r.observation().value(0) - r.info().state()[0];
        sum += error;
        sumSquares += error * error;
        n++;
      }
    }
    double mean = sum / n;
    double std = Math.sqrt(sumSquares / n - mean * mean);
    assertEquals(0.002, std, 0.002 * 0.05, "Ca noise std");
    assertEquals(0.0, mean, 4 * 0.002 / Math.sqrt(n), "Ca noise is unbiased");
  }

  @Test
  void theFeedTemperatureStepReachesTheModelAtItsTime() {
    ProcessEnvironment env = Scenarios.load("cstr-tracking").createEnvironment(true, null);
    env.reset(1);
    int ti = 8;
    double before = 0;
    double after = 0;
    for (int k = 0; k < 60; k++) {
      StepResult r = env.step(new double[] {300.0});
      double start = (r.info().step() - 1) * env.controlInterval();
      if (start < 13.0) {
        before = r.info().parameters()[ti];
      } else {
        after = r.info().parameters()[ti];
      }
    }
    assertEquals(350.0, before, 0.0);
    assertEquals(352.0, after, 0.0);
  }

  @Test
  void parameterUncertaintyIsResampledAtEachReset() {
    ProcessEnvironment env = Scenarios.load("cstr-tracking").createEnvironment(true, null);
    int ua = 7;
    env.reset(1);
    double first = env.step(new double[] {300.0}).info().parameters()[ua];
    env.reset(2);
    double second = env.step(new double[] {300.0}).info().parameters()[ua];
    assertNotEquals(first, second);
    assertTrue(Math.abs(first / 5e4 - 1) <= 0.02 && Math.abs(second / 5e4 - 1) <= 0.02);
    env.reset(1);
    assertEquals(first, env.step(new double[] {300.0}).info().parameters()[ua], 0.0);
  }

  @Test
  void thePredictorReproducesANoiseFreeEpisode() {
    ProcessEnvironment env = Scenarios.load("fopdt").createEnvironment(false, null);
    PredictiveModel predictor = env.predictiveModel();
    env.reset(0);
    double[] start = env.state();
    double[][] path =
        predictor.predict(start, new double[][] {{0.0}, {0.0}, {0.0}}, new double[] {0.6}, 10);
    for (int k = 0; k < 10; k++) {
      StepResult r = env.step(new double[] {0.6});
      assertArrayEquals(r.info().state(), path[k], 1e-15, "step " + k);
    }
  }

  @Test
  void theNormalisedViewMapsActionsAndObservationsOntoUnitRanges() {
    ProcessEnvironment raw = Scenarios.load("cstr-tracking").createEnvironment(false, null);
    NormalizedEnvironment env = new NormalizedEnvironment(raw);
    Observation first = env.reset(0);
    assertEquals((0.8 - 0.7) / 0.3 * 2 - 1, first.value(0), 1e-12);
    StepResult top = env.step(new double[] {1.0});
    assertEquals(302.0, top.info().appliedAction()[0], 1e-12);
    StepResult clipped = env.step(new double[] {7.0});
    assertEquals(302.0, clipped.info().appliedAction()[0], 1e-12);
    StepResult bottom = env.step(new double[] {-1.0});
    assertEquals(295.0, bottom.info().appliedAction()[0], 1e-12);
    assertEquals(-1.0, env.actionSpace().get(0).min());
    assertThrows(IllegalArgumentException.class, () -> env.step(new double[] {Double.NaN}));
  }
}
