package org.safeloop.env.scenario;

import java.util.Arrays;
import org.safeloop.env.PredictiveModel;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.ode.IntegratorSpec;
import org.safeloop.env.ode.ProcessSimulator;

/** Noise-free prediction with the scenario's model and fixed parameters. Not thread-safe. */
final class ModelPredictor implements PredictiveModel {
  /** Largest split of a stiff RK4 sub-step in predictions. */
  static final int PREDICTION_MAX_SPLIT = 64;

  private final Scenario scenario;
  private final ProcessSimulator simulator;
  private final double[] parameters;

  ModelPredictor(Scenario scenario, IntegratorSpec integrator, double[] parameters) {
    this.scenario = scenario;
    // Predictions need to see a bound crossed, not to follow an ignition accurately: a small cap
    // on stiff splitting bounds the cost of one predicted step (see ProcessSimulator).
    this.simulator = new ProcessSimulator(scenario.model(), integrator, PREDICTION_MAX_SPLIT);
    this.parameters = parameters.clone();
  }

  @Override
  public SignalSpace stateSpace() {
    return scenario.stateSpace();
  }

  @Override
  public SignalSpace inputSpace() {
    return scenario.actionSpace();
  }

  @Override
  public double controlInterval() {
    return scenario.controlInterval();
  }

  @Override
  public int deadTimeSteps() {
    return scenario.deadTimeSteps();
  }

  @Override
  public void advance(double[] state, double[] input, double[] stepCorrection) {
    simulator.advance(state, input, parameters, scenario.controlInterval());
    if (stepCorrection != null) {
      for (int i = 0; i < state.length; i++) {
        state[i] += stepCorrection[i];
      }
    }
  }

  @Override
  public double[][] predict(double[] state, double[] heldInput, int steps) {
    return predict(state, new double[0][], heldInput, steps);
  }

  @Override
  public double[][] predict(
      double[] state, double[][] pendingInputs, double[] heldInput, int steps) {
    scenario.stateSpace().checkLength(state);
    scenario.actionSpace().checkLength(heldInput);
    if (steps < 0) {
      throw new IllegalArgumentException("prediction steps must be >= 0, got " + steps);
    }
    int delay = scenario.deadTimeSteps();
    double[] x = state.clone();
    double[][] out = new double[steps][];
    for (int k = 0; k < steps; k++) {
      advance(x, PredictiveModel.actingInput(k, delay, pendingInputs, heldInput), null);
      out[k] = Arrays.copyOf(x, x.length);
    }
    return out;
  }
}
