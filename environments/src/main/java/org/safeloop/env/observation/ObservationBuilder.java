package org.safeloop.env.observation;

import org.safeloop.env.Observation;
import org.safeloop.env.Quality;

/**
 * Turns one control step's raw plant signals (measurements and setpoints in force), the action
 * applied during the step before and, with a preview, the coming setpoints into the observation of
 * an {@link ObservationDesign}. It holds the state of the derived signals (error integrals and
 * filters), so call {@link #observe} exactly once per control step and {@link #reset()} at the
 * start of each episode.
 *
 * <p>Signals, in engineering units:
 *
 * <ul>
 *   <li>{@code <v>_error = y - r}, the measurement minus the setpoint in force; its quality is the
 *       worse of the two;
 *   <li>{@code <v>_error_integral}: {@code I_k = clamp(I_(k-1) + (y_k - r_k) dt, -b, b)} from
 *       {@code I_(-1) = 0}; a step whose error is not finite leaves it unchanged (quality
 *       UNCERTAIN);
 *   <li>{@code <v>_filtered}: {@code f_0 = y_0}, {@code f_k = f_(k-1) + g (y_k - f_(k-1))} with
 *       {@code g = 1 - exp(-dt / tau)} (exact for a first-order lag of a sample held over {@code
 *       dt}); a non-finite sample leaves it unchanged (UNCERTAIN), and before the first finite
 *       sample it is NaN (BAD);
 *   <li>{@code <u>_previous}: the applied action given, as it is;
 *   <li>{@code <v>_setpoint_ahead_j}: the preview given, as it is;
 *   <li>{@code <x>_estimate}: the {@link StateObserver}'s estimate, GOOD when it used every
 *       measurement this step, UNCERTAIN when it had to skip one (a BAD or missing reading), BAD
 *       when not finite.
 * </ul>
 *
 * <p>Deterministic: the same inputs in the same order give the same observations. Not thread-safe.
 */
public final class ObservationBuilder {
  private final ObservationDesign design;
  private final double[] integral;
  private final double[] filter;
  private final StateObserver observer;
  private boolean first;

  ObservationBuilder(ObservationDesign design, StateObserver observer) {
    this.design = design;
    this.integral = new double[design.trackedMeasurement().length];
    this.filter = new double[design.filtered().length];
    this.observer = observer;
    reset();
  }

  /**
   * Forgets the integrals, filters and estimates: the next observation is the first of an episode.
   */
  public void reset() {
    java.util.Arrays.fill(integral, 0.0);
    java.util.Arrays.fill(filter, Double.NaN);
    if (observer != null) {
      observer.reset();
    }
    first = true;
  }

  /**
   * Computes the observation of one control step.
   *
   * @param plant the plant's signals in {@link ObservationDesign#plantSpace()} order
   * @param previousApplied the action applied during the step before (after actuator limits and the
   *     shield), in action order and engineering units; at the start of an episode the actuator
   *     positions in force
   * @param preview with a preview, {@code preview[k][j - 1]} is the setpoint of tracked variable
   *     {@code k} {@code j} steps after the one in force; null without a preview
   * @return the observation in {@link ObservationDesign#space()} order
   * @throws IllegalArgumentException if an argument has the wrong shape
   */
  public Observation observe(Observation plant, double[] previousApplied, double[][] preview) {
    int plantSize = design.plantSpace().size();
    if (plant.size() != plantSize) {
      throw new IllegalArgumentException(
          "expected "
              + plantSize
              + " plant signals "
              + design.plantSpace().names()
              + ", got "
              + plant.size());
    }
    ObservationOptions o = design.options();
    int n = design.space().size();
    double[] values = new double[n];
    Quality[] qualities = new Quality[n];
    for (int i = 0; i < plantSize; i++) {
      values[i] = plant.value(i);
      qualities[i] = plant.quality(i);
    }
    int at = plantSize;
    int[] y = design.trackedMeasurement();
    int[] r = design.trackedSetpoint();
    if (o.trackingError()) {
      for (int k = 0; k < y.length; k++) {
        values[at] = plant.value(y[k]) - plant.value(r[k]);
        qualities[at] = worse(plant.quality(y[k]), plant.quality(r[k]));
        if (!Double.isFinite(values[at])) {
          qualities[at] = Quality.BAD;
        }
        at++;
      }
    }
    if (o.errorIntegral() != null) {
      double dt = design.controlInterval();
      for (int k = 0; k < y.length; k++) {
        double e = plant.value(y[k]) - plant.value(r[k]);
        Quality q;
        if (Double.isFinite(e)) {
          double b = design.integralBound(k);
          integral[k] = Math.max(-b, Math.min(b, integral[k] + e * dt));
          q = worse(plant.quality(y[k]), plant.quality(r[k]));
        } else {
          q = Quality.UNCERTAIN;
        }
        values[at] = integral[k];
        qualities[at] = q;
        at++;
      }
    }
    int[] f = design.filtered();
    double g = design.filterGain();
    for (int i = 0; i < f.length; i++) {
      double x = plant.value(f[i]);
      Quality q;
      if (!Double.isFinite(x)) {
        q = Double.isNaN(filter[i]) ? Quality.BAD : Quality.UNCERTAIN;
      } else {
        filter[i] = Double.isNaN(filter[i]) ? x : filter[i] + g * (x - filter[i]);
        q = plant.quality(f[i]);
      }
      values[at] = filter[i];
      qualities[at] = q;
      at++;
    }
    if (o.previousAction()) {
      if (previousApplied == null || previousApplied.length != design.actionCount()) {
        throw new IllegalArgumentException(
            "expected the "
                + design.actionCount()
                + " previously applied actions, got "
                + (previousApplied == null ? "null" : previousApplied.length));
      }
      for (double a : previousApplied) {
        values[at] = a;
        qualities[at] = Double.isFinite(a) ? Quality.GOOD : Quality.BAD;
        at++;
      }
    }
    int steps = design.previewSteps();
    if (steps > 0) {
      if (preview == null || preview.length != y.length) {
        throw new IllegalArgumentException(
            "expected a preview of "
                + steps
                + " setpoints for each of "
                + y.length
                + " tracked variables");
      }
      for (double[] row : preview) {
        if (row.length != steps) {
          throw new IllegalArgumentException(
              "expected " + steps + " preview setpoints, got " + row.length);
        }
        for (double v : row) {
          values[at] = v;
          qualities[at] = Double.isFinite(v) ? Quality.GOOD : Quality.BAD;
          at++;
        }
      }
    }
    if (observer != null) {
      double[] estimates = observer.observe(plant, previousApplied, first);
      Quality q = observer.lastStepSkippedMeasurements() ? Quality.UNCERTAIN : Quality.GOOD;
      for (double v : estimates) {
        values[at] = v;
        qualities[at] = Double.isFinite(v) ? q : Quality.BAD;
        at++;
      }
    }
    first = false;
    return new Observation(values, qualities);
  }

  private static Quality worse(Quality a, Quality b) {
    return a.ordinal() >= b.ordinal() ? a : b;
  }
}
