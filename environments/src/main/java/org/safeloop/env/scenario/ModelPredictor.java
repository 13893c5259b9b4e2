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
    return predict(state, pendingInputs, heldInput, steps, null);
  }

  @Override
  public double[][] predict(
      double[] state,
      double[][] pendingInputs,
      double[] heldInput,
      int steps,
      double[] stepCorrection) {
    scenario.stateSpace().checkLength(state);
    if (stepCorrection != null) {
      scenario.stateSpace().checkLength(stepCorrection);
    }
    scenario.actionSpace().checkLength(heldInput);
    if (steps < 0) {
      throw new IllegalArgumentException("prediction steps must be >= 0, got " + steps);
    }
    int delay = scenario.deadTimeSteps();
    double[][] queue = new double[delay][];
    for (int i = 0; i < delay; i++) {
      // pendingInputs are oldest first; pad missing older entries with the oldest known input.
      int fromEnd = delay - i;
      int source = pendingInputs.length - fromEnd;
      if (pendingInputs.length == 0) {
        queue[i] = heldInput;
      } else {
        queue[i] = pendingInputs[Math.max(0, source)];
      }
    }
    double[] x = state.clone();
    double[][] out = new double[steps][];
    double dt = scenario.controlInterval();
    for (int k = 0; k < steps; k++) {
      double[] acting = k < delay ? queue[k] : heldInput;
      simulator.advance(x, acting, parameters, dt);
      if (stepCorrection != null) {
        for (int i = 0; i < x.length; i++) {
          x[i] += stepCorrection[i];
        }
      }
      out[k] = Arrays.copyOf(x, x.length);
    }
    return out;
  }
}
