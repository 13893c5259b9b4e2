package org.safeloop.env.estimation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.hipparchus.distribution.continuous.ChiSquaredDistribution;
import org.hipparchus.linear.LUDecomposition;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.safeloop.env.Observation;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.estimation.EstimatorSettings.RandomWalk;
import org.safeloop.env.ode.ProcessSimulator;
import org.safeloop.env.process.ParameterSpec;
import org.safeloop.env.process.ProcessModel;
import org.safeloop.env.scenario.Scenario;

/**
 * An extended Kalman filter on a scenario's own process model: estimates the process state (and, as
 * random-walk states, the disturbed or uncertain parameters and the sensor biases the {@link
 * EstimatorSettings} name) from noisy, biased or missing measurements, for controllers that must
 * not act on raw readings (the {@code nmpc} baseline) and for filtered observations.
 *
 * <p><b>Why extended, not unscented.</b> The measurements are linear in the augmented state (a
 * measured state plus its sensor's bias), so the update is the exact linear Kalman update; only the
 * prediction is nonlinear, and over one control interval the models here are smooth and close to
 * linear (the CSTR's Arrhenius term changes by about 1 % per 0.1 K), where the first-order
 * linearisation loses little. An EKF reproduces the analytic steady-state Kalman gain of a linear
 * process exactly ({@code ExtendedKalmanFilterTest}), costs {@code 2 (n + p) + 1} model steps per
 * prediction against an unscented filter's {@code 2 (n + p + b) + 1}, and needs no tuning of
 * sigma-point spreads. Near the CSTR's runaway branch a linearisation can mislead; a controller
 * that goes there has failed already.
 *
 * <p><b>The cycle.</b> {@link #reset} sets the prior; each control step, {@link #update} folds in
 * the observation of the current state and returns the {@link Estimate}, and after the action is
 * chosen {@link #predict} carries the estimate over one control interval with the input that acts
 * in it (after any dead time: the caller manages the dead time, as with {@link
 * org.safeloop.env.PredictiveModel#advance}). The discrete-time step is the scenario's integrator
 * ({@link ProcessSimulator}, RK4 with the scenario's sub-steps), parameters held; its Jacobian is
 * taken by central finite differences ({@link EstimatorSettings#relativeStep()}) on the states and
 * the estimated parameters (biases and parameters walk: identity). The covariance update uses the
 * Joseph form, which stays symmetric positive definite under rounding.
 *
 * <p><b>Jumps.</b> A variable whose {@link RandomWalk#jumpStd()} is positive (a parameter the
 * realism section steps) may jump. When an update's normalised innovation squared exceeds the
 * chi-square quantile for a false alarm once in {@code 1 /} {@link
 * EstimatorSettings#JUMP_FALSE_ALARM_PROBABILITY} updates, the filter adds the jumps' covariance,
 * carried through the last prediction's Jacobian, to the prior and updates again ({@link
 * #detectedJumps()} counts these). The walks can then be slow without lagging behind a step.
 *
 * <p><b>Bad inputs.</b> A measurement with quality BAD or UNCERTAIN (a dropout, a failed or
 * saturated instrument) or a value that is not finite is never used: the update of that signal is
 * skipped, the others are used as usual, and the estimate says which were skipped and why ({@link
 * Estimate#skipped()}). With every measurement missing the estimate is the prediction, and its
 * covariance grows. A frozen sensor that reports GOOD cannot be told from a steady process and is
 * used. A prediction that leaves the model's domain (not finite) keeps the last estimate and adds
 * the process noise to the covariance; {@link #failedPredictions()} counts them.
 *
 * <p>Observations are read in engineering units by signal name: every observation signal named
 * after a state is a measurement of that state; others (set points) are ignored. Deterministic; not
 * thread-safe.
 */
public final class ExtendedKalmanFilter {
  private final SignalSpace states;
  private final ProcessModel model;
  private final ProcessSimulator simulator;
  private final double controlInterval;
  private final double[] baseParameters;
  private final int stateCount;
  private final int dimension;
  private final int[] estimatedParameter;
  private final int[] measuredObservation;
  private final int[] measuredState;
  private final int[] biasIndex;
  private final String[] measuredNames;
  private final double[] measurementVariance;
  private final RealMatrix processNoise;
  private final RealMatrix jumpNoise;
  private final double[] jumpThreshold;
  private final double[] initialVariance;
  private final double[] perturbationScale;
  private final int observationSize;
  private final double relativeStep;

  private double[] z;
  private RealMatrix covariance;
  private RealMatrix lastGain;
  private RealMatrix propagatedJump;
  private long failedPredictions;
  private long detectedJumps;

  // Work arrays of the finite differences.
  private final double[] x;
  private final double[] params;

  /**
   * Creates a filter for {@code scenario}'s model with {@code settings}; call {@link #reset} before
   * the first update.
   *
   * @throws IllegalArgumentException when the settings miss a measured signal or a state, or name a
   *     parameter or signal the scenario does not have
   */
  public ExtendedKalmanFilter(Scenario scenario, EstimatorSettings settings) {
    this.states = scenario.stateSpace();
    this.model = scenario.model();
    this.simulator = new ProcessSimulator(model, scenario.spec().integrator(), 64);
    this.controlInterval = scenario.controlInterval();
    this.baseParameters = scenario.nominalParameters();
    this.stateCount = states.size();
    SignalSpace observed = scenario.observationSpace();
    this.observationSize = observed.size();
    this.relativeStep = settings.relativeStep();

    List<ParameterSpec> specs = model.parameters();
    estimatedParameter = new int[settings.parameters().size()];
    int k = 0;
    for (String name : settings.parameters().keySet()) {
      estimatedParameter[k++] = parameterIndex(specs, name);
    }

    List<Integer> obs = new ArrayList<>();
    for (int i = 0; i < observed.size(); i++) {
      if (states.indexOf(observed.get(i).name()) >= 0) {
        obs.add(i);
      }
    }
    int m = obs.size();
    measuredObservation = new int[m];
    measuredState = new int[m];
    measuredNames = new String[m];
    measurementVariance = new double[m];
    biasIndex = new int[m];
    Arrays.fill(biasIndex, -1);
    int biasCount = 0;
    for (String name : settings.sensorBiases().keySet()) {
      if (!obs.contains(observed.indexOf(name))) {
        throw new IllegalArgumentException(
            "sensor bias of '" + name + "': not a measured signal of " + scenario.name());
      }
    }
    for (int j = 0; j < m; j++) {
      measuredObservation[j] = obs.get(j);
      measuredNames[j] = observed.get(obs.get(j)).name();
      measuredState[j] = states.indexOf(measuredNames[j]);
      measurementVariance[j] = square(require(settings.measurementStd(), measuredNames[j], "R"));
      if (settings.sensorBiases().containsKey(measuredNames[j])) {
        biasIndex[j] = stateCount + estimatedParameter.length + biasCount++;
      }
    }
    dimension = stateCount + estimatedParameter.length + biasCount;

    double[] q = new double[dimension];
    double[] jump = new double[dimension];
    initialVariance = new double[dimension];
    perturbationScale = new double[stateCount + estimatedParameter.length];
    for (int i = 0; i < stateCount; i++) {
      String name = states.get(i).name();
      q[i] = square(require(settings.processStd(), name, "Q"));
      initialVariance[i] = square(require(settings.initialStd(), name, "P0"));
      perturbationScale[i] = settings.relativeStep() * states.get(i).span();
    }
    k = 0;
    for (Map.Entry<String, RandomWalk> e : settings.parameters().entrySet()) {
      int zi = stateCount + k;
      q[zi] = square(e.getValue().stepStd());
      jump[zi] = square(e.getValue().jumpStd());
      initialVariance[zi] = square(e.getValue().initialStd());
      double nominal = Math.abs(baseParameters[estimatedParameter[k]]);
      perturbationScale[zi] =
          settings.relativeStep() * Math.max(nominal, e.getValue().initialStd());
      k++;
    }
    for (int j = 0; j < m; j++) {
      if (biasIndex[j] >= 0) {
        RandomWalk w = settings.sensorBiases().get(measuredNames[j]);
        q[biasIndex[j]] = square(w.stepStd());
        jump[biasIndex[j]] = square(w.jumpStd());
        initialVariance[biasIndex[j]] = square(w.initialStd());
      }
    }
    processNoise = MatrixUtils.createRealDiagonalMatrix(q);
    jumpNoise =
        Arrays.stream(jump).anyMatch(v -> v > 0)
            ? MatrixUtils.createRealDiagonalMatrix(jump)
            : null;
    jumpThreshold = new double[m + 1];
    for (int g = 1; g <= m; g++) {
      jumpThreshold[g] =
          new ChiSquaredDistribution(g)
              .inverseCumulativeProbability(1.0 - EstimatorSettings.JUMP_FALSE_ALARM_PROBABILITY);
    }
    x = new double[stateCount];
    params = baseParameters.clone();
  }

  private static double require(Map<String, Double> map, String name, String what) {
    Double v = map.get(name);
    if (v == null) {
      throw new IllegalArgumentException(
          "the estimator's " + what + " has no entry for '" + name + "'; it has " + map.keySet());
    }
    return v;
  }

  private static int parameterIndex(List<ParameterSpec> specs, String name) {
    for (int i = 0; i < specs.size(); i++) {
      if (specs.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "cannot estimate parameter '"
            + name
            + "': the model has "
            + specs.stream().map(ParameterSpec::name).toList());
  }

  private static double square(double v) {
    return v * v;
  }

  /**
   * Starts a new episode from {@code priorState} (in state-space order and units, e.g. the
   * scenario's initial state), the scenario's parameter values and zero sensor biases, with the
   * initial deviations of the settings.
   */
  public void reset(double[] priorState) {
    states.checkLength(priorState);
    z = new double[dimension];
    System.arraycopy(priorState, 0, z, 0, stateCount);
    for (int k = 0; k < estimatedParameter.length; k++) {
      z[stateCount + k] = baseParameters[estimatedParameter[k]];
    }
    covariance = MatrixUtils.createRealDiagonalMatrix(initialVariance);
    lastGain = null;
    propagatedJump = null;
    failedPredictions = 0;
    detectedJumps = 0;
  }

  /**
   * Carries the estimate over one control interval with {@code actingInput} held (the input that
   * reaches the process in that interval, in input order and engineering units).
   *
   * @throws IllegalStateException before {@link #reset}
   */
  public void predict(double[] actingInput) {
    requireReset();
    int free = stateCount + estimatedParameter.length;
    double[] next = step(z, actingInput);
    if (!finite(next)) {
      failedPredictions++;
      covariance = covariance.add(processNoise);
      propagatedJump = jumpNoise;
      return;
    }
    RealMatrix jacobian = MatrixUtils.createRealIdentityMatrix(dimension);
    double[] perturbed = z.clone();
    for (int j = 0; j < free; j++) {
      double h = Math.max(relativeStep * Math.abs(z[j]), perturbationScale[j]);
      perturbed[j] = z[j] + h;
      double[] plus = step(perturbed, actingInput);
      perturbed[j] = z[j] - h;
      double[] minus = step(perturbed, actingInput);
      perturbed[j] = z[j];
      if (!finite(plus) || !finite(minus)) {
        continue; // at the edge of the domain: keep this column of the identity
      }
      for (int i = 0; i < stateCount; i++) {
        jacobian.setEntry(i, j, (plus[i] - minus[i]) / (2 * h));
      }
    }
    z = next;
    covariance =
        symmetric(jacobian.multiply(covariance).multiplyTransposed(jacobian).add(processNoise));
    if (jumpNoise != null) {
      propagatedJump = symmetric(jacobian.multiply(jumpNoise).multiplyTransposed(jacobian));
    }
  }

  /** The augmented state one control interval on: states advanced, parameters and biases held. */
  private double[] step(double[] augmented, double[] input) {
    System.arraycopy(augmented, 0, x, 0, stateCount);
    for (int k = 0; k < estimatedParameter.length; k++) {
      params[estimatedParameter[k]] = augmented[stateCount + k];
    }
    simulator.advance(x, input, params, controlInterval);
    double[] out = augmented.clone();
    System.arraycopy(x, 0, out, 0, stateCount);
    return out;
  }

  /**
   * Folds in the measurements of {@code observation} (engineering units, the scenario's observation
   * order) that are usable, skips the others, and returns the estimate.
   *
   * @throws IllegalArgumentException when the observation has the wrong size
   * @throws IllegalStateException before {@link #reset}
   */
  public Estimate update(Observation observation) {
    requireReset();
    if (observation.size() != observationSize) {
      throw new IllegalArgumentException(
          "expected an observation of " + observationSize + " signals, got " + observation.size());
    }
    List<Estimate.SkippedMeasurement> skipped = new ArrayList<>();
    List<Integer> used = new ArrayList<>();
    for (int j = 0; j < measuredObservation.length; j++) {
      int o = measuredObservation[j];
      Quality q = observation.quality(o);
      double v = observation.value(o);
      if (q != Quality.GOOD) {
        skipped.add(new Estimate.SkippedMeasurement(measuredNames[j], "quality " + q));
      } else if (!Double.isFinite(v)) {
        skipped.add(new Estimate.SkippedMeasurement(measuredNames[j], "value " + v));
      } else {
        used.add(j);
      }
    }
    lastGain = null;
    if (!used.isEmpty()) {
      int g = used.size();
      RealMatrix h = MatrixUtils.createRealMatrix(g, dimension);
      RealMatrix r = MatrixUtils.createRealMatrix(g, g);
      RealVector innovation = MatrixUtils.createRealVector(new double[g]);
      for (int row = 0; row < g; row++) {
        int j = used.get(row);
        h.setEntry(row, measuredState[j], 1.0);
        double predicted = z[measuredState[j]];
        if (biasIndex[j] >= 0) {
          h.setEntry(row, biasIndex[j], 1.0);
          predicted += z[biasIndex[j]];
        }
        r.setEntry(row, row, measurementVariance[j]);
        innovation.setEntry(row, observation.value(measuredObservation[j]) - predicted);
      }
      RealMatrix pht = covariance.multiplyTransposed(h);
      RealMatrix sInverse = new LUDecomposition(h.multiply(pht).add(r)).getSolver().getInverse();
      if (jumpNoise != null
          && innovation.dotProduct(sInverse.operate(innovation)) > jumpThreshold[g]) {
        // Innovations this improbable under the random walks: something jumped in the interval.
        // Allow for it in the prior, as if the jump had come at the start of the interval (the
        // jump's covariance carried through the last prediction's Jacobian, so that the states it
        // moved are correlated with it), and update again: covariance resetting, as in adaptive
        // estimation. The estimate then follows a step within a sample or two, while the walks
        // stay slow enough not to chase the noise.
        detectedJumps++;
        covariance = covariance.add(propagatedJump == null ? jumpNoise : propagatedJump);
        pht = covariance.multiplyTransposed(h);
        sInverse = new LUDecomposition(h.multiply(pht).add(r)).getSolver().getInverse();
      }
      propagatedJump = null;
      RealMatrix gain = pht.multiply(sInverse);
      RealVector correction = gain.operate(innovation);
      for (int i = 0; i < dimension; i++) {
        z[i] += correction.getEntry(i);
      }
      RealMatrix iMinusKh =
          MatrixUtils.createRealIdentityMatrix(dimension).subtract(gain.multiply(h));
      covariance =
          symmetric(
              iMinusKh
                  .multiply(covariance)
                  .multiplyTransposed(iMinusKh)
                  .add(gain.multiply(r).multiplyTransposed(gain)));
      lastGain = gain;
      System.arraycopy(z, 0, x, 0, stateCount);
      model.projectState(x, parameters());
      System.arraycopy(x, 0, z, 0, stateCount);
    }
    return estimate(skipped);
  }

  private Estimate estimate(List<Estimate.SkippedMeasurement> skipped) {
    double[] std = new double[stateCount];
    for (int i = 0; i < stateCount; i++) {
      std[i] = Math.sqrt(covariance.getEntry(i, i));
    }
    double[] biases = new double[observationSize];
    for (int j = 0; j < measuredObservation.length; j++) {
      if (biasIndex[j] >= 0) {
        biases[measuredObservation[j]] = z[biasIndex[j]];
      }
    }
    return new Estimate(Arrays.copyOf(z, stateCount), std, parameters(), biases, skipped);
  }

  /** Returns every model parameter: estimated ones from the state, the others as given. */
  private double[] parameters() {
    double[] p = baseParameters.clone();
    for (int k = 0; k < estimatedParameter.length; k++) {
      p[estimatedParameter[k]] = z[stateCount + k];
    }
    return p;
  }

  /** Returns the covariance of the augmented state (states, parameters, biases), a copy. */
  public double[][] covariance() {
    requireReset();
    return covariance.getData();
  }

  /** Returns the size of the augmented state: states, estimated parameters, sensor biases. */
  public int dimension() {
    return dimension;
  }

  /**
   * Returns how many updates since {@link #reset} found their innovations improbable (beyond the
   * chi-square quantile of {@link EstimatorSettings#JUMP_FALSE_ALARM_PROBABILITY}) and allowed for
   * a jump; 0 when no variable may jump.
   */
  public long detectedJumps() {
    return detectedJumps;
  }

  /** Returns how many predictions left the model's domain since {@link #reset}. */
  public long failedPredictions() {
    return failedPredictions;
  }

  /** The Kalman gain of the last update (augmented state by used measurements), or null. */
  double[][] lastGain() {
    return lastGain == null ? null : lastGain.getData();
  }

  private void requireReset() {
    if (z == null) {
      throw new IllegalStateException("call reset(priorState) before using the estimator");
    }
  }

  private static RealMatrix symmetric(RealMatrix m) {
    return m.add(m.transpose()).scalarMultiply(0.5);
  }

  private static boolean finite(double[] values) {
    for (double v : values) {
      if (!Double.isFinite(v)) {
        return false;
      }
    }
    return true;
  }
}
