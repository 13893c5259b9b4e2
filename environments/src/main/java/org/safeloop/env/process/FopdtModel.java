package org.safeloop.env.process;

import java.util.List;
import org.safeloop.env.SignalSpec;

/**
 * A first-order-plus-dead-time loop: {@code dx/dt = (K u(t - theta) - x) / tau}. The dead time
 * {@code theta} is a true transport delay (the simulator delays the input by whole control steps),
 * not an extra lag. With {@code theta = 0} this is the plain first-order system.
 *
 * <p>State: process variable {@code x}; input: {@code u} in [0, 1]; gain {@code K}, time constant
 * {@code tau} in minutes. Stateless and thread-safe.
 */
public final class FopdtModel extends DeclaredProcessModel {
  private static final int GAIN = 0;
  private static final int TAU = 1;
  private static final int THETA = 2;

  private static final List<ParameterSpec> PARAMETERS =
      List.of(
          new ParameterSpec("K", "", 1.0, "steady-state gain"),
          ParameterSpec.positive("tau", "min", 0.5, "time constant"),
          ParameterSpec.nonNegative("theta", "min", 0.0, "dead time (whole control steps)"));

  private static final List<SignalSpec> STATES = List.of(new SignalSpec("x", "", 0.0, 1.0));
  private static final List<SignalSpec> INPUTS = List.of(new SignalSpec("u", "", 0.0, 1.0));

  /** Creates the model with its nominal declarations. */
  public FopdtModel() {
    super("fopdt", ModelTimeUnit.MINUTE, STATES, INPUTS, PARAMETERS, new double[] {0.0});
  }

  @Override
  public void derivatives(double[] state, double[] input, double[] p, double[] derivative) {
    derivative[0] = (p[GAIN] * input[0] - state[0]) / p[TAU];
  }

  @Override
  public double deadTime(double[] parameters) {
    return parameters[THETA];
  }

  /** Registers the loop under the name {@code fopdt}. */
  public static final class Provider implements ProcessModelProvider {
    @Override
    public String name() {
      return "fopdt";
    }

    @Override
    public String description() {
      return "first-order-plus-dead-time loop x, u; gain K, time constant tau, dead time theta";
    }

    @Override
    public ProcessModel create() {
      return new FopdtModel();
    }
  }
}
