package org.safeloop.experiments.identify;

import java.util.ArrayList;
import java.util.List;
import org.safeloop.env.ode.ProcessSimulator;
import org.safeloop.env.scenario.Scenario;

/**
 * How well a model with given parameters predicts held-out data, per state: one step ahead from
 * each measured state, and in free run from the first measured state of the stretch with the
 * recorded actions (the simulation the shield and the agent rely on). NRMSE is the RMS error over
 * the measured range; FIT is {@code 100 (1 - |y - y_hat| / |y - mean(y)|)} %, as in system
 * identification toolboxes (100 % is perfect, 0 % is no better than the mean).
 *
 * @param oneStepNrmse per state
 * @param freeRunNrmse per state
 * @param freeRunFit per state, in %
 * @param freeRunRms per state, in its unit
 * @param steps held-out steps simulated in free run
 * @param measured the measured states over the free run ({@code [k][state]})
 * @param simulated the simulated states over the free run
 */
public record Validation(
    double[] oneStepNrmse,
    double[] freeRunNrmse,
    double[] freeRunFit,
    double[] freeRunRms,
    int steps,
    double[][] measured,
    double[][] simulated) {

  /**
   * Validates {@code parameters} on grid steps {@code from} to the end of {@code data}.
   *
   * @throws IllegalArgumentException when the held-out part has no measured start
   */
  public static Validation of(
      Scenario scenario, double[] parameters, IdentificationData data, int from) {
    ProcessSimulator sim = new ProcessSimulator(scenario.model(), scenario.spec().integrator(), 64);
    int n = scenario.stateSpace().size();
    int delay = scenario.deadTimeSteps();
    double dt = scenario.controlInterval();
    int end = data.steps();
    // One step ahead.
    double[] oneSq = new double[n];
    int[] oneCount = new int[n];
    for (int k = from; k + 1 < end; k++) {
      double[] u = data.actions()[Math.max(0, k - delay)];
      if (!data.statesKnown(k) || !finite(u)) {
        continue;
      }
      double[] x = data.states()[k].clone();
      sim.advance(x, u, parameters, dt);
      for (int i = 0; i < n; i++) {
        double y = data.states()[k + 1][i];
        if (Double.isFinite(y) && Double.isFinite(x[i])) {
          oneSq[i] += (y - x[i]) * (y - x[i]);
          oneCount[i]++;
        }
      }
    }
    // Free run from the first measured state, until an action is unknown.
    int start = from;
    while (start < end && !data.statesKnown(start)) {
      start++;
    }
    if (start >= end - 1) {
      throw new IllegalArgumentException(
          "the held-out data has no step with every state measured: nothing to validate on");
    }
    List<double[]> measured = new ArrayList<>();
    List<double[]> simulated = new ArrayList<>();
    double[] x = data.states()[start].clone();
    measured.add(data.states()[start].clone());
    simulated.add(x.clone());
    for (int k = start; k + 1 < end; k++) {
      double[] u = data.actions()[Math.max(0, k - delay)];
      if (!finite(u)) {
        break;
      }
      sim.advance(x, u, parameters, dt);
      measured.add(data.states()[k + 1].clone());
      simulated.add(x.clone());
    }
    double[] oneNrmse = new double[n];
    double[] freeNrmse = new double[n];
    double[] fit = new double[n];
    double[] freeRms = new double[n];
    for (int i = 0; i < n; i++) {
      double lo = Double.POSITIVE_INFINITY;
      double hi = Double.NEGATIVE_INFINITY;
      double sum = 0;
      int c = 0;
      for (double[] y : measured) {
        if (Double.isFinite(y[i])) {
          lo = Math.min(lo, y[i]);
          hi = Math.max(hi, y[i]);
          sum += y[i];
          c++;
        }
      }
      double mean = sum / Math.max(1, c);
      double err = 0;
      double dev = 0;
      for (int k = 0; k < measured.size(); k++) {
        double y = measured.get(k)[i];
        double s = simulated.get(k)[i];
        if (Double.isFinite(y)) {
          double e = Double.isFinite(s) ? y - s : Double.POSITIVE_INFINITY;
          err += e * e;
          dev += (y - mean) * (y - mean);
        }
      }
      double range = hi - lo > 0 ? hi - lo : Math.max(Math.abs(mean), 1e-12);
      freeRms[i] = Math.sqrt(err / Math.max(1, c));
      freeNrmse[i] = freeRms[i] / range;
      fit[i] = dev > 0 ? 100.0 * (1.0 - Math.sqrt(err / dev)) : Double.NaN;
      oneNrmse[i] = Math.sqrt(oneSq[i] / Math.max(1, oneCount[i])) / range;
    }
    return new Validation(
        oneNrmse,
        freeNrmse,
        fit,
        freeRms,
        measured.size(),
        measured.toArray(new double[0][]),
        simulated.toArray(new double[0][]));
  }

  private static boolean finite(double[] v) {
    for (double d : v) {
      if (!Double.isFinite(d)) {
        return false;
      }
    }
    return true;
  }
}
