package org.safeloop.env.observation;

import java.util.List;
import org.safeloop.env.Observation;

/**
 * A model-based estimator of what the plant's signals do not show directly (the true state behind
 * noisy, biased or missing measurements, a disturbed parameter), for {@code observation.estimate}.
 * {@link ObservationBuilder} calls it once per control step with the same inputs as the other
 * derived signals. Not thread-safe; one per episode runner.
 */
public interface StateObserver {
  /** Returns the names of what it estimates, in output order (without {@code _estimate}). */
  List<String> estimated();

  /** Starts a new episode at the observer's prior. */
  void reset();

  /**
   * Folds in one control step and returns the estimates, in {@link #estimated()} order.
   *
   * @param plant the plant's signals (measurements, then setpoints in force), engineering units
   * @param previousApplied the action applied during the step before (the actuator positions at the
   *     start of an episode)
   * @param first whether this is the first step of an episode (nothing to predict from yet)
   */
  double[] observe(Observation plant, double[] previousApplied, boolean first);

  /** Returns whether the last step could not use every measurement (its estimates are weaker). */
  boolean lastStepSkippedMeasurements();
}
