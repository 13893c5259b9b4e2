package org.safeloop.env.ode;

import org.hipparchus.ode.ODEState;
import org.hipparchus.ode.ODEStateAndDerivative;
import org.hipparchus.ode.OrdinaryDifferentialEquation;
import org.hipparchus.ode.nonstiff.ClassicalRungeKuttaIntegrator;
import org.hipparchus.ode.nonstiff.DormandPrince54Integrator;
import org.safeloop.env.process.ProcessModel;

/**
 * Integrates a {@link ProcessModel} over one control interval with the inputs held constant (zero
 * order hold), using Hipparchus: fixed-step classical Runge-Kutta ({@code singleStep}, no step
 * handlers, the fast path) or adaptive Dormand-Prince 5(4) (the reference).
 *
 * <p>Not thread-safe: the simulator holds the inputs and parameters of the current interval. Use one
 * per thread; the model itself may be shared.
 */
public final class ProcessSimulator {
  private final ProcessModel model;
  private final IntegratorSpec spec;
  private final HeldInputOde ode;
  private final DormandPrince54Integrator dormandPrince;
  private ClassicalRungeKuttaIntegrator cachedRk4;
  private double cachedDuration = Double.NaN;

  /** Creates a simulator for {@code model} with the given integrator. */
  public ProcessSimulator(ProcessModel model, IntegratorSpec spec) {
    this.model = model;
    this.spec = spec;
    this.ode = new HeldInputOde(model);
    this.dormandPrince =
        spec.isAdaptive()
            ? new DormandPrince54Integrator(
                1e-12, Double.MAX_VALUE, spec.absoluteTolerance(), spec.relativeTolerance())
            : null;
  }

  /** Returns the model being integrated. */
  public ProcessModel model() {
    return model;
  }

  /** Returns the integrator configuration. */
  public IntegratorSpec spec() {
    return spec;
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
    double[] end;
    if (dormandPrince == null) {
      ClassicalRungeKuttaIntegrator rk4 = rk4For(duration);
      double h = duration / spec.substeps();
      end = state;
      for (int i = 0; i < spec.substeps(); i++) {
        end = rk4.singleStep(ode, i * h, end, (i + 1) * h);
        model.projectState(end, parameters);
      }
    } else {
      ODEStateAndDerivative last = dormandPrince.integrate(ode, new ODEState(0.0, state), duration);
      end = last.getPrimaryState();
      model.projectState(end, parameters);
    }
    System.arraycopy(end, 0, state, 0, state.length);
  }

  private ClassicalRungeKuttaIntegrator rk4For(double duration) {
    if (duration != cachedDuration) {
      cachedRk4 = new ClassicalRungeKuttaIntegrator(duration / spec.substeps());
      cachedDuration = duration;
    }
    return cachedRk4;
  }

  /** The model with inputs and parameters frozen over one interval, as Hipparchus sees it. */
  private static final class HeldInputOde implements OrdinaryDifferentialEquation {
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
      return yDot;
    }
  }
}
