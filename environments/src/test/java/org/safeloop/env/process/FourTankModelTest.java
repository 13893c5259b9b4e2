package org.safeloop.env.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.safeloop.env.ode.IntegratorSpec;
import org.safeloop.env.ode.ProcessSimulator;

class FourTankModelTest {
  private static final double SQRT_2G = Math.sqrt(2 * 9.81);
  private final FourTankModel model = new FourTankModel();
  private final double[] p = model.nominalParameters();

  @Test
  void aDrainingTankFollowsTorricellisLaw() {
    // With both pumps off, tank 3 drains alone: sqrt(h) = sqrt(h0) - a3 sqrt(2g) t / (2 A3).
    ProcessSimulator sim = new ProcessSimulator(model, IntegratorSpec.rk4(20));
    double[] h = {0.0, 0.0, 0.5, 0.0};
    double t = 0;
    // The tank runs dry at t = 2 sqrt(h0) A3 / (a3 sqrt(2g)) = 159.6 s.
    for (int k = 0; k < 15; k++) {
      sim.advance(h, new double[] {0.0, 0.0}, p, 10.0);
      t += 10.0;
      double expected = Math.pow(Math.sqrt(0.5) - 0.0020 * SQRT_2G * t / 2.0, 2);
      assertEquals(expected, h[2], 1e-9, "h3 at t = " + t);
    }
    sim.advance(h, new double[] {0.0, 0.0}, p, 20.0);
    assertEquals(0.0, h[2], 0.0, "an empty tank stays empty");
  }

  @Test
  void settlesAtTheAnalyticSteadyLevels() {
    double v1 = 6.0;
    double v2 = 7.0;
    double k1 = 0.00085;
    double k2 = 0.00095;
    double g1 = 0.2;
    double g2 = 0.2;
    double h3 = Math.pow((1 - g2) * k2 * v2 / (0.0020 * SQRT_2G), 2);
    double h4 = Math.pow((1 - g1) * k1 * v1 / (0.0025 * SQRT_2G), 2);
    double h1 = Math.pow((g1 * k1 * v1 + (1 - g2) * k2 * v2) / (0.0035 * SQRT_2G), 2);
    double h2 = Math.pow((g2 * k2 * v2 + (1 - g1) * k1 * v1) / (0.0030 * SQRT_2G), 2);
    ProcessSimulator sim = new ProcessSimulator(model, IntegratorSpec.rk4(4));
    double[] h = model.initialState();
    for (int k = 0; k < 5000; k++) {
      sim.advance(h, new double[] {v1, v2}, p, 10.0);
    }
    assertEquals(h1, h[0], 1e-6 * h1);
    assertEquals(h2, h[1], 1e-6 * h2);
    assertEquals(h3, h[2], 1e-6 * h3);
    assertEquals(h4, h[3], 1e-6 * h4);
  }

  @Test
  void levelsStayWithinZeroAndOverflow() {
    ProcessSimulator sim = new ProcessSimulator(model, IntegratorSpec.rk4(4));
    double[] h = {0.01, 0.01, 0.99, 0.99};
    for (int k = 0; k < 200; k++) {
      sim.advance(h, new double[] {10.0, 10.0}, p, 50.0);
      for (double level : h) {
        assertTrue(level >= 0.0 && level <= 1.0, "level " + level + " outside [0, hmax]");
      }
    }
    double[] empty = {0.0, 0.0, 0.0, 0.0};
    sim.advance(empty, new double[] {0.0, 0.0}, p, 10.0);
    for (double level : empty) {
      assertEquals(0.0, level, 0.0, "an empty tank stays empty without NaN");
    }
  }
}
