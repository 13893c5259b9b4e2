package org.safeloop.env.estimation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.safeloop.env.Observation;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.observation.StateObserver;
import org.safeloop.env.scenario.Scenario;

/**
 * The estimates of {@code observation.estimate}: an {@link ExtendedKalmanFilter} on the scenario's
 * own model, with the noise model of its realism section ({@link EstimatorSettings#fromScenario},
 * realism on, as the {@code nmpc} baseline's: the estimator is designed for the plant as
 * specified), estimating every state and every parameter the realism section disturbs or makes
 * uncertain. Each control step it predicts over the last interval with the input that acted in it
 * (the action applied {@code d} steps before, {@code d} the scenario's dead time in steps), then
 * folds in the plant's measurements; BAD, UNCERTAIN or missing readings are skipped, never used,
 * and the step's estimates are then reported as weaker ({@link #lastStepSkippedMeasurements}). Its
 * prior is the scenario's initial state. Runs the same in training, evaluation and on the bridge
 * (pure Java, the scenario's model). Deterministic; not thread-safe.
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
  private boolean skipped;

  /**
   * Creates the observer of {@code scenario}.
   *
   * @throws IllegalArgumentException when the scenario's estimator does not fit its model (see
   *     {@link ExtendedKalmanFilter})
   */
  public ModelStateObserver(Scenario scenario) {
    this.scenario = scenario;
    EstimatorSettings settings = EstimatorSettings.fromScenario(scenario, true);
    this.filter = new ExtendedKalmanFilter(scenario, settings);
    List<String> names = new ArrayList<>(scenario.stateSpace().names());
    List<SignalSpec> parameters =
        EstimatorSettings.estimatedParameterSignals(
            scenario.spec().realism(),
            scenario.model().parameters(),
            scenario.nominalParameters(),
            scenario.controlInterval() * scenario.episodeSteps());
    this.parameterIndex = new int[parameters.size()];
    List<String> all = scenario.model().parameters().stream().map(p -> p.name()).toList();
    for (int k = 0; k < parameters.size(); k++) {
      names.add(parameters.get(k).name());
      parameterIndex[k] = all.indexOf(parameters.get(k).name());
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
    skipped = false;
  }

  @Override
  public double[] observe(Observation plant, double[] previousApplied, boolean first) {
    if (plant.size() != plantSize) {
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
    Estimate e = filter.update(padded(plant));
    skipped = !e.skipped().isEmpty();
    double[] state = e.state();
    double[] parameters = e.parameters();
    double[] out = Arrays.copyOf(state, state.length + parameterIndex.length);
    for (int k = 0; k < parameterIndex.length; k++) {
      out[state.length + k] = parameters[parameterIndex[k]];
    }
    return out;
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
    return skipped;
  }
}
