package org.safeloop.env.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.safeloop.env.ode.IntegratorSpec;
import org.safeloop.env.ode.ProcessSimulator;

class CstrModelTest {
  private final CstrModel model = new CstrModel();
  private final double[] p = model.nominalParameters();

  @Test
  void settlesOnTheLowerBranchSteadyStateWithJacketAt300K() {
    ProcessSimulator reference =
        new ProcessSimulator(model, IntegratorSpec.dormandPrince(1e-10, 1e-12));
    double[] x = {0.87, 324.0};
    for (int i = 0; i < 200; i++) {
      reference.advance(x, new double[] {300.0}, p, 1.0);
    }
    assertEquals(0.8773, x[0], 0.8773 * 1e-3);
    assertEquals(324.48, x[1], 324.48 * 1e-3);
    double[] derivative = new double[2];
    model.derivatives(x, new double[] {300.0}, p, derivative);
    assertEquals(0.0, derivative[0], 1e-9, "dCa/dt at the settled point");
    assertEquals(0.0, derivative[1], 1e-6, "dT/dt at the settled point");
  }

  @Test
  void rk4WithDefaultSubstepsMatchesDormandPrinceOverAnEpisode() {
    ProcessSimulator fast = new ProcessSimulator(model, IntegratorSpec.defaults());
    ProcessSimulator reference =
        new ProcessSimulator(model, IntegratorSpec.dormandPrince(1e-10, 1e-12));
    double dt = 26.0 / 60.0;
    double[] a = {0.8, 330.0};
    double[] b = a.clone();
    double worst = 0;
    for (int k = 0; k < 60; k++) {
      // A jacket schedule across the whole tracking range, with moves every few steps.
      double[] u = {295.0 + 7.0 * ((k / 4) % 5) / 4.0};
      fast.advance(a, u, p, dt);
      reference.advance(b, u, p, dt);
      for (int i = 0; i < 2; i++) {
        worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
      }
    }
    assertTrue(worst < 1e-6, "worst relative difference " + worst);
  }

  @Test
  void jumpsToTheHighTemperatureBranchAboveAbout305K() {
    ProcessSimulator sim = new ProcessSimulator(model, IntegratorSpec.defaults());
    double[] x = {0.87, 324.5};
    for (int i = 0; i < 100; i++) {
      sim.advance(x, new double[] {308.0}, p, 0.5);
    }
    assertTrue(x[1] > 360.0, "runaway branch temperature " + x[1]);
    assertTrue(x[0] < 0.3, "high conversion " + x[0]);
  }

  @Test
  void rk4StaysStableAndAccurateThroughIgnition() {
    // Ignition takes the reaction rate up a hundredfold within a minute; a fixed four sub-steps
    // per control step would explode to infinity here. The stiffness guard splits sub-steps.
    double dt = 26.0 / 60.0;
    for (double jacket : new double[] {304.0, 305.0, 306.0, 310.0, 320.0}) {
      ProcessSimulator fast = new ProcessSimulator(model, IntegratorSpec.defaults());
      ProcessSimulator reference =
          new ProcessSimulator(model, IntegratorSpec.dormandPrince(1e-10, 1e-12));
      double[] a = {0.8, 325.0};
      double[] b = a.clone();
      double worst = 0;
      for (int k = 0; k < 60; k++) {
        fast.advance(a, new double[] {jacket}, p, dt);
        reference.advance(b, new double[] {jacket}, p, dt);
        assertTrue(Double.isFinite(a[0]) && Double.isFinite(a[1]), "finite at Tc " + jacket);
        worst = Math.max(worst, Math.abs(a[1] - b[1]) / b[1]);
      }
      assertTrue(worst < 1e-3, "Tc " + jacket + ": worst relative error in T " + worst);
      assertTrue(fast.stiffSplits() > 0, "the guard acted at Tc " + jacket);
    }
  }

  @Test
  void rk4DoesNotSplitSubstepsInNormalOperation() {
    ProcessSimulator fast = new ProcessSimulator(model, IntegratorSpec.defaults());
    double[] x = {0.8, 330.0};
    for (int k = 0; k < 60; k++) {
      fast.advance(x, new double[] {295.0 + (k % 8)}, p, 26.0 / 60.0);
    }
    assertEquals(0, fast.stiffSplits());
  }

  @Test
  void oneSubstepPredictionsStayWithinAFewHundredthsOfAKelvin() {
    // The shield predicts with one RK4 sub-step per control step for speed; its back-off margins
    // are in kelvins, so an error of a few hundredths is immaterial. Measured worst: 0.030 K.
    double worst = 0;
    for (double jacket = 290; jacket <= 310; jacket += 1) {
      for (double start : new double[] {321.0, 324.0, 327.0}) {
        ProcessSimulator fast = new ProcessSimulator(model, IntegratorSpec.rk4(1));
        ProcessSimulator reference =
            new ProcessSimulator(model, IntegratorSpec.dormandPrince(1e-10, 1e-12));
        double[] a = {0.85, start};
        double[] b = a.clone();
        for (int k = 0; k < 10; k++) {
          fast.advance(a, new double[] {jacket}, p, 26.0 / 60.0);
          reference.advance(b, new double[] {jacket}, p, 26.0 / 60.0);
          if (b[1] < 340.0) {
            worst = Math.max(worst, Math.abs(a[1] - b[1]));
          }
        }
      }
    }
    assertTrue(worst < 0.05, "worst temperature error " + worst + " K");
  }
}
