package org.safeloop.experiments.identify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import org.hipparchus.exception.MathIllegalStateException;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.SingularValueDecomposition;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresBuilder;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresOptimizer;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresProblem;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LevenbergMarquardtOptimizer;
import org.hipparchus.optim.nonlinear.vector.leastsquares.MultivariateJacobianFunction;
import org.hipparchus.util.Pair;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.ode.ProcessSimulator;
import org.safeloop.env.process.ParameterSpec;
import org.safeloop.env.realism.SensorConfig;
import org.safeloop.env.scenario.Scenario;

/**
 * Fits named parameters of a scenario's model to plant data by simulation-error least squares over
 * segments (multiple shooting): the data is cut into segments of a few control steps, each segment
 * is simulated from its own initial state with the recorded actions, and the sum of squared,
 * weighted differences between simulated and measured states is minimised with Hipparchus'
 * Levenberg-Marquardt. Short segments keep the problem well behaved on stretches a single long
 * simulation would drift away from (an unstable or stiff process, a poor first guess).
 *
 * <p>Each segment starts from the measured state at its first step; with {@code freeInitial} every
 * segment's initial state is an unknown as well, tied to its measurement by one residual and to the
 * end of the segment before by a continuity residual, as in classical multiple shooting.
 *
 * <p>A positive parameter is fitted as {@code p = p0 exp(z)} (it stays positive, and parameters of
 * very different magnitudes, such as a pre-exponential factor, are scaled alike); others as {@code
 * p = p0 + z max(|p0|, 1)}. The Jacobian is taken by forward differences. The residuals are
 * weighted twice: first by each state's sensor noise from the scenario's realism section (else 1 %
 * of its range), then, for the final fit, by each state's residual RMS from the first, so that the
 * statistics rest on the noise the data shows.
 */
public final class ModelFit {
  /** Relative perturbation of the forward differences. */
  private static final double STEP = 1e-6;

  /** Weight of a continuity residual relative to a measurement's. */
  private static final double CONTINUITY_WEIGHT = 10.0;

  /** Residual of a segment whose simulation leaves the model's domain. */
  private static final double FAILED_RESIDUAL = 1e3;

  /**
   * How to fit.
   *
   * @param free the parameters to fit, by name
   * @param freeInitial every segment's initial state is fitted too
   * @param segmentSteps control steps per segment, at least 1
   * @param maxIterations Levenberg-Marquardt iterations at most
   */
  public record Settings(
      List<String> free, boolean freeInitial, int segmentSteps, int maxIterations) {
    /** Checks the values. */
    public Settings {
      free = List.copyOf(free);
      if (free.isEmpty()) {
        throw new IllegalArgumentException("name at least one parameter to fit (--free)");
      }
      if (segmentSteps < 1) {
        throw new IllegalArgumentException("segments need at least 1 step, got " + segmentSteps);
      }
    }
  }

  /**
   * The fit.
   *
   * @param names the fitted parameters
   * @param initial their values before the fit (the scenario's)
   * @param estimate their fitted values
   * @param covariance the covariance of the estimates ({@code names} order), from the Jacobian at
   *     the optimum and the residual variance
   * @param residualRms each state's residual RMS at the optimum, in its unit
   * @param residuals each state's residuals at the optimum (measured minus simulated), in its unit
   * @param measurements residuals in the fit
   * @param unknowns parameters plus fitted initial states
   * @param segments segments fitted
   * @param iterations Levenberg-Marquardt iterations of the final pass
   * @param converged false when the final pass ran out of iterations (its best point is given)
   * @param evaluations model evaluations of both passes
   * @param conditionNumber condition number of the scaled information matrix of the parameters
   * @param declaredNoise each state's sensor noise from the scenario's realism section, NaN where
   *     it declares none
   */
  public record Result(
      List<String> names,
      double[] initial,
      double[] estimate,
      double[][] covariance,
      double[] residualRms,
      double[][] residuals,
      int measurements,
      int unknowns,
      int segments,
      int iterations,
      boolean converged,
      int evaluations,
      double conditionNumber,
      double[] declaredNoise) {

    /** Returns the standard error of parameter {@code i}. */
    public double standardError(int i) {
      return Math.sqrt(Math.max(0.0, covariance[i][i]));
    }

    /** Returns the correlation of parameters {@code i} and {@code j}. */
    public double correlation(int i, int j) {
      double d = standardError(i) * standardError(j);
      return d > 0 ? covariance[i][j] / d : Double.NaN;
    }
  }

  private final Scenario scenario;
  private final IdentificationData data;
  private final ProcessSimulator simulator;
  private final double dt;
  private final int delay;
  private final int[] free;
  private final double[] base;
  private final boolean[] logScale;
  private final boolean freeInitial;
  private final int n;
  private final List<int[]> segments = new ArrayList<>();
  private double[] weight;
  private int evaluations;

  private ModelFit(Scenario scenario, IdentificationData data, int fitSteps, Settings settings) {
    this.scenario = scenario;
    this.data = data;
    this.simulator = new ProcessSimulator(scenario.model(), scenario.spec().integrator(), 64);
    this.dt = scenario.controlInterval();
    this.delay = scenario.deadTimeSteps();
    this.freeInitial = settings.freeInitial();
    this.n = scenario.stateSpace().size();
    List<ParameterSpec> specs = scenario.model().parameters();
    this.base = scenario.nominalParameters();
    this.free = new int[settings.free().size()];
    this.logScale = new boolean[free.length];
    for (int i = 0; i < free.length; i++) {
      free[i] = indexOf(specs, settings.free().get(i));
      logScale[i] = base[free[i]] > 0;
    }
    cutSegments(fitSteps, settings.segmentSteps());
    if (segments.isEmpty()) {
      throw new IllegalArgumentException(
          "no stretch of the data has the states known at its start and the actions known for a"
              + " step after it: nothing to fit");
    }
    this.weight = initialWeights();
  }

  /**
   * Fits {@code settings.free()} to the first {@code fitSteps} grid steps of {@code data}.
   *
   * @param progress told the number of model evaluations so far, now and then
   * @throws IllegalArgumentException for an unknown parameter, too little data (fewer measurements
   *     than unknowns) or data with nothing to fit
   */
  public static Result fit(
      Scenario scenario,
      IdentificationData data,
      int fitSteps,
      Settings settings,
      IntConsumer progress) {
    ModelFit f = new ModelFit(scenario, data, fitSteps, settings);
    return f.run(settings.maxIterations(), progress);
  }

  private static int indexOf(List<ParameterSpec> specs, String name) {
    for (int i = 0; i < specs.size(); i++) {
      if (specs.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "--free "
            + name
            + ": not a parameter of the model; its parameters are "
            + specs.stream().map(ParameterSpec::name).toList());
  }

  /** Segments of at most {@code length} steps with the states known at each start. */
  private void cutSegments(int fitSteps, int length) {
    int k = 0;
    while (k < fitSteps - 1) {
      if (!data.statesKnown(k) || !actionsKnownFor(k)) {
        k++;
        continue;
      }
      int end = k;
      while (end < fitSteps - 1 && end - k < length && actionsKnownFor(end)) {
        end++;
      }
      if (end > k) {
        segments.add(new int[] {k, end});
      }
      k = end;
    }
  }

  /** The actions acting during step {@code k} (after the dead time) are known. */
  private boolean actionsKnownFor(int k) {
    return data.actionsKnown(Math.max(0, k - delay));
  }

  private double[] initialWeights() {
    double[] noise = declaredNoise();
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      w[i] = noise[i] > 0 ? noise[i] : 0.01 * scenario.stateSpace().get(i).span();
    }
    return w;
  }

  private double[] declaredNoise() {
    double[] noise = new double[n];
    for (int i = 0; i < n; i++) {
      SignalSpec s = scenario.stateSpace().get(i);
      SensorConfig sensor =
          scenario.spec().realism() == null || scenario.spec().realism().sensors() == null
              ? null
              : scenario.spec().realism().sensors().get(s.name());
      noise[i] = sensor == null || !(sensor.noiseStd() > 0) ? Double.NaN : sensor.noiseStd();
    }
    return noise;
  }

  private Result run(int maxIterations, IntConsumer progress) {
    int unknowns = free.length + (freeInitial ? segments.size() * n : 0);
    double[] start = new double[unknowns];
    int m = residualCount();
    if (m <= unknowns) {
      throw new IllegalArgumentException(
          "fewer measurements ("
              + m
              + ") than unknowns ("
              + unknowns
              + "): give more data or fit fewer parameters");
    }
    // Pass 1 with the sensor weights, pass 2 with the residuals' own.
    Pass first = optimise(start, m, maxIterations, progress);
    double[] rms1 = rms(stateResiduals(first.point()));
    for (int i = 0; i < n; i++) {
      weight[i] = Math.max(rms1[i], 1e-9 * scenario.stateSpace().get(i).span());
    }
    Pass last = optimise(first.point(), m, maxIterations, progress);
    double[] z = last.point();
    double[][] residuals = stateResiduals(z);
    double[] r = residuals(z);
    double[][] jacobian = jacobian(z, r);
    double cost = 0;
    for (double v : r) {
      cost += v * v;
    }
    double s2 = cost / Math.max(1, m - unknowns);
    double[][] zCov = covariance(jacobian, s2);
    double[] estimate = parameters(z);
    double[] initial = new double[free.length];
    double[][] cov = new double[free.length][free.length];
    double[] dpdz = new double[free.length];
    for (int i = 0; i < free.length; i++) {
      initial[i] = base[free[i]];
      dpdz[i] = logScale[i] ? estimate[free[i]] : Math.max(Math.abs(base[free[i]]), 1.0);
    }
    for (int i = 0; i < free.length; i++) {
      for (int j = 0; j < free.length; j++) {
        cov[i][j] = dpdz[i] * dpdz[j] * zCov[i][j];
      }
    }
    double[] fitted = new double[free.length];
    for (int i = 0; i < free.length; i++) {
      fitted[i] = estimate[free[i]];
    }
    return new Result(
        List.of(names()),
        initial,
        fitted,
        cov,
        rms(residuals),
        residuals,
        m,
        unknowns,
        segments.size(),
        last.iterations(),
        last.converged(),
        evaluations,
        condition(jacobian),
        declaredNoise());
  }

  /** One Levenberg-Marquardt pass: its end point (the best seen when it did not converge). */
  private record Pass(double[] point, int iterations, boolean converged) {}

  /**
   * The covariance of the unknowns, {@code s2 (J^T J)^-1}, by the singular values of J: a direction
   * the data does not determine (a singular value below 1e-10 of the largest) has an infinite
   * variance, so every unknown it touches gets NaN, never a confident number.
   */
  private static double[][] covariance(double[][] jacobian, double s2) {
    int p = jacobian[0].length;
    SingularValueDecomposition svd =
        new SingularValueDecomposition(new Array2DRowRealMatrix(jacobian, false));
    double[] sv = svd.getSingularValues();
    RealMatrix v = svd.getV();
    double[][] cov = new double[p][p];
    boolean[] undetermined = new boolean[p];
    for (int k = 0; k < sv.length; k++) {
      if (sv[k] <= 1e-10 * sv[0]) {
        for (int i = 0; i < p; i++) {
          undetermined[i] |= Math.abs(v.getEntry(i, k)) > 1e-6;
        }
        continue;
      }
      double w = s2 / (sv[k] * sv[k]);
      for (int i = 0; i < p; i++) {
        for (int j = 0; j < p; j++) {
          cov[i][j] += w * v.getEntry(i, k) * v.getEntry(j, k);
        }
      }
    }
    for (int i = 0; i < p; i++) {
      if (undetermined[i]) {
        for (int j = 0; j < p; j++) {
          cov[i][j] = Double.NaN;
          cov[j][i] = Double.NaN;
        }
      }
    }
    return cov;
  }

  private String[] names() {
    List<ParameterSpec> specs = scenario.model().parameters();
    String[] out = new String[free.length];
    for (int i = 0; i < free.length; i++) {
      out[i] = specs.get(free[i]).name();
    }
    return out;
  }

  private Pass optimise(double[] start, int m, int maxIterations, IntConsumer progress) {
    double[][] best = {start.clone()};
    double[] bestCost = {Double.POSITIVE_INFINITY};
    MultivariateJacobianFunction model =
        point -> {
          double[] z = point.toArray();
          double[] r = residuals(z);
          double cost = 0;
          for (double v : r) {
            cost += v * v;
          }
          if (cost < bestCost[0]) {
            bestCost[0] = cost;
            best[0] = z.clone();
          }
          double[][] jac = jacobian(z, r);
          progress.accept(evaluations);
          return new Pair<>(new ArrayRealVector(r, false), new Array2DRowRealMatrix(jac, false));
        };
    LeastSquaresProblem problem =
        new LeastSquaresBuilder()
            .start(start)
            .model(model)
            .target(new double[m])
            .maxEvaluations(Math.max(100, 20 * maxIterations))
            .maxIterations(maxIterations)
            .build();
    try {
      LeastSquaresOptimizer.Optimum opt = new LevenbergMarquardtOptimizer().optimize(problem);
      return new Pass(opt.getPoint().toArray(), opt.getIterations(), true);
    } catch (MathIllegalStateException e) {
      // Out of iterations or evaluations: keep the best point, and say it did not converge.
      return new Pass(best[0], maxIterations, false);
    }
  }

  /** Forward-difference Jacobian of the residuals {@code r} at {@code z}. */
  private double[][] jacobian(double[] z, double[] r) {
    double[][] jac = new double[r.length][z.length];
    for (int c = 0; c < z.length; c++) {
      double h = STEP * Math.max(1.0, Math.abs(z[c]));
      double[] zp = z.clone();
      zp[c] += h;
      double[] rp = residuals(zp);
      for (int row = 0; row < r.length; row++) {
        jac[row][c] = (rp[row] - r[row]) / h;
      }
    }
    return jac;
  }

  /** The model's parameter vector for the unknowns {@code z}. */
  private double[] parameters(double[] z) {
    double[] p = base.clone();
    List<ParameterSpec> specs = scenario.model().parameters();
    for (int i = 0; i < free.length; i++) {
      double v =
          logScale[i]
              ? base[free[i]] * Math.exp(z[i])
              : base[free[i]] + z[i] * Math.max(Math.abs(base[free[i]]), 1.0);
      ParameterSpec s = specs.get(free[i]);
      p[free[i]] = Math.max(s.min(), Math.min(s.max(), v));
    }
    return p;
  }

  private int residualCount() {
    int m = 0;
    for (int[] seg : segments) {
      for (int k = seg[0] + 1; k <= seg[1]; k++) {
        for (int i = 0; i < n; i++) {
          m += Double.isFinite(data.states()[k][i]) ? 1 : 0;
        }
      }
      if (freeInitial) {
        m += n; // the initial state against its measurement
      }
    }
    if (freeInitial) {
      for (int s = 0; s + 1 < segments.size(); s++) {
        if (segments.get(s)[1] == segments.get(s + 1)[0]) {
          m += n;
        }
      }
    }
    return m;
  }

  /** The weighted residuals (simulated minus measured) for the unknowns {@code z}. */
  private double[] residuals(double[] z) {
    evaluations++;
    double[] p = parameters(z);
    double[] r = new double[residualCount()];
    int at = 0;
    double[][] ends = new double[segments.size()][];
    double[][] starts = new double[segments.size()][];
    for (int s = 0; s < segments.size(); s++) {
      int[] seg = segments.get(s);
      double[] x = segmentStart(s, z);
      starts[s] = x.clone();
      boolean failed = false;
      for (int k = seg[0]; k < seg[1]; k++) {
        if (!failed) {
          simulator.advance(x, data.actions()[Math.max(0, k - delay)], p, dt);
          failed = !finite(x);
        }
        for (int i = 0; i < n; i++) {
          double y = data.states()[k + 1][i];
          if (Double.isFinite(y)) {
            r[at++] = failed ? FAILED_RESIDUAL : (x[i] - y) / weight[i];
          }
        }
      }
      ends[s] = failed ? null : x.clone();
      if (freeInitial) {
        for (int i = 0; i < n; i++) {
          r[at++] = z[free.length + s * n + i];
        }
      }
    }
    if (freeInitial) {
      for (int s = 0; s + 1 < segments.size(); s++) {
        if (segments.get(s)[1] == segments.get(s + 1)[0]) {
          for (int i = 0; i < n; i++) {
            r[at++] =
                ends[s] == null
                    ? FAILED_RESIDUAL
                    : CONTINUITY_WEIGHT * (ends[s][i] - starts[s + 1][i]) / weight[i];
          }
        }
      }
    }
    return r;
  }

  /** Segment {@code s}'s initial state: its measurement, plus its fitted offset if free. */
  private double[] segmentStart(int s, double[] z) {
    double[] x = data.states()[segments.get(s)[0]].clone();
    if (freeInitial) {
      for (int i = 0; i < n; i++) {
        x[i] += z[free.length + s * n + i] * weight[i];
      }
    }
    return x;
  }

  /** Measured minus simulated, per state, in its unit, over every fitted step. */
  private double[][] stateResiduals(double[] z) {
    double[] p = parameters(z);
    List<List<Double>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new ArrayList<>());
    }
    for (int s = 0; s < segments.size(); s++) {
      int[] seg = segments.get(s);
      double[] x = segmentStart(s, z);
      for (int k = seg[0]; k < seg[1]; k++) {
        simulator.advance(x, data.actions()[Math.max(0, k - delay)], p, dt);
        if (!finite(x)) {
          break;
        }
        for (int i = 0; i < n; i++) {
          double y = data.states()[k + 1][i];
          if (Double.isFinite(y)) {
            out.get(i).add(y - x[i]);
          }
        }
      }
    }
    double[][] r = new double[n][];
    for (int i = 0; i < n; i++) {
      r[i] = out.get(i).stream().mapToDouble(Double::doubleValue).toArray();
    }
    return r;
  }

  private static double[] rms(double[][] residuals) {
    double[] out = new double[residuals.length];
    for (int i = 0; i < out.length; i++) {
      double sum = 0;
      for (double v : residuals[i]) {
        sum += v * v;
      }
      out[i] = residuals[i].length == 0 ? Double.NaN : Math.sqrt(sum / residuals[i].length);
    }
    return out;
  }

  /** Condition number of the parameters' block of J^T J, each column scaled to unit norm. */
  private double condition(double[][] jacobian) {
    int p = free.length;
    double[][] cols = new double[p][];
    for (int c = 0; c < p; c++) {
      cols[c] = new double[jacobian.length];
      for (int row = 0; row < jacobian.length; row++) {
        cols[c][row] = jacobian[row][c];
      }
      double norm = Math.sqrt(Arrays.stream(cols[c]).map(v -> v * v).sum());
      if (norm == 0) {
        return Double.POSITIVE_INFINITY;
      }
      for (int i = 0; i < cols[c].length; i++) {
        cols[c][i] /= norm;
      }
    }
    double[][] info = new double[p][p];
    for (int a = 0; a < p; a++) {
      for (int b = 0; b < p; b++) {
        double sum = 0;
        for (int i = 0; i < cols[a].length; i++) {
          sum += cols[a][i] * cols[b][i];
        }
        info[a][b] = sum;
      }
    }
    double[] ev =
        new org.hipparchus.linear.EigenDecompositionSymmetric(new Array2DRowRealMatrix(info))
            .getEigenvalues();
    double max = Arrays.stream(ev).max().orElse(0);
    double min = Arrays.stream(ev).min().orElse(0);
    return min <= 0 ? Double.POSITIVE_INFINITY : max / min;
  }

  private static boolean finite(double[] x) {
    for (double v : x) {
      if (!Double.isFinite(v)) {
        return false;
      }
    }
    return true;
  }
}
