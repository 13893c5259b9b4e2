package org.safeloop.env.process.equation;

import java.util.List;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.process.ModelTimeUnit;
import org.safeloop.env.process.ParameterSpec;
import org.safeloop.env.process.ProcessModel;

/**
 * A process model written as equations in a YAML file rather than in Java; create one with {@link
 * EquationModels}.
 *
 * <p>Every expression was parsed once, when the file was loaded, into a tree whose names are slots
 * in the state, input and parameter arrays. Definitions are normally inlined into the equations, so
 * {@link #derivatives} allocates nothing; only when inlining would multiply the work (a chain of
 * definitions each using the previous one several times) are they evaluated once per call into a
 * small array local to that call.
 *
 * <p>Immutable and thread-safe: one instance may serve any number of simulators on any threads.
 */
public final class EquationModel implements ProcessModel {
  private static final double[] NONE = new double[0];

  private final String name;
  private final String description;
  private final ModelTimeUnit timeUnit;
  private final List<SignalSpec> states;
  private final List<SignalSpec> inputs;
  private final List<ParameterSpec> parameters;
  private final List<String> warnings;
  private final double[] initialState;
  private final double[] lowerLimits;
  private final double[] upperLimits;
  private final Node deadTime;
  private final Node[] definitions;
  private final Node[] equations;

  /**
   * Creates a model from compiled parts; {@link EquationFile} has validated them.
   *
   * @param lowerLimits physical lower clamp per state, {@code -Infinity} for none
   * @param upperLimits physical upper clamp per state, {@code +Infinity} for none
   * @param deadTime expression over parameters only, in {@code timeUnit}
   * @param definitions definitions still referenced by slot from the equations; empty when inlined
   * @param equations {@code d(state)/dt} per state, in state order
   * @param warnings what the file declares that nothing uses, for people
   */
  EquationModel(
      String name,
      String description,
      ModelTimeUnit timeUnit,
      List<SignalSpec> states,
      List<SignalSpec> inputs,
      List<ParameterSpec> parameters,
      double[] initialState,
      double[] lowerLimits,
      double[] upperLimits,
      Node deadTime,
      Node[] definitions,
      Node[] equations,
      List<String> warnings) {
    this.name = name;
    this.description = description;
    this.timeUnit = timeUnit;
    this.states = List.copyOf(states);
    this.inputs = List.copyOf(inputs);
    this.parameters = List.copyOf(parameters);
    this.initialState = initialState.clone();
    this.lowerLimits = lowerLimits.clone();
    this.upperLimits = upperLimits.clone();
    this.deadTime = deadTime;
    this.definitions = definitions.clone();
    this.equations = equations.clone();
    this.warnings = List.copyOf(warnings);
  }

  @Override
  public String name() {
    return name;
  }

  /** Returns the file's one-paragraph description, or an empty string. */
  public String description() {
    return description;
  }

  @Override
  public ModelTimeUnit timeUnit() {
    return timeUnit;
  }

  @Override
  public List<SignalSpec> states() {
    return states;
  }

  @Override
  public List<SignalSpec> inputs() {
    return inputs;
  }

  @Override
  public List<String> warnings() {
    return warnings;
  }

  @Override
  public List<ParameterSpec> parameters() {
    return parameters;
  }

  @Override
  public double[] initialState() {
    return initialState.clone();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Allocates nothing unless the definitions could not be inlined. Thread-safe.
   *
   * @throws IllegalArgumentException when an array's length differs from the declared count
   */
  @Override
  public void derivatives(
      double[] state, double[] input, double[] parameters, double[] derivative) {
    requireLength(state, equations.length, "state");
    requireLength(input, inputs.size(), "input");
    requireLength(parameters, this.parameters.size(), "parameter");
    requireLength(derivative, equations.length, "derivative");
    double[] values = definitions.length == 0 ? NONE : new double[definitions.length];
    for (int m = 0; m < definitions.length; m++) {
      values[m] = definitions[m].eval(state, input, parameters, values);
    }
    for (int i = 0; i < equations.length; i++) {
      derivative[i] = equations[i].eval(state, input, parameters, values);
    }
  }

  /** Clamps each state into its {@code lower_limit} and {@code upper_limit}, where given. */
  @Override
  public void projectState(double[] state, double[] parameters) {
    requireLength(state, equations.length, "state");
    for (int i = 0; i < state.length; i++) {
      state[i] = Math.max(lowerLimits[i], Math.min(upperLimits[i], state[i]));
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException when {@code dead_time} evaluates to a negative or non-finite
   *     value with these parameters
   */
  @Override
  public double deadTime(double[] parameters) {
    requireLength(parameters, this.parameters.size(), "parameter");
    double value = deadTime.eval(NONE, NONE, parameters, NONE);
    if (!(value >= 0.0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(
          "model "
              + name
              + ": dead_time evaluates to "
              + value
              + " "
              + timeUnit.symbol()
              + " with these parameters; it must be finite and >= 0");
    }
    return value;
  }

  /** Returns whether the definitions were inlined into the equations (for tests). */
  boolean definitionsInlined() {
    return definitions.length == 0;
  }

  @Override
  public String toString() {
    return "EquationModel[" + name + "]";
  }

  private void requireLength(double[] values, int expected, String what) {
    if (values.length != expected) {
      throw new IllegalArgumentException(
          "model "
              + name
              + " has "
              + expected
              + " "
              + what
              + " value(s), got an array of "
              + values.length);
    }
  }
}
