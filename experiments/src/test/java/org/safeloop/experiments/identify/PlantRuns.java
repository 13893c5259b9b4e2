package org.safeloop.experiments.identify;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.env.scenario.Scenario;

/** Plant data from a simulated plant whose truth differs from the scenario's model. */
final class PlantRuns {
  private PlantRuns() {}

  /**
   * Runs {@code truth} for {@code steps} control steps with realism on, the jacket moved by an
   * operator to a random value in {@code [low, high]} every {@code hold} steps (or held at {@code
   * low} when {@code hold} is 0), and returns what a historian would have recorded.
   */
  static PlantData record(Scenario truth, int steps, long seed, double low, double high, int hold) {
    return record(truth, 0, steps, seed, low, high, hold);
  }

  /** The same after {@code warmUp} steps at {@code low} that are not recorded. */
  static PlantData record(
      Scenario truth, int warmUp, int steps, long seed, double low, double high, int hold) {
    Scenario s = truth.withEpisodeSteps(warmUp + steps);
    ProcessEnvironment env = s.createEnvironment(true, null);
    Observation o = env.reset(seed);
    for (int k = 0; k < warmUp; k++) {
      o = env.step(new double[] {low}).observation();
    }
    SplittableRandom random = new SplittableRandom(seed);
    double dt = s.model().timeUnit().toMinutes(s.controlInterval()) * 60.0;
    int n = s.stateSpace().size();
    double[] seconds = new double[steps + 1];
    double[][] x = new double[steps + 1][n];
    double[] tc = new double[steps + 1];
    double u = low;
    for (int k = 0; k <= steps; k++) {
      seconds[k] = k * dt;
      for (int i = 0; i < n; i++) {
        x[k][i] = o.value(s.observationSpace().indexOf(s.stateSpace().get(i).name()));
      }
      if (hold > 0 && k % hold == 0) {
        u = low + (high - low) * random.nextDouble();
      }
      tc[k] = u;
      if (k < steps) {
        StepResult r = env.step(new double[] {u});
        o = r.observation();
      }
    }
    Map<String, PlantData.Series> series = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      double[] v = new double[steps + 1];
      boolean[] g = new boolean[steps + 1];
      for (int k = 0; k <= steps; k++) {
        v[k] = x[k][i];
        g[k] = Double.isFinite(v[k]);
      }
      series.put(s.stateSpace().get(i).name(), new PlantData.Series(v, g));
    }
    boolean[] all = new boolean[steps + 1];
    java.util.Arrays.fill(all, true);
    series.put(s.actionSpace().get(0).name(), new PlantData.Series(tc, all));
    return new PlantData("simulated " + truth.name(), "", seconds, null, series);
  }

  /**
   * Resamples {@code plant} onto {@code model}'s grid (gaps up to three control intervals bridged)
   * and fits {@code free} on all of it, segments of 20 steps.
   */
  static ModelFit.Result fit(
      Scenario model, PlantData plant, List<String> free, boolean freeInitial) {
    double dt = model.model().timeUnit().toMinutes(model.controlInterval()) * 60.0;
    IdentificationData data = IdentificationData.resample(plant, model, 3 * dt);
    return ModelFit.fit(
        model, data, data.steps(), new ModelFit.Settings(free, freeInitial, 20, 100), e -> {});
  }
}
