package org.safeloop.env.process;

import java.util.List;
import org.safeloop.env.SignalSpec;

/**
 * A convenient base for a {@link ProcessModel}: the declarations (name, time unit, states, inputs,
 * parameters, initial state) are given once to the constructor, so that a subclass only writes its
 * equations in {@link #derivatives}. Immutable and thread-safe when the subclass is.
 */
public abstract class DeclaredProcessModel implements ProcessModel {
  private final String name;
  private final ModelTimeUnit timeUnit;
  private final List<SignalSpec> states;
  private final List<SignalSpec> inputs;
  private final List<ParameterSpec> parameters;
  private final double[] initialState;

  /**
   * Declares the model.
   *
   * @param name model name
   * @param timeUnit time unit of the derivatives
   * @param states states with units and observation ranges
   * @param inputs inputs with units and actuator limits
   * @param parameters parameters with nominal values
   * @param initialState default initial state, in the order of {@code states}
   */
  protected DeclaredProcessModel(
      String name,
      ModelTimeUnit timeUnit,
      List<SignalSpec> states,
      List<SignalSpec> inputs,
      List<ParameterSpec> parameters,
      double[] initialState) {
    if (initialState.length != states.size()) {
      throw new IllegalArgumentException(
          name + ": " + states.size() + " states but " + initialState.length + " initial values");
    }
    this.name = name;
    this.timeUnit = timeUnit;
    this.states = List.copyOf(states);
    this.inputs = List.copyOf(inputs);
    this.parameters = List.copyOf(parameters);
    this.initialState = initialState.clone();
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final ModelTimeUnit timeUnit() {
    return timeUnit;
  }

  @Override
  public final List<SignalSpec> states() {
    return states;
  }

  @Override
  public final List<SignalSpec> inputs() {
    return inputs;
  }

  @Override
  public final List<ParameterSpec> parameters() {
    return parameters;
  }

  @Override
  public final double[] initialState() {
    return initialState.clone();
  }
}
