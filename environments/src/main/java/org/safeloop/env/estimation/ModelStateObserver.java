package org.safeloop.env.estimation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.safeloop.env.Observation;
import org.safeloop.env.Quality;
import org.safeloop.env.observation.StateObserver;
import org.safeloop.env.scenario.Scenario;

/**
 * The estimates of {@code observation.estimate}: an {@link ExtendedKalmanFilter} on the scenario's
 * own model, with the noise model of its realism section ({@link EstimatorSettings#fromScenario},
 * realism on: the estimator is designed for the plant as specified) in the {@link
 * EstimatorSettings.Tuning#FAST} tuning that learned policies read best (the {@code nmpc}
 * baseline's filter is the {@link EstimatorSettings.Tuning#SMOOTH} one), estimating every state and
 * every parameter the realism section disturbs or makes uncertain. Each control step it predicts
 * over the last interval with the input that acted in it (the action applied {@code d} steps
 * before, {@code d} the scenario's dead time in steps), then folds in the plant's measurements;
 * BAD, UNCERTAIN or missing readings are skipped, never used, and the step's estimates are then
 * reported as weaker ({@link #lastStepSkippedMeasurements}). Its prior is the scenario's initial
 * state. Runs the same in training, evaluation and on the bridge (pure Java, the scenario's model).
 * Deterministic; not thread-safe.
 */
public final class ModelStateObserver implements StateObserver {
  private final Scenario scenario;
  private final ExtendedKalmanFilter filter;
  private final List<String> estimated;
  private final int[] parameterIndex;
  private final int observationSize;
  private final int plantSize;
  private final int deadTime;
  private final double[][] sent;
  private int sentHead;
  private Estimate last;

  /**
   * Creates the observer of {@code scenario} with the noise model of its realism section, tuned
   * {@link EstimatorSettings.Tuning#FAST}.
   *
   * @throws IllegalArgumentException when the scenario's estimator does not fit its model (see
   *     {@link ExtendedKalmanFilter})
   */
  public ModelStateObserver(Scenario scenario) {
    this(scenario, EstimatorSettings.fromScenario(scenario, true, EstimatorSettings.Tuning.FAST));
  }

  /**
   * Creates the observer of {@code scenario} with {@code settings}; it estimates the states and the
   * parameters the settings name, in the model's order.
   *
   * @throws IllegalArgumentException when the settings do not fit the scenario (see {@link
   *     ExtendedKalmanFilter})
   */
  public ModelStateObserver(Scenario scenario, EstimatorSettings settings) {
    this.scenario = scenario;
    this.filter = new ExtendedKalmanFilter(scenario, settings);
    List<String> names = new ArrayList<>(scenario.stateSpace().names());
    List<String> all = scenario.model().parameters().stream().map(p -> p.name()).toList();
    this.parameterIndex =
        all.stream().filter(settings.parameters()::containsKey).mapToInt(all::indexOf).toArray();
    for (int k : parameterIndex) {
      names.add(all.get(k));
    }
    this.estimated = List.copyOf(names);
    this.observationSize = scenario.observationSpace().size();
    this.plantSize = scenario.plantObservationSpace().size();
    this.deadTime = scenario.deadTimeSteps();
    this.sent = new double[deadTime][];
    reset();
  }

  @Override
  public List<String> estimated() {
    return estimated;
  }

  @Override
  public void reset() {
    filter.reset(scenario.initialState());
    double[] initial = scenario.initialInput();
    for (int i = 0; i < deadTime; i++) {
      sent[i] = initial.clone();
    }
    sentHead = 0;
    last = null;
  }

  @Override
  public double[] observe(Observation plant, double[] previousApplied, boolean first) {
    Estimate e = step(plant, previousApplied, first);
    double[] state = e.state();
    double[] parameters = e.parameters();
    double[] out = Arrays.copyOf(state, state.length + parameterIndex.length);
    for (int k = 0; k < parameterIndex.length; k++) {
      out[state.length + k] = parameters[parameterIndex[k]];
    }
    return out;
  }

  /**
   * Folds in one control step, as {@link #observe}, and returns the filter's whole estimate (with
   * its standard deviations and the readings it skipped).
   *
   * @param plant the plant's signals (measurements, then setpoints in force); a longer observation
   *     (the scenario's, with derived signals after them) is read up to them
   * @param previousApplied the action applied during the step before
   * @param first whether this is the first step of an episode (nothing to predict from)
   */
  public Estimate step(Observation plant, double[] previousApplied, boolean first) {
    if (plant.size() < plantSize) {
      throw new IllegalArgumentException(
          "expected " + plantSize + " plant signals, got " + plant.size());
    }
    if (!first) {
      double[] acting = previousApplied.clone();
      if (deadTime > 0) {
        acting = sent[sentHead];
        sent[sentHead] = previousApplied.clone();
        sentHead = (sentHead + 1) % deadTime;
      }
      filter.predict(acting);
    }
    last = filter.update(padded(plant));
    return last;
  }

  /** Returns the estimate of the last step, or null before the first one of an episode. */
  public Estimate lastEstimate() {
    return last;
  }

  /** The plant's signals in the scenario's observation layout (derived ones left out, BAD). */
  private Observation padded(Observation plant) {
    double[] values = new double[observationSize];
    Quality[] qualities = new Quality[observationSize];
    Arrays.fill(values, Double.NaN);
    Arrays.fill(qualities, Quality.BAD);
    for (int i = 0; i < plantSize; i++) {
      values[i] = plant.value(i);
      qualities[i] = plant.quality(i);
    }
    return new Observation(values, qualities);
  }

  @Override
  public boolean lastStepSkippedMeasurements() {
    return last != null && !last.skipped().isEmpty();
  }
}
