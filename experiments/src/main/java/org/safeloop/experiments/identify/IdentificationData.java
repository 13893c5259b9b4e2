package org.safeloop.experiments.identify;

import java.util.List;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.scenario.Scenario;

/**
 * Plant data on the scenario's control-interval grid: at step {@code k} (time {@code k dt} from the
 * first row) the measured states and the actions that acted during the step, NaN where the data
 * does not say. Measurements are interpolated linearly between two usable samples no further apart
 * than the gap limit, and taken as they are when a sample falls on the grid; actions are held from
 * their last usable sample (zero-order hold, as a PLC holds a set point) for at most the gap limit.
 * Nothing is interpolated across a longer gap.
 *
 * @param dtSeconds the control interval in seconds of process time
 * @param states {@code states[k][i]}: state {@code i} of the scenario's model at step {@code k}
 * @param actions {@code actions[k][j]}: action {@code j} during step {@code k}
 * @param summary how much of the data was used and dropped
 */
public record IdentificationData(
    double dtSeconds, double[][] states, double[][] actions, Summary summary) {

  /**
   * What resampling kept.
   *
   * @param rows rows in the file
   * @param steps grid steps covered
   * @param badSamples samples not used: bad quality, missing or not finite
   * @param gapValues grid values left empty because the nearest usable samples were too far apart
   * @param usableSteps steps whose states and actions are all known
   * @param maxGapSeconds the gap limit used
   */
  public record Summary(
      int rows,
      int steps,
      long badSamples,
      long gapValues,
      int usableSteps,
      double maxGapSeconds) {}

  /** Returns the number of grid steps. */
  public int steps() {
    return states.length;
  }

  /** Returns true when every state at step {@code k} is known. */
  public boolean statesKnown(int k) {
    for (double v : states[k]) {
      if (!Double.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  /** Returns true when every action during step {@code k} is known. */
  public boolean actionsKnown(int k) {
    for (double v : actions[k]) {
      if (!Double.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Resamples {@code data} onto the grid of {@code scenario}'s control interval.
   *
   * @param maxGapSeconds the longest stretch of process time bridged between two usable samples
   * @throws IllegalArgumentException when no step has all states and actions known
   */
  public static IdentificationData resample(
      PlantData data, Scenario scenario, double maxGapSeconds) {
    double dt = scenario.model().timeUnit().toMinutes(scenario.controlInterval()) * 60.0;
    double[] t = data.seconds();
    int steps = (int) Math.floor(t[t.length - 1] / dt + 1e-9) + 1;
    List<SignalSpec> stateSpecs = scenario.stateSpace().signals();
    List<SignalSpec> actionSpecs = scenario.actionSpace().signals();
    double[][] x = new double[steps][stateSpecs.size()];
    double[][] u = new double[steps][actionSpecs.size()];
    long bad = 0;
    long gaps = 0;
    for (int i = 0; i < stateSpecs.size(); i++) {
      PlantData.Series s = data.signals().get(stateSpecs.get(i).name());
      bad += s.values().length - s.goodCount();
      gaps += interpolate(t, s, dt, maxGapSeconds, x, i);
    }
    for (int j = 0; j < actionSpecs.size(); j++) {
      PlantData.Series s = data.signals().get(actionSpecs.get(j).name());
      bad += s.values().length - s.goodCount();
      gaps += hold(t, s, dt, maxGapSeconds, u, j);
    }
    IdentificationData d =
        new IdentificationData(dt, x, u, new Summary(t.length, steps, bad, gaps, 0, maxGapSeconds));
    int usable = 0;
    for (int k = 0; k < steps; k++) {
      usable += d.statesKnown(k) && d.actionsKnown(k) ? 1 : 0;
    }
    if (usable == 0) {
      throw new IllegalArgumentException(
          data.source()
              + ": no usable rows: no step of "
              + Math.round(dt)
              + " s has every state "
              + scenario.stateSpace().names()
              + " and action "
              + scenario.actionSpace().names()
              + " known with good quality");
    }
    return new IdentificationData(
        dt, x, u, new Summary(t.length, steps, bad, gaps, usable, maxGapSeconds));
  }

  /** Fills column {@code i} of {@code out}; returns how many grid values stay empty. */
  private static long interpolate(
      double[] t, PlantData.Series s, double dt, double maxGap, double[][] out, int i) {
    long empty = 0;
    int before = -1; // last usable sample at or before the grid time
    int cursor = 0;
    double tolerance = 1e-6 * dt;
    for (int k = 0; k < out.length; k++) {
      double at = k * dt;
      while (cursor < t.length && t[cursor] <= at + tolerance) {
        if (s.good()[cursor]) {
          before = cursor;
        }
        cursor++;
      }
      int after = cursor;
      while (after < t.length && !s.good()[after]) {
        after++;
      }
      double v = Double.NaN;
      if (before >= 0 && Math.abs(t[before] - at) <= tolerance) {
        v = s.values()[before];
      } else if (before >= 0 && after < t.length && t[after] - t[before] <= maxGap) {
        double w = (at - t[before]) / (t[after] - t[before]);
        v = s.values()[before] + w * (s.values()[after] - s.values()[before]);
      }
      if (Double.isNaN(v)) {
        empty++;
      }
      out[k][i] = v;
    }
    return empty;
  }

  /** Fills column {@code j} of {@code out} by zero-order hold; returns the empty grid values. */
  private static long hold(
      double[] t, PlantData.Series s, double dt, double maxGap, double[][] out, int j) {
    long empty = 0;
    int before = -1;
    int cursor = 0;
    double tolerance = 1e-6 * dt;
    for (int k = 0; k < out.length; k++) {
      double at = k * dt;
      while (cursor < t.length && t[cursor] <= at + tolerance) {
        if (s.good()[cursor]) {
          before = cursor;
        }
        cursor++;
      }
      double v = before >= 0 && at - t[before] <= maxGap ? s.values()[before] : Double.NaN;
      if (Double.isNaN(v)) {
        empty++;
      }
      out[k][j] = v;
    }
    return empty;
  }
}
