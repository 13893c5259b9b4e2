package org.safeloop.env.scenario;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.env.config.FieldException;
import org.safeloop.env.config.OtherFileKind;
import org.safeloop.env.control.PidConfig;
import org.safeloop.env.observation.ObservationOptions;
import org.safeloop.env.ode.IntegratorSpec;
import org.safeloop.env.realism.RealismConfig;

/**
 * A scenario file as written: which process, how long an episode is, setpoints, reward,
 * constraints, realism and the baseline controller. Checks that need the process model (do the
 * names exist?) happen when a {@link Scenario} is built from it. Keys are snake_case in YAML.
 *
 * <p>All times are in the model's time unit.
 *
 * @param name scenario name, e.g. {@code cstr-tracking}
 * @param description one paragraph for people
 * @param process a registered model name (e.g. {@code cstr}) or a YAML equation file, relative to
 *     the scenario file
 * @param steps control steps per episode
 * @param timeStep control interval; give this or {@code duration}
 * @param duration episode duration; the control interval is {@code duration / steps}
 * @param integrator how to integrate between control steps; default RK4 with 4 sub-steps
 * @param parameters overrides of nominal parameter values by name
 * @param initialState initial values by state name; missing states take the model's default
 * @param initialInput actuator positions at reset by input name; default mid-range
 * @param inputs actuator limits and rate limits by input name; default the model's ranges
 * @param measured measured states by name with observation ranges, in observation order; default
 *     every state with the model's ranges
 * @param setpoints setpoint schedule by measured variable
 * @param reward reward weights
 * @param constraints state constraints whose violations form the cost vector
 * @param realism sensor effects, disturbances and parameter uncertainty
 * @param controller the baseline PID loops for this scenario
 * @param observation derived signals beside the measurements and setpoints (tracking error, error
 *     integral, filtered measurements, previous action, setpoint preview); default none
 */
@OtherFileKind(
    key = "equations",
    message = "this is a model file; a scenario refers to it with `process:`")
@OtherFileKind(
    key = "state_constraints",
    message =
        "this is a constraint (shield) file; give it with --shield, or refer to it from an"
            + " experiment with `shield:`")
@OtherFileKind(
    key = "algorithm",
    message = "this is an experiment file; train it with `safeloop train`")
public record ScenarioSpec(
    String name,
    String description,
    String process,
    Integer steps,
    Double timeStep,
    Double duration,
    IntegratorSpec integrator,
    Map<String, Double> parameters,
    Map<String, Double> initialState,
    Map<String, Double> initialInput,
    Map<String, InputLimits> inputs,
    // An empty entry (T: ~) observes the state with the model's range.
    @JsonSetter(contentNulls = Nulls.SET) Map<String, Range> measured,
    Map<String, List<SetpointSegment>> setpoints,
    RewardSpec reward,
    List<ConstraintSpec> constraints,
    RealismConfig realism,
    List<PidConfig> controller,
    ObservationOptions observation) {

  /**
   * Most control steps an episode may have: a day of one-second steps, and far more than any
   * built-in scenario's 60; each step of each episode holds its setpoints in memory.
   */
  public static final int MAX_STEPS = 100_000;

  /** Longest scenario name, in characters: it is part of every run directory's name. */
  public static final int MAX_NAME_LENGTH = 100;

  /** Validates what can be checked without the model and fills defaults. */
  public ScenarioSpec {
    FieldException.require(name != null && !name.isBlank(), "name", "give the scenario a name");
    FieldException.require(
        name.length() <= MAX_NAME_LENGTH,
        "name",
        "at most "
            + MAX_NAME_LENGTH
            + " characters (it names run directories), got "
            + name.length());
    if (description == null) {
      description = "";
    }
    FieldException.require(
        process != null && !process.isBlank(),
        "process",
        "name a registered model (e.g. cstr) or a model file");
    FieldException.require(steps != null, "steps", "give the number of control steps per episode");
    FieldException.require(
        steps >= 1 && steps <= MAX_STEPS,
        "steps",
        "must be between 1 and " + MAX_STEPS + ", got " + steps);
    FieldException.require(
        (timeStep == null) != (duration == null),
        timeStep == null ? "time_step" : "duration",
        "give exactly one of time_step and duration");
    if (timeStep != null) {
      FieldException.require(
          timeStep > 0 && Double.isFinite(timeStep), "time_step", "must be positive");
    } else {
      FieldException.require(
          duration > 0 && Double.isFinite(duration), "duration", "must be positive");
    }
    if (integrator == null) {
      integrator = IntegratorSpec.defaults();
    }
    parameters = copy(parameters);
    initialState = copy(initialState);
    initialInput = copy(initialInput);
    inputs = copy(inputs);
    measured = measured == null ? null : copy(measured);
    setpoints = copy(setpoints);
    if (reward == null) {
      reward = new RewardSpec(null, null);
    }
    constraints = constraints == null ? List.of() : List.copyOf(constraints);
    if (realism == null) {
      realism = RealismConfig.none();
    }
    controller = controller == null ? List.of() : List.copyOf(controller);
    if (observation == null) {
      observation = ObservationOptions.none();
    }
    for (Map.Entry<String, Double> e : parameters.entrySet()) {
      FieldException.require(
          e.getValue() != null && Double.isFinite(e.getValue()),
          "parameters." + e.getKey(),
          "must be a finite number");
    }
    for (Map.Entry<String, Double> e : initialState.entrySet()) {
      FieldException.require(
          e.getValue() != null && Double.isFinite(e.getValue()),
          "initial_state." + e.getKey(),
          "must be a finite number");
    }
    for (Map.Entry<String, Double> e : initialInput.entrySet()) {
      FieldException.require(
          e.getValue() != null && Double.isFinite(e.getValue()),
          "initial_input." + e.getKey(),
          "must be a finite number");
    }
    for (Map.Entry<String, List<SetpointSegment>> e : setpoints.entrySet()) {
      List<SetpointSegment> segments = e.getValue();
      FieldException.require(
          segments != null && !segments.isEmpty(),
          "setpoints." + e.getKey(),
          "give at least one segment {value, steps}");
      for (int i = 0; i < segments.size() - 1; i++) {
        FieldException.require(
            segments.get(i).steps() != null,
            "setpoints." + e.getKey() + "[" + i + "].steps",
            "only the last segment may omit steps");
      }
    }
  }

  /** Returns the control interval in the model's time unit. */
  public double controlInterval() {
    return timeStep != null ? timeStep : duration / steps;
  }

  private static <V> Map<String, V> copy(Map<String, V> map) {
    return map == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }

  /**
   * A range in engineering units; either end may be omitted to keep the model's value.
   *
   * @param min lower end
   * @param max upper end
   */
  public record Range(Double min, Double max) {
    /** Checks finiteness and order. */
    public Range {
      FieldException.require(min == null || Double.isFinite(min), "min", "must be finite");
      FieldException.require(max == null || Double.isFinite(max), "max", "must be finite");
      FieldException.require(
          min == null || max == null || min < max, "max", "must be above min (" + min + ")");
    }
  }

  /**
   * Actuator limits of one input.
   *
   * @param min lower limit; default the model's
   * @param max upper limit; default the model's
   * @param rateLimit largest change per control step, in the input's unit; default none
   */
  public record InputLimits(Double min, Double max, Double rateLimit) {
    /** Checks finiteness, order and a positive rate limit. */
    public InputLimits {
      FieldException.require(min == null || Double.isFinite(min), "min", "must be finite");
      FieldException.require(max == null || Double.isFinite(max), "max", "must be finite");
      FieldException.require(
          min == null || max == null || min < max, "max", "must be above min (" + min + ")");
      FieldException.require(
          rateLimit == null || (rateLimit > 0 && Double.isFinite(rateLimit)),
          "rate_limit",
          "must be positive (per control step)");
    }
  }

  /**
   * One segment of a setpoint schedule.
   *
   * @param value the setpoint, in the variable's unit
   * @param steps how many control steps it lasts; the last segment may omit it (held to the end)
   */
  public record SetpointSegment(double value, Integer steps) {
    /** Checks a finite value and a positive length. */
    public SetpointSegment {
      FieldException.require(Double.isFinite(value), "value", "must be a finite number");
      FieldException.require(steps == null || steps >= 1, "steps", "must be at least 1");
    }
  }

  /**
   * Quadratic reward: {@code -sum w ((x - sp) / s)^2 - sum w (du / s)^2}.
   *
   * @param tracking weight and scale per tracked variable; scale defaults to its observation range
   * @param inputMove weight and scale per input on its change per step; scale defaults to its
   *     actuator range
   */
  public record RewardSpec(Map<String, RewardTerm> tracking, Map<String, RewardTerm> inputMove) {
    /** Replaces nulls with empty maps. */
    public RewardSpec {
      tracking = copy(tracking);
      inputMove = copy(inputMove);
    }
  }

  /**
   * One term of the reward.
   *
   * @param weight non-negative weight
   * @param scale normalising scale in the variable's unit; null for the default
   */
  public record RewardTerm(double weight, Double scale) {
    /** Checks the weight and scale. */
    public RewardTerm {
      FieldException.require(weight >= 0 && Double.isFinite(weight), "weight", "must be >= 0");
      FieldException.require(
          scale == null || (scale > 0 && Double.isFinite(scale)), "scale", "must be positive");
    }
  }

  /**
   * A bound on a state: {@code min <= variable <= max}. Its cost is the amount of violation.
   *
   * @param name constraint name, used for the cost vector and in logs; default {@code
   *     <variable>_limits}
   * @param variable state name
   * @param min lower bound, or null
   * @param max upper bound, or null
   */
  public record ConstraintSpec(String name, String variable, Double min, Double max) {
    /** Checks that a variable and at least one finite bound are given. */
    public ConstraintSpec {
      FieldException.require(
          variable != null && !variable.isBlank(), "variable", "name the constrained state");
      FieldException.require(min != null || max != null, "max", "give min, max or both");
      FieldException.require(min == null || Double.isFinite(min), "min", "must be finite");
      FieldException.require(max == null || Double.isFinite(max), "max", "must be finite");
      FieldException.require(
          min == null || max == null || min < max, "max", "must be above min (" + min + ")");
      if (name == null || name.isBlank()) {
        name = variable + "_limits";
      }
    }

    /** Returns how much {@code value} violates the bounds: 0 inside, NaN stays NaN. */
    public double violation(double value) {
      double v = 0.0;
      if (min != null && value < min) {
        v = min - value;
      }
      if (max != null && value > max) {
        v = value - max;
      }
      return Double.isNaN(value) ? Double.NaN : v;
    }
  }
}
