package org.safeloop.env.process;

import java.util.List;
import org.safeloop.env.SignalSpec;

/**
 * A process described by ordinary differential equations: {@code dx/dt = f(x, u, p)}, with states
 * {@code x}, manipulated inputs {@code u} and parameters {@code p}, each named and with units.
 *
 * <p>This is the extension point for new units: implement it (or write a YAML equation file) and
 * register a {@link ProcessModelProvider} with {@link java.util.ServiceLoader}. A model is a pure
 * function of its arguments; {@link #derivatives} must not keep state between calls, so one model
 * instance may be shared by any number of simulators on any threads.
 */
public interface ProcessModel {

  /** Returns the model's name, e.g. {@code cstr}. */
  String name();

  /**
   * Returns what its file declares that nothing uses (a parameter no equation names), for the
   * commands to show; empty for the built-in Java models.
   */
  default List<String> warnings() {
    return List.of();
  }

  /** Returns the time unit of the derivatives (and of every time in scenarios using this model). */
  ModelTimeUnit timeUnit();

  /** Returns the states with units and default observation ranges. */
  List<SignalSpec> states();

  /** Returns the manipulated inputs with units and default actuator limits. */
  List<SignalSpec> inputs();

  /** Returns the parameters with nominal values. */
  List<ParameterSpec> parameters();

  /** Returns the default initial state (a new array, in the order of {@link #states()}). */
  double[] initialState();

  /**
   * Computes the state derivatives.
   *
   * @param state current state, in the order of {@link #states()} (not modified)
   * @param input applied inputs, in the order of {@link #inputs()} (not modified)
   * @param parameters parameter values, in the order of {@link #parameters()} (not modified)
   * @param derivative receives {@code dx/dt} per {@link #timeUnit()}
   */
  void derivatives(double[] state, double[] input, double[] parameters, double[] derivative);

  /**
   * Projects a state back onto its physical domain after an integration step, e.g. a tank level
   * cannot be negative nor above the overflow. The default does nothing.
   *
   * @param state modified in place
   * @param parameters parameter values
   */
  default void projectState(double[] state, double[] parameters) {}

  /**
   * Returns the transport delay between an input move and its first effect on the states, in {@link
   * #timeUnit()}; a simulator turns it into a whole number of control steps. Default 0.
   */
  default double deadTime(double[] parameters) {
    return 0.0;
  }

  /** Returns the nominal parameter values in order (a new array). */
  default double[] nominalParameters() {
    List<ParameterSpec> specs = parameters();
    double[] p = new double[specs.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = specs.get(i).nominal();
    }
    return p;
  }
}
