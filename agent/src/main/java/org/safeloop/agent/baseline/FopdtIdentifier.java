package org.safeloop.agent.baseline;

import java.util.Arrays;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresBuilder;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresOptimizer;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresProblem;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LevenbergMarquardtOptimizer;
import org.hipparchus.util.Pair;
import org.safeloop.env.PredictiveModel;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.scenario.Scenario;

/**
 * Identifies a {@link Fopdt} model from an open-loop step test on a scenario's noise-free nominal
 * model.
 *
 * <p>The test starts at the scenario's initial state and input, holds the input until the process
 * has settled, steps one input, and records one process variable once per control interval until it
 * settles again (see {@link StepTest}). The input's dead time is honoured: the step reaches the
 * process {@link Scenario#deadTimeSteps()} control steps later, exactly as in the environment.
 *
 * <p>The fit is least squares on the whole sampled response, {@code y(t_k) - y0 = K du (1 -
 * exp(-(t_k - theta)/tau))} for {@code t_k > theta}, over (K, tau, theta) with Levenberg-Marquardt
 * (Hipparchus), started from Smith's 28.3 % / 63.2 % two-point estimate. Why least squares: the
 * two-point method reads two times off the curve by interpolating between samples, and with the
 * coarse sampling of the scenarios (the fopdt scenario samples every 0.1 min for tau = 0.5 min) the
 * interpolation error alone moves tau and theta by several per cent; the least-squares fit uses
 * every sample and treats theta as continuous, so it recovers a true FOPDT process exactly (up to
 * integration error) and gives the best FOPDT in the mean-square sense for any other process.
 * Thread-safe (stateless).
 */
public final class FopdtIdentifier {
  /** Consecutive quiet steps that count as settled. */
  private static final int QUIET_STEPS = 10;

  private FopdtIdentifier() {}

  /**
   * Identifies a FOPDT model of the loop {@code test} describes.
   *
   * @throws IllegalArgumentException if the test names an unknown signal or steps outside the
   *     actuator limits
   * @throws IllegalStateException if the process does not settle within the test's step budget or
   *     does not respond to the step
   */
  public static FopdtFit identify(Scenario scenario, StepTest test) {
    return fit(stepTest(scenario, test));
  }

  /**
   * Runs the step test on the scenario's noise-free model with nominal parameters.
   *
   * @throws IllegalArgumentException if the test names an unknown signal or steps outside the
   *     actuator limits
   * @throws IllegalStateException if the process does not settle within the test's step budget
   */
  public static StepResponse stepTest(Scenario scenario, StepTest test) {
    SignalSpace states = scenario.stateSpace();
    SignalSpace inputs = scenario.actionSpace();
    int pv = states.indexOf(test.processVariable());
    if (pv < 0) {
      throw new IllegalArgumentException(
          "step test: scenario "
              + scenario.name()
              + " has no state '"
              + test.processVariable()
              + "'; it has "
              + states.names());
    }
    int in = inputs.indexOf(test.input());
    if (in < 0) {
      throw new IllegalArgumentException(
          "step test: scenario "
              + scenario.name()
              + " has no input '"
              + test.input()
              + "'; it has "
              + inputs.names());
    }
    double[] baseline = scenario.initialInput();
    double[] stepped = baseline.clone();
    stepped[in] += test.stepSize();
    var limits = inputs.get(in);
    if (stepped[in] < limits.min() || stepped[in] > limits.max()) {
      throw new IllegalArgumentException(
          "step test: "
              + test.input()
              + " = "
              + baseline[in]
              + " + "
              + test.stepSize()
              + " leaves the actuator limits ["
              + limits.min()
              + ", "
              + limits.max()
              + "]");
    }

    PredictiveModel model = scenario.predictiveModel(scenario.nominalParameters(), null);
    double[] state = scenario.initialState();
    settle(scenario, model, state, baseline, test);

    int delay = scenario.deadTimeSteps();
    double[] output = new double[test.maxSteps() + 1];
    double y0 = state[pv];
    output[0] = y0;
    int quiet = 0;
    int n = test.maxSteps();
    for (int k = 1; k <= test.maxSteps(); k++) {
      model.advance(state, k - 1 < delay ? baseline : stepped, null);
      requireFinite(scenario, state, "after the step");
      output[k] = state[pv];
      double change = Math.abs(output[k] - output[k - 1]);
      boolean still = change <= test.settleTolerance() * Math.abs(output[k] - y0);
      quiet = k > delay && still ? quiet + 1 : 0;
      if (quiet >= QUIET_STEPS) {
        n = k;
        break;
      }
    }
    return new StepResponse(
        scenario.controlInterval(),
        baseline[in],
        test.stepSize(),
        y0,
        Arrays.copyOf(output, n + 1));
  }

  /** Holds {@code input} until every state moves less than the tolerance of its range per step. */
  private static void settle(
      Scenario scenario, PredictiveModel model, double[] state, double[] input, StepTest test) {
    SignalSpace states = scenario.stateSpace();
    double[] previous = new double[state.length];
    int quiet = 0;
    for (int k = 0; k < test.maxSteps(); k++) {
      System.arraycopy(state, 0, previous, 0, state.length);
      model.advance(state, input, null);
      requireFinite(scenario, state, "while settling");
      double moved = 0;
      for (int i = 0; i < state.length; i++) {
        moved = Math.max(moved, Math.abs(state[i] - previous[i]) / states.get(i).span());
      }
      quiet = moved <= test.settleTolerance() ? quiet + 1 : 0;
      if (quiet >= QUIET_STEPS) {
        return;
      }
    }
    throw new IllegalStateException(
        "step test: scenario "
            + scenario.name()
            + " does not settle at its initial input within "
            + test.maxSteps()
            + " control steps; raise max steps or the settle tolerance");
  }

  private static void requireFinite(Scenario scenario, double[] state, String when) {
    for (double v : state) {
      if (!Double.isFinite(v)) {
        throw new IllegalStateException(
            "step test: the model of " + scenario.name() + " diverged " + when);
      }
    }
  }

  /**
   * Fits a FOPDT model to a recorded step response: the two-point estimate, refined by least
   * squares over all samples.
   *
   * @throws IllegalStateException if the process variable does not respond to the step
   */
  public static FopdtFit fit(StepResponse response) {
    int n = response.size();
    double du = response.stepSize();
    double finalChange = response.deviation(n - 1);
    double peakChange = 0;
    for (int k = 0; k < n; k++) {
      peakChange = Math.max(peakChange, Math.abs(response.deviation(k)));
    }
    if (!(peakChange > 0) || finalChange == 0.0) {
      throw new IllegalStateException(
          "the process variable did not settle at a new value after the step; "
              + "no FOPDT model can be fitted");
    }
    Fopdt twoPoint = twoPoint(response, finalChange);

    double[] target = new double[n];
    double[] times = new double[n];
    for (int k = 0; k < n; k++) {
      target[k] = response.deviation(k);
      times[k] = response.time(k);
    }
    double minTau = 1e-3 * response.sampleTime();
    LeastSquaresProblem problem =
        new LeastSquaresBuilder()
            .start(new double[] {twoPoint.gain(), twoPoint.timeConstant(), twoPoint.deadTime()})
            .target(target)
            .model(
                point -> {
                  double gain = point.getEntry(0);
                  double tau = point.getEntry(1);
                  double theta = point.getEntry(2);
                  double[] value = new double[n];
                  double[][] jacobian = new double[n][3];
                  for (int k = 0; k < n; k++) {
                    double t = times[k] - theta;
                    if (t <= 0) {
                      continue;
                    }
                    double decay = Math.exp(-t / tau);
                    value[k] = gain * du * (1 - decay);
                    jacobian[k][0] = du * (1 - decay);
                    jacobian[k][1] = -gain * du * decay * t / (tau * tau);
                    jacobian[k][2] = -gain * du * decay / tau;
                  }
                  return new Pair<RealVector, RealMatrix>(
                      new ArrayRealVector(value, false), new Array2DRowRealMatrix(jacobian, false));
                })
            .parameterValidator(
                point -> {
                  RealVector valid = point.copy();
                  valid.setEntry(1, Math.max(minTau, point.getEntry(1)));
                  valid.setEntry(2, Math.max(0.0, point.getEntry(2)));
                  return valid;
                })
            .maxEvaluations(10_000)
            .maxIterations(10_000)
            .build();
    LeastSquaresOptimizer.Optimum optimum = new LevenbergMarquardtOptimizer().optimize(problem);
    RealVector p = optimum.getPoint();
    Fopdt fitted = new Fopdt(p.getEntry(0), p.getEntry(1), p.getEntry(2));
    double rms = optimum.getRMS() / Math.abs(finalChange);
    return new FopdtFit(fitted, twoPoint, rms, response);
  }

  /**
   * Smith's two-point method: with t28 and t63 the times at which the response reaches 28.3 % and
   * 63.2 % of its final change, {@code tau = 1.5 (t63 - t28)} and {@code theta = t63 - tau}.
   */
  private static Fopdt twoPoint(StepResponse response, double finalChange) {
    double t28 = crossing(response, 0.283 * finalChange);
    double t63 = crossing(response, 0.632 * finalChange);
    double tau = Math.max(1.5 * (t63 - t28), 0.1 * response.sampleTime());
    double theta = Math.max(0.0, t63 - tau);
    return new Fopdt(finalChange / response.stepSize(), tau, theta);
  }

  /** Returns the first time the deviation reaches {@code level}, interpolating linearly. */
  private static double crossing(StepResponse response, double level) {
    for (int k = 1; k < response.size(); k++) {
      double a = response.deviation(k - 1);
      double b = response.deviation(k);
      if ((b - level) * Math.signum(level) >= 0) {
        double fraction = b == a ? 1.0 : (level - a) / (b - a);
        return response.time(k - 1) + fraction * response.sampleTime();
      }
    }
    return response.time(response.size() - 1);
  }
}
