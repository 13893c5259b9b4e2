package org.safeloop.env.ode;

import java.util.List;
import org.hipparchus.ode.ODEState;
import org.hipparchus.ode.ODEStateAndDerivative;
import org.hipparchus.ode.OrdinaryDifferentialEquation;
import org.hipparchus.ode.nonstiff.ClassicalRungeKuttaIntegrator;
import org.hipparchus.ode.nonstiff.DormandPrince54Integrator;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.process.ProcessModel;

/**
 * Integrates a {@link ProcessModel} over one control interval with the inputs held constant (zero
 * order hold): classical Runge-Kutta with a fixed number of sub-steps (the fast path, on
 * Hipparchus' Butcher tableau with preallocated stages so that it allocates nothing per step: the
 * shield runs hundreds of predictions a second and must not churn the heap), or Hipparchus'
 * adaptive Dormand-Prince 5(4) (the reference).
 *
 * <p>The RK4 path guards itself against stiffness. Exothermic reactors ignite: on the CSTR's
 * runaway branch the reaction rate grows a hundredfold and a fixed sub-step that is accurate in
 * normal operation becomes unstable (the state explodes to infinity within a few steps). Each
 * sub-step therefore estimates the local Lipschitz constant from its own stages (Hairer's stiffness
 * estimate from the two stages at mid-step, {@code rho = ||k3 - k2|| / ||(h/2)(k2 - k1)||}, in a
 * norm scaled by each state's range) and, when {@code h rho} exceeds {@value #STABILITY_LIMIT},
 * when the sub-step would move a state by more than a tenth of its range, or when a stage is not
 * finite, splits itself in halves (down to 1/{@value #MAX_SPLIT} of the sub-step). In normal
 * operation no sub-step splits and the cost is exactly four derivative evaluations per sub-step.
 *
 * <p>Not thread-safe: the simulator holds the inputs and parameters of the current interval. Use
 * one per thread; the model itself may be shared.
 */
public final class ProcessSimulator {
  /** Largest accepted {@code h rho}; RK4 is stable up to about 2.78 and accurate well below. */
  static final double STABILITY_LIMIT = 1.0;

  /** Largest accepted move of a state in one sub-step, as a fraction of its range. */
  static final double MAX_CHANGE = 0.1;

  /** Finest split of a sub-step, a power of two. */
  static final int MAX_SPLIT = 4096;

  private static final ClassicalRungeKuttaIntegrator TABLEAU = new ClassicalRungeKuttaIntegrator(1);
  private static final double[][] A = TABLEAU.getA();
  private static final double[] B = TABLEAU.getB();

  private final ProcessModel model;
  private final IntegratorSpec spec;
  private final HeldInputOde ode;
  private final DormandPrince54Integrator dormandPrince;
  private final double[] inverseScale;
  private final double[][] stages;
  private final double[] stageState;
  private long splits;
  private final int maxSplit;

  /** While diagnosing: the first state whose derivative or value went non-finite, else -1. */
  private int firstNonFinite = -1;

  private boolean diagnosing;

  /** Creates a simulator for {@code model} with the given integrator. */
  public ProcessSimulator(ProcessModel model, IntegratorSpec spec) {
    this(model, spec, MAX_SPLIT);
  }

  /**
   * Creates a simulator that splits a stiff RK4 sub-step at most {@code maxSplit} times (a power of
   * two up to {@value #MAX_SPLIT}). Predictors that only need to know whether a bound is crossed
   * use a small cap: past it, an igniting prediction goes non-finite quickly instead of being
   * integrated accurately at great cost, and a non-finite prediction counts as crossing.
   */
  public ProcessSimulator(ProcessModel model, IntegratorSpec spec, int maxSplit) {
    if (maxSplit < 1 || maxSplit > MAX_SPLIT || Integer.bitCount(maxSplit) != 1) {
      throw new IllegalArgumentException(
          "maxSplit must be a power of two in 1.." + MAX_SPLIT + ", got " + maxSplit);
    }
    this.maxSplit = maxSplit;
    this.model = model;
    this.spec = spec;
    this.ode = new HeldInputOde(model);
    this.dormandPrince =
        spec.isAdaptive()
            ? new DormandPrince54Integrator(
                1e-12, Double.MAX_VALUE, spec.absoluteTolerance(), spec.relativeTolerance())
            : null;
    List<SignalSpec> states = model.states();
    stages = new double[4][states.size()];
    stageState = new double[states.size()];
    inverseScale = new double[states.size()];
    for (int i = 0; i < inverseScale.length; i++) {
      inverseScale[i] = 1.0 / states.get(i).span();
    }
  }

  /** Returns the model being integrated. */
  public ProcessModel model() {
    return model;
  }

  /** Returns the integrator configuration. */
  public IntegratorSpec spec() {
    return spec;
  }

  /** Returns how many RK4 sub-steps were split for stiffness since creation (diagnostics). */
  public long stiffSplits() {
    return splits;
  }

  /**
   * Advances {@code state} in place by {@code duration} (model time units) with {@code input} and
   * {@code parameters} held, then projects it onto the model's physical domain.
   *
   * @param state the state, overwritten with the state at the end of the interval
   * @param input inputs held over the interval (not modified)
   * @param parameters parameter values (not modified)
   * @param duration interval length, positive, in the model's time unit
   */
  public void advance(double[] state, double[] input, double[] parameters, double duration) {
    ode.input = input;
    ode.parameters = parameters;
    if (dormandPrince == null) {
      double h = duration / spec.substeps();
      for (int i = 0; i < spec.substeps(); i++) {
        rk4Step(state, h, 1);
      }
    } else {
      ODEStateAndDerivative last = dormandPrince.integrate(ode, new ODEState(0.0, state), duration);
      double[] end = last.getPrimaryState();
      model.projectState(end, parameters);
      System.arraycopy(end, 0, state, 0, state.length);
    }
  }

  /**
   * Replays {@link #advance} from {@code state} (not modified) and returns the index of the first
   * state whose right-hand side evaluated non-finite from a finite state, or whose value
   * overflowed, or -1 when the interval stays finite. Called after an interval that ended
   * non-finite, to name the equation that failed; the replay repeats the same arithmetic, so it
   * finds the same failure.
   */
  public int firstNonFiniteState(
      double[] state, double[] input, double[] parameters, double duration) {
    long splitsBefore = splits;
    diagnosing = true;
    firstNonFinite = -1;
    try {
      advance(state.clone(), input, parameters, duration);
    } catch (RuntimeException e) {
      // An adaptive integrator may give up on a non-finite error estimate; the culprit is known.
    } finally {
      diagnosing = false;
      splits = splitsBefore;
    }
    return firstNonFinite;
  }

  private void watch(double[] point, double[] values) {
    if (!diagnosing || firstNonFinite >= 0) {
      return;
    }
    for (double p : point) {
      if (!Double.isFinite(p)) {
        return; // propagated from an earlier failure, not the cause
      }
    }
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        firstNonFinite = i;
        return;
      }
    }
  }

  /**
   * One RK4 step of length h, in place on y, split in halves while it is too stiff for h. Uses
   * Hipparchus' Butcher tableau of the classical method with preallocated stages, so the fast path
   * allocates nothing.
   */
  private void rk4Step(double[] y, double h, int split) {
    int n = y.length;
    model.derivatives(y, ode.input, ode.parameters, stages[0]);
    watch(y, stages[0]);
    for (int k = 1; k < 4; k++) {
      for (int i = 0; i < n; i++) {
        double sum = 0;
        for (int l = 0; l < k; l++) {
          sum += A[k - 1][l] * stages[l][i];
        }
        stageState[i] = y[i] + h * sum;
      }
      model.derivatives(stageState, ode.input, ode.parameters, stages[k]);
      watch(stageState, stages[k]);
    }
    if (split < maxSplit && tooStiff(h)) {
      splits++;
      rk4Step(y, 0.5 * h, 2 * split);
      rk4Step(y, 0.5 * h, 2 * split);
      return;
    }
    for (int i = 0; i < n; i++) {
      double sum = 0;
      for (int l = 0; l < 4; l++) {
        sum += B[l] * stages[l][i];
      }
      double before = y[i];
      y[i] += h * sum;
      if (diagnosing && firstNonFinite < 0 && Double.isFinite(before) && !Double.isFinite(y[i])) {
        firstNonFinite = i; // finite stages whose sum overflowed
      }
    }
    model.projectState(y, ode.parameters);
  }

  /**
   * True when a stage is not finite, when h times the estimated Lipschitz constant is too large, or
   * when the sub-step would move a state by more than {@value #MAX_CHANGE} of its range.
   */
  private boolean tooStiff(double h) {
    double stageDifference = 0; // ||k3 - k2||: stages 2 and 3 sit at the same time, t + h/2
    double pointDifference = 0; // ||(h/2)(k2 - k1)||: the distance between their points
    double change = 0;
    for (int i = 0; i < inverseScale.length; i++) {
      double k1 = stages[0][i] * inverseScale[i];
      double k2 = stages[1][i] * inverseScale[i];
      double k3 = stages[2][i] * inverseScale[i];
      double k4 = stages[3][i] * inverseScale[i];
      if (!Double.isFinite(k1 + k2 + k3 + k4)) {
        return true;
      }
      stageDifference += (k3 - k2) * (k3 - k2);
      pointDifference += 0.25 * h * h * (k2 - k1) * (k2 - k1);
      double step = h * (k1 + 2 * k2 + 2 * k3 + k4) / 6.0;
      change = Math.max(change, Math.abs(step));
    }
    // h rho = h ||k3 - k2|| / ||(h/2)(k2 - k1)||, compared squared.
    boolean stiff =
        h * h * stageDifference > STABILITY_LIMIT * STABILITY_LIMIT * pointDifference
            && pointDifference > 0.0;
    return stiff || change > MAX_CHANGE;
  }

  /** The model with inputs and parameters frozen over one interval, as Hipparchus sees it. */
  private final class HeldInputOde implements OrdinaryDifferentialEquation {
    private final ProcessModel model;
    private final int dimension;
    double[] input;
    double[] parameters;

    HeldInputOde(ProcessModel model) {
      this.model = model;
      this.dimension = model.states().size();
    }

    @Override
    public int getDimension() {
      return dimension;
    }

    @Override
    public double[] computeDerivatives(double t, double[] y) {
      double[] yDot = new double[dimension];
      model.derivatives(y, input, parameters, yDot);
      watch(y, yDot);
      return yDot;
    }
  }
}
