package org.safeloop.env.process.equation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.safeloop.env.process.ModelTimeUnit;
import org.safeloop.env.process.ParameterSpec;

class HeatedTankTest {

  private static final EquationModel MODEL = EquationModels.loadResource("models/heated-tank.yaml");

  private static final double INFLOW = 0.0015; // m3/s
  private static final double HEAT = 60; // kW

  /** Analytic steady state: cv sqrt(h) = F_in and F_in (T_in - T) + Q / (rho cp) = 0. */
  private static double[] steadyState(double[] p) {
    double cv = p[index("cv")];
    double rho = p[index("rho")];
    double cp = p[index("cp")];
    double tIn = p[index("T_in")];
    double level = (INFLOW / cv) * (INFLOW / cv);
    double temperature = tIn + HEAT / (rho * cp * INFLOW);
    return new double[] {level, temperature};
  }

  private static int index(String parameter) {
    List<String> names = MODEL.parameters().stream().map(ParameterSpec::name).toList();
    return names.indexOf(parameter);
  }

  @Test
  void shippedTankDeclaresItsSignalsInSeconds() {
    assertEquals("heated-tank", MODEL.name());
    assertEquals(ModelTimeUnit.SECOND, MODEL.timeUnit());
    assertEquals(List.of("h", "T"), MODEL.states().stream().map(s -> s.name()).toList());
    assertEquals(List.of("F_in", "Q"), MODEL.inputs().stream().map(s -> s.name()).toList());
    assertEquals(3.0, MODEL.deadTime(MODEL.nominalParameters()));
  }

  @Test
  void derivativesVanishAtTheAnalyticSteadyState() {
    double[] p = MODEL.nominalParameters();
    double[] derivative = new double[2];
    MODEL.derivatives(steadyState(p), new double[] {INFLOW, HEAT}, p, derivative);
    assertEquals(0.0, derivative[0], 1e-15);
    assertEquals(0.0, derivative[1], 1e-12);
  }

  @Test
  void tankSettlesAtTheAnalyticSteadyStateFromItsInitialState() {
    double[] p = MODEL.nominalParameters();
    double[] input = {INFLOW, HEAT};
    double[] state = MODEL.initialState();
    double dt = 2.0; // s; the slowest time constant is about 375 s
    for (int step = 0; step < 10_000; step++) {
      state = rungeKutta4(state, input, p, dt);
      MODEL.projectState(state, p);
    }
    double[] expected = steadyState(p);
    assertEquals(expected[0], state[0], 1e-9);
    assertEquals(expected[1], state[1], 1e-7);
  }

  @Test
  void levelIsClampedBetweenEmptyAndOverflow() {
    double[] state = {-0.1, 300};
    MODEL.projectState(state, MODEL.nominalParameters());
    assertArrayEquals(new double[] {0, 300}, state);
    state = new double[] {2.4, 300};
    MODEL.projectState(state, MODEL.nominalParameters());
    assertArrayEquals(new double[] {2.0, 300}, state);
  }

  private static double[] rungeKutta4(double[] x, double[] u, double[] p, double dt) {
    int n = x.length;
    double[] k1 = new double[n];
    double[] k2 = new double[n];
    double[] k3 = new double[n];
    double[] k4 = new double[n];
    double[] tmp = new double[n];
    MODEL.derivatives(x, u, p, k1);
    for (int i = 0; i < n; i++) {
      tmp[i] = x[i] + 0.5 * dt * k1[i];
    }
    MODEL.derivatives(tmp, u, p, k2);
    for (int i = 0; i < n; i++) {
      tmp[i] = x[i] + 0.5 * dt * k2[i];
    }
    MODEL.derivatives(tmp, u, p, k3);
    for (int i = 0; i < n; i++) {
      tmp[i] = x[i] + dt * k3[i];
    }
    MODEL.derivatives(tmp, u, p, k4);
    double[] next = new double[n];
    for (int i = 0; i < n; i++) {
      next[i] = x[i] + dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }
    return next;
  }
}
