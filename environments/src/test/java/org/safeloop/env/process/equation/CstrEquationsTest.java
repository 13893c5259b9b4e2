package org.safeloop.env.process.equation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.process.ModelTimeUnit;
import org.safeloop.env.process.ParameterSpec;

class CstrEquationsTest {

  private static final EquationModel MODEL =
      EquationModels.loadResource("models/cstr-equations.yaml");

  @Test
  void shippedCstrDeclaresThePcGymSignalsAndParameters() {
    assertEquals("cstr-equations", MODEL.name());
    assertEquals(ModelTimeUnit.MINUTE, MODEL.timeUnit());
    assertEquals(
        List.of(new SignalSpec("Ca", "mol/m3", 0.7, 1.0), new SignalSpec("T", "K", 300, 350)),
        MODEL.states());
    assertEquals(List.of(new SignalSpec("Tc", "K", 295, 302)), MODEL.inputs());
    assertEquals(
        List.of("q", "V", "rho", "C", "dH", "E_R", "k0", "UA", "Ti", "Caf"),
        MODEL.parameters().stream().map(ParameterSpec::name).toList());
    assertArrayEquals(
        new double[] {100, 100, 1000, 0.239, -5e4, 8750, 7.2e10, 5e4, 350, 1},
        MODEL.nominalParameters());
    assertArrayEquals(new double[] {0.8, 330}, MODEL.initialState());
    assertEquals(0.0, MODEL.deadTime(MODEL.nominalParameters()));
    assertTrue(MODEL.definitionsInlined());
  }

  @Test
  void derivativesEqualTheHandWrittenCstrEquationsAtRandomPoints() {
    Random random = new Random(2024);
    double[] derivative = new double[2];
    for (int i = 0; i < 5000; i++) {
      double ca = 1.2 * random.nextDouble();
      double t = 280 + 120 * random.nextDouble();
      double tc = 290 + 15 * random.nextDouble();
      double[] p = MODEL.nominalParameters();
      if (i % 2 == 1) {
        for (int k = 0; k < p.length; k++) {
          p[k] *= 0.8 + 0.4 * random.nextDouble();
        }
      }
      MODEL.derivatives(new double[] {ca, t}, new double[] {tc}, p, derivative);

      double q = p[0], v = p[1], rho = p[2], c = p[3], dH = p[4];
      double eR = p[5], k0 = p[6], ua = p[7], ti = p[8], caf = p[9];
      double rA = k0 * Math.exp(-eR / t) * ca;
      double flow = q / v * (caf - ca);
      double dCa = flow - rA;
      double sensible = q / v * (ti - t);
      double reaction = -dH * rA / (rho * c);
      double jacket = ua * (tc - t) / (rho * c * v);
      double dT = sensible + reaction + jacket;

      assertClose(dCa, derivative[0], Math.abs(flow) + Math.abs(rA));
      assertClose(dT, derivative[1], Math.abs(sensible) + Math.abs(reaction) + Math.abs(jacket));
    }
  }

  /** Relative to the largest term, since the derivative itself may be a near-cancellation. */
  private static void assertClose(double expected, double actual, double scale) {
    assertEquals(expected, actual, 1e-12 * Math.max(scale, Double.MIN_NORMAL));
  }

  @Test
  void concentrationIsClampedAtZeroAndTemperatureIsNot() {
    double[] state = {-0.01, 250};
    MODEL.projectState(state, MODEL.nominalParameters());
    assertArrayEquals(new double[] {0, 250}, state);
  }

  @Test
  void derivativesAllocateNothingPerCall() {
    assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeTrue(
        threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
    double[] state = MODEL.initialState();
    double[] input = {298};
    double[] parameters = MODEL.nominalParameters();
    double[] derivative = new double[2];
    long thread = Thread.currentThread().getId();
    threads.getThreadAllocatedBytes(thread); // warm up the measurement itself
    long before = threads.getThreadAllocatedBytes(thread);
    for (int i = 0; i < 100_000; i++) {
      state[1] = 320 + (i % 20);
      MODEL.derivatives(state, input, parameters, derivative);
    }
    long allocated = threads.getThreadAllocatedBytes(thread) - before;
    // Sixteen bytes per call would be 1.6 MB; allow for the measurement's own bookkeeping.
    assertTrue(allocated < 16_000, () -> allocated + " bytes allocated in 100000 calls");
  }
}
