package org.safeloop.env.scenario;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.safeloop.env.PredictiveModel;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.config.ConfigException;
import org.safeloop.env.config.FieldException;
import org.safeloop.env.config.YamlConfig;
import org.safeloop.env.control.PidConfig;
import org.safeloop.env.control.PidPolicy;
import org.safeloop.env.control.Policy;
import org.safeloop.env.estimation.EstimatorSettings;
import org.safeloop.env.estimation.ModelStateObserver;
import org.safeloop.env.observation.ObservationBuilder;
import org.safeloop.env.observation.ObservationDesign;
import org.safeloop.env.ode.IntegratorSpec;
import org.safeloop.env.process.ParameterSpec;
import org.safeloop.env.process.ProcessModel;
import org.safeloop.env.realism.DisturbanceConfig;
import org.safeloop.env.scenario.ScenarioSpec.ConstraintSpec;
import org.safeloop.env.scenario.ScenarioSpec.InputLimits;
import org.safeloop.env.scenario.ScenarioSpec.Range;
import org.safeloop.env.scenario.ScenarioSpec.RewardTerm;
import org.safeloop.env.scenario.ScenarioSpec.SetpointSegment;

/**
 * A scenario checked against its process model: every name it uses exists, ranges and initial
 * values are resolved, and the dead time is a whole number of control steps. It creates
 * environments, predictive views and the baseline controller. Immutable and thread-safe.
 */
public final class Scenario {
  private final YamlConfig.Document<ScenarioSpec> document;
  private final ScenarioSpec spec;
  private final String source;
  private final ProcessModel model;
  private final double[] nominalParameters;
  private final double[] initialState;
  private final double[] initialInput;
  private final SignalSpace stateSpace;
  private final SignalSpace actionSpace;
  private final SignalSpace observationSpace;
  private final ObservationDesign observationDesign;
  private final int[] measuredStates;
  private final int[] trackedStates;
  private final double[] rateLimits;
  private final double[][] setpointSchedule;
  private final double[] trackingWeights;
  private final double[] trackingScales;
  private final double[] moveWeights;
  private final double[] moveScales;
  private final List<ConstraintSpec> constraints;
  private final int[] constraintStates;
  private final int deadTimeSteps;

  private Scenario(YamlConfig.Document<ScenarioSpec> doc, ProcessModel model) {
    this.document = doc;
    this.spec = doc.value();
    this.source = doc.source();
    this.model = model;
    List<SignalSpec> states = model.states();
    List<SignalSpec> inputs = model.inputs();
    this.stateSpace = new SignalSpace(states);

    List<ParameterSpec> parameterSpecs = model.parameters();
    nominalParameters = model.nominalParameters();
    for (Map.Entry<String, Double> e : spec.parameters().entrySet()) {
      int i = indexOfParameter(parameterSpecs, e.getKey());
      if (i < 0) {
        throw doc.error(
            "parameters." + e.getKey(),
            "model "
                + model.name()
                + " has no parameter '"
                + e.getKey()
                + "'; it has "
                + parameterNames(parameterSpecs));
      }
      String impossible = parameterSpecs.get(i).problem(e.getValue());
      if (impossible != null) {
        throw doc.error("parameters." + e.getKey(), e.getKey() + " " + impossible);
      }
      nominalParameters[i] = e.getValue();
    }

    initialState = model.initialState();
    for (Map.Entry<String, Double> e : spec.initialState().entrySet()) {
      initialState[requireState(doc, "initial_state." + e.getKey(), e.getKey())] = e.getValue();
    }

    List<SignalSpec> actions = new ArrayList<>(inputs);
    rateLimits = new double[inputs.size()];
    Arrays.fill(rateLimits, Double.POSITIVE_INFINITY);
    for (Map.Entry<String, InputLimits> e : spec.inputs().entrySet()) {
      int i = requireInput(doc, "inputs." + e.getKey(), e.getKey());
      InputLimits limits = e.getValue();
      SignalSpec base = inputs.get(i);
      double min = limits.min() != null ? limits.min() : base.min();
      double max = limits.max() != null ? limits.max() : base.max();
      if (!(min < max)) {
        throw doc.error("inputs." + e.getKey(), "min " + min + " must be below max " + max);
      }
      actions.set(i, base.withRange(min, max));
      if (limits.rateLimit() != null) {
        rateLimits[i] = limits.rateLimit();
      }
    }
    this.actionSpace = new SignalSpace(actions);

    initialInput = new double[inputs.size()];
    for (int i = 0; i < initialInput.length; i++) {
      initialInput[i] = 0.5 * (actionSpace.get(i).min() + actionSpace.get(i).max());
    }
    for (Map.Entry<String, Double> e : spec.initialInput().entrySet()) {
      int i = requireInput(doc, "initial_input." + e.getKey(), e.getKey());
      SignalSpec a = actionSpace.get(i);
      if (e.getValue() < a.min() || e.getValue() > a.max()) {
        throw doc.error(
            "initial_input." + e.getKey(),
            e.getValue() + " is outside the actuator limits [" + a.min() + ", " + a.max() + "]");
      }
      initialInput[i] = e.getValue();
    }

    List<SignalSpec> observed = new ArrayList<>();
    List<Integer> measuredIndex = new ArrayList<>();
    if (spec.measured() == null) {
      for (int i = 0; i < states.size(); i++) {
        observed.add(states.get(i));
        measuredIndex.add(i);
      }
    } else {
      for (Map.Entry<String, Range> e : spec.measured().entrySet()) {
        int i = requireState(doc, "measured." + e.getKey(), e.getKey());
        Range r = e.getValue() == null ? new Range(null, null) : e.getValue();
        SignalSpec base = states.get(i);
        double min = r.min() != null ? r.min() : base.min();
        double max = r.max() != null ? r.max() : base.max();
        if (!(min < max)) {
          throw doc.error("measured." + e.getKey(), "min " + min + " must be below max " + max);
        }
        observed.add(base.withRange(min, max));
        measuredIndex.add(i);
      }
    }
    measuredStates = measuredIndex.stream().mapToInt(Integer::intValue).toArray();

    int steps = spec.steps();
    int tracked = spec.setpoints().size();
    trackedStates = new int[tracked];
    setpointSchedule = new double[tracked][steps];
    trackingWeights = new double[tracked];
    trackingScales = new double[tracked];
    int k = 0;
    for (Map.Entry<String, List<SetpointSegment>> e : spec.setpoints().entrySet()) {
      String variable = e.getKey();
      int observedIndex = -1;
      for (int j = 0; j < measuredStates.length; j++) {
        if (states.get(measuredStates[j]).name().equals(variable)) {
          observedIndex = j;
        }
      }
      if (observedIndex < 0) {
        throw doc.error(
            "setpoints." + variable,
            "'" + variable + "' is not a measured variable; measured are " + names(observed));
      }
      trackedStates[k] = measuredStates[observedIndex];
      fillSchedule(e.getValue(), setpointSchedule[k]);
      SignalSpec o = observed.get(observedIndex);
      observed.add(new SignalSpec(variable + "_setpoint", o.unit(), o.min(), o.max()));
      RewardTerm term = spec.reward().tracking().get(variable);
      trackingWeights[k] = term == null ? 0.0 : term.weight();
      trackingScales[k] = term == null || term.scale() == null ? o.span() : term.scale();
      k++;
    }
    for (String variable : spec.reward().tracking().keySet()) {
      if (!spec.setpoints().containsKey(variable)) {
        throw doc.error(
            "reward.tracking." + variable,
            "'" + variable + "' has no setpoint; tracked are " + spec.setpoints().keySet());
      }
    }
    SignalSpace plantSpace = new SignalSpace(observed);
    // observation.estimate: every state and every disturbed or uncertain parameter, as the
    // scenario's estimator (ModelStateObserver) estimates them.
    List<SignalSpec> estimated = new ArrayList<>();
    if (spec.observation().estimate()) {
      estimated.addAll(states);
      estimated.addAll(
          EstimatorSettings.estimatedParameterSignals(
              spec.realism(),
              model.parameters(),
              nominalParameters,
              spec.controlInterval() * spec.steps()));
    }
    try {
      this.observationDesign =
          new ObservationDesign(
              spec.observation(),
              plantSpace,
              measuredStates.length,
              List.copyOf(spec.setpoints().keySet()),
              actionSpace,
              spec.controlInterval(),
              model.timeUnit().symbol(),
              estimated);
    } catch (FieldException e) {
      String field = e.field().isEmpty() ? "observation" : "observation." + e.field();
      throw doc.error(field, e.problem());
    }
    this.observationSpace = observationDesign.space();

    moveWeights = new double[inputs.size()];
    moveScales = new double[inputs.size()];
    for (int i = 0; i < inputs.size(); i++) {
      moveScales[i] = actionSpace.get(i).span();
    }
    for (Map.Entry<String, RewardTerm> e : spec.reward().inputMove().entrySet()) {
      int i = requireInput(doc, "reward.input_move." + e.getKey(), e.getKey());
      moveWeights[i] = e.getValue().weight();
      if (e.getValue().scale() != null) {
        moveScales[i] = e.getValue().scale();
      }
    }

    constraints = spec.constraints();
    constraintStates = new int[constraints.size()];
    List<String> constraintNames = new ArrayList<>();
    for (int c = 0; c < constraints.size(); c++) {
      ConstraintSpec cs = constraints.get(c);
      constraintStates[c] = requireState(doc, "constraints[" + c + "].variable", cs.variable());
      if (constraintNames.contains(cs.name())) {
        throw doc.error("constraints[" + c + "].name", "name '" + cs.name() + "' is used twice");
      }
      constraintNames.add(cs.name());
    }

    double dt = spec.controlInterval();
    double deadTime = model.deadTime(nominalParameters);
    double ratio = deadTime / dt;
    deadTimeSteps = (int) Math.round(ratio);
    if (deadTime < 0 || Math.abs(ratio - deadTimeSteps) > 1e-6 * Math.max(1.0, ratio)) {
      throw doc.error(
          "parameters",
          "dead time "
              + deadTime
              + " "
              + model.timeUnit().symbol()
              + " must be a whole number of control steps of "
              + dt);
    }

    var realism = spec.realism();
    for (String sensor : realism.sensors().keySet()) {
      int index = plantSpace.indexOf(sensor);
      if (index < 0 || index >= measuredStates.length) {
        throw doc.error(
            "realism.sensors." + sensor,
            "'"
                + sensor
                + "' is not a measured variable; measured are "
                + names(observed.subList(0, measuredStates.length)));
      }
    }
    for (int d = 0; d < realism.disturbances().size(); d++) {
      DisturbanceConfig dc = realism.disturbances().get(d);
      if (indexOfParameter(parameterSpecs, dc.parameter()) < 0) {
        throw doc.error(
            "realism.disturbances[" + d + "].parameter",
            "model "
                + model.name()
                + " has no parameter '"
                + dc.parameter()
                + "'; it has "
                + parameterNames(parameterSpecs));
      }
    }
    for (String p : realism.parameterUncertainty().keySet()) {
      if (indexOfParameter(parameterSpecs, p) < 0) {
        throw doc.error(
            "realism.parameter_uncertainty." + p,
            "model "
                + model.name()
                + " has no parameter '"
                + p
                + "'; it has "
                + parameterNames(parameterSpecs));
      }
    }
    for (int c = 0; c < spec.controller().size(); c++) {
      PidConfig pid = spec.controller().get(c);
      if (!spec.setpoints().containsKey(pid.processVariable())) {
        throw doc.error(
            "controller[" + c + "].process_variable",
            "'"
                + pid.processVariable()
                + "' has no setpoint; tracked are "
                + spec.setpoints().keySet());
      }
      requireInput(doc, "controller[" + c + "].input", pid.input());
    }
  }

  /**
   * Checks {@code doc} against {@code model}.
   *
   * @throws ConfigException naming the file, line and field of the first problem
   */
  public static Scenario resolve(YamlConfig.Document<ScenarioSpec> doc, ProcessModel model) {
    return new Scenario(doc, model);
  }

  private static void fillSchedule(List<SetpointSegment> segments, double[] schedule) {
    int k = 0;
    for (int s = 0; s < segments.size() && k < schedule.length; s++) {
      SetpointSegment seg = segments.get(s);
      int length = seg.steps() == null ? schedule.length - k : seg.steps();
      for (int j = 0; j < length && k < schedule.length; j++) {
        schedule[k++] = seg.value();
      }
    }
    double last = segments.get(segments.size() - 1).value();
    while (k < schedule.length) {
      schedule[k++] = last;
    }
  }

  private int requireState(YamlConfig.Document<ScenarioSpec> doc, String field, String name) {
    int i = stateSpace.indexOf(name);
    if (i < 0) {
      throw doc.error(
          field,
          "model " + model.name() + " has no state '" + name + "'; it has " + stateSpace.names());
    }
    return i;
  }

  private int requireInput(YamlConfig.Document<ScenarioSpec> doc, String field, String name) {
    List<SignalSpec> inputs = model.inputs();
    for (int i = 0; i < inputs.size(); i++) {
      if (inputs.get(i).name().equals(name)) {
        return i;
      }
    }
    throw doc.error(
        field, "model " + model.name() + " has no input '" + name + "'; it has " + names(inputs));
  }

  private static int indexOfParameter(List<ParameterSpec> specs, String name) {
    for (int i = 0; i < specs.size(); i++) {
      if (specs.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private static List<String> parameterNames(List<ParameterSpec> specs) {
    return specs.stream().map(ParameterSpec::name).toList();
  }

  private static List<String> names(List<SignalSpec> specs) {
    return specs.stream().map(SignalSpec::name).toList();
  }

  /**
   * Returns the same scenario with another episode length, keeping the control interval; setpoint
   * schedules are cut or hold their last value.
   */
  public Scenario withEpisodeSteps(int steps) {
    return rebuilt(steps, spec.controlInterval(), null, spec.parameters());
  }

  /**
   * Returns the same scenario with some parameter values replaced, e.g. a plant that differs from
   * the nominal model by 10 % in a heat-transfer coefficient.
   *
   * @throws ConfigException if a name is not a parameter of the model
   */
  public Scenario withParameters(Map<String, Double> overrides) {
    Map<String, Double> merged = new java.util.LinkedHashMap<>(spec.parameters());
    merged.putAll(overrides);
    return rebuilt(spec.steps(), spec.timeStep(), spec.duration(), merged);
  }

  /** The same scenario file with another episode length or parameters, checked again. */
  private Scenario rebuilt(
      int steps, Double timeStep, Double duration, Map<String, Double> parameters) {
    ScenarioSpec s = spec;
    ScenarioSpec changed =
        new ScenarioSpec(
            s.name(),
            s.description(),
            s.process(),
            steps,
            timeStep,
            duration,
            s.integrator(),
            parameters,
            s.initialState(),
            s.initialInput(),
            s.inputs(),
            s.measured(),
            s.setpoints(),
            s.reward(),
            s.constraints(),
            s.realism(),
            s.controller(),
            s.observation());
    return new Scenario(
        new YamlConfig.Document<>(changed, document.source(), document.lines()), model);
  }

  /** Returns the scenario name. */
  public String name() {
    return spec.name();
  }

  /** Returns the file or resource the scenario came from. */
  public String source() {
    return source;
  }

  /** Returns the scenario as written. */
  public ScenarioSpec spec() {
    return spec;
  }

  /** Returns the process model. */
  public ProcessModel model() {
    return model;
  }

  /** Returns the control interval in the model's time unit. */
  public double controlInterval() {
    return spec.controlInterval();
  }

  /** Returns the number of control steps per episode. */
  public int episodeSteps() {
    return spec.steps();
  }

  /** Returns the parameter values with the scenario's overrides (a copy). */
  public double[] nominalParameters() {
    return nominalParameters.clone();
  }

  /** Returns the initial state (a copy). */
  public double[] initialState() {
    return initialState.clone();
  }

  /** Returns the actuator positions at reset (a copy). */
  public double[] initialInput() {
    return initialInput.clone();
  }

  /** Returns the state space. */
  public SignalSpace stateSpace() {
    return stateSpace;
  }

  /** Returns the action space with the scenario's actuator limits. */
  public SignalSpace actionSpace() {
    return actionSpace;
  }

  /**
   * Returns the observation space: measured variables, then setpoints, then the derived signals of
   * the {@code observation} section.
   */
  public SignalSpace observationSpace() {
    return observationSpace;
  }

  /**
   * Returns what a plant's tags provide: the measured variables, then the setpoints in force (the
   * observation space without derived signals).
   */
  public SignalSpace plantObservationSpace() {
    return observationDesign.plantSpace();
  }

  /** Returns how the observation is built from the plant's signals. */
  public ObservationDesign observationDesign() {
    return observationDesign;
  }

  /**
   * Returns a new builder of this scenario's observations, with the model's state observer when the
   * observation has estimates ({@code observation.estimate}).
   */
  public ObservationBuilder newObservationBuilder() {
    return observationDesign.options().estimate()
        ? observationDesign.newBuilder(new ModelStateObserver(this))
        : observationDesign.newBuilder();
  }

  /** Returns the dead time in control steps. */
  public int deadTimeSteps() {
    return deadTimeSteps;
  }

  /** Returns the per-step rate limits by input (infinite where none), a copy. */
  public double[] rateLimits() {
    return rateLimits.clone();
  }

  /** Returns the setpoint of tracked variable {@code k} at step {@code step} (0-based). */
  public double setpoint(int k, int step) {
    double[] schedule = setpointSchedule[k];
    return schedule[Math.min(step, schedule.length - 1)];
  }

  /** Returns the baseline PID tunings (may be empty). */
  public List<PidConfig> controllerTunings() {
    return spec.controller();
  }

  /**
   * Returns the reward of one step exactly as the environment computes it: the quadratic tracking
   * and move penalties of the scenario file.
   *
   * @param step index of the step (0-based), which selects the setpoints in force
   * @param state state at the end of the step
   * @param applied action applied during the step
   * @param previousApplied action applied during the step before (the initial input for step 0)
   */
  public double reward(int step, double[] state, double[] applied, double[] previousApplied) {
    return reward(step, null, state, applied, previousApplied);
  }

  /**
   * Returns the reward of one step with the given set points in force instead of the schedule's,
   * for a controller that knows only the set points it has seen (no preview).
   *
   * @param setpoints one per tracked variable, in {@link #trackedVariables()} order
   * @throws IllegalArgumentException if {@code setpoints} has the wrong length
   */
  public double reward(
      double[] setpoints, double[] state, double[] applied, double[] previousApplied) {
    if (setpoints.length != trackedStates.length) {
      throw new IllegalArgumentException(
          "expected " + trackedStates.length + " set points, got " + setpoints.length);
    }
    return reward(-1, setpoints, state, applied, previousApplied);
  }

  private double reward(
      int step, double[] setpoints, double[] state, double[] applied, double[] previousApplied) {
    double reward = 0.0;
    for (int k = 0; k < trackedStates.length; k++) {
      double target = setpoints == null ? setpoint(k, step) : setpoints[k];
      double e = (state[trackedStates[k]] - target) / trackingScales[k];
      reward -= trackingWeights[k] * e * e;
    }
    for (int i = 0; i < applied.length; i++) {
      double move = (applied[i] - previousApplied[i]) / moveScales[i];
      reward -= moveWeights[i] * move * move;
    }
    return reward;
  }

  /**
   * Returns the reward of a step whose state is not finite (the model failed, see {@link
   * org.safeloop.env.StepInfo#failure()}): the reward of the worst state inside the declared state
   * ranges, each tracked variable at the end of its range farther from the set point, with the move
   * penalty of the applied action. It is finite and no better than any step that stays in range, so
   * a failed episode neither earns a sentinel nor wrecks the learning statistics.
   */
  public double failureReward(int step, double[] applied, double[] previousApplied) {
    List<SignalSpec> states = model().states();
    double[] worst = initialState();
    for (int k = 0; k < trackedStates.length; k++) {
      SignalSpec range = states.get(trackedStates[k]);
      double target = setpoint(k, step);
      worst[trackedStates[k]] =
          Math.abs(range.min() - target) > Math.abs(range.max() - target)
              ? range.min()
              : range.max();
    }
    return reward(step, worst, applied, previousApplied);
  }

  /**
   * Returns the cost of constraint {@code c} on a step whose state is not finite: its violation at
   * the end of the constrained state's declared range that violates it more (finite, unlike the
   * violation of a NaN state).
   */
  public double failureCost(int c) {
    SignalSpec range = model().states().get(constraintStates()[c]);
    ConstraintSpec constraint = constraints().get(c);
    return Math.max(constraint.violation(range.min()), constraint.violation(range.max()));
  }

  /**
   * Returns the tracking part of the reward's penalty for {@code state} against the setpoints in
   * force at {@code step}: the weighted sum of squared scaled errors (0 on target, positive
   * otherwise). Used by reward shaping as a potential.
   */
  public double trackingPenalty(int step, double[] state) {
    double penalty = 0.0;
    for (int k = 0; k < trackedStates.length; k++) {
      double e = (state[trackedStates[k]] - setpoint(k, step)) / trackingScales[k];
      penalty += trackingWeights[k] * e * e;
    }
    return penalty;
  }

  /**
   * Returns by how much {@code state} is inside constraint {@code c}'s nearer bound, in the
   * constrained variable's unit (negative when violated).
   */
  public double constraintDistance(int c, double[] state) {
    ScenarioSpec.ConstraintSpec spec = constraints.get(c);
    double x = state[constraintStates[c]];
    double distance = Double.POSITIVE_INFINITY;
    if (spec.min() != null) {
      distance = Math.min(distance, x - spec.min());
    }
    if (spec.max() != null) {
      distance = Math.min(distance, spec.max() - x);
    }
    return distance;
  }

  /** Returns the names of the tracked variables, in setpoint order. */
  public List<String> trackedVariables() {
    return List.copyOf(spec.setpoints().keySet());
  }

  /** Returns the constraints in cost-vector order. */
  public List<ConstraintSpec> constraints() {
    return constraints;
  }

  int[] measuredStates() {
    return measuredStates;
  }

  int[] trackedStates() {
    return trackedStates;
  }

  int[] constraintStates() {
    return constraintStates;
  }

  /** Creates an environment with realism on and the scenario's integrator. */
  public ProcessEnvironment createEnvironment() {
    return createEnvironment(true, null);
  }

  /**
   * Creates an environment.
   *
   * @param realism false to switch off sensor effects, disturbances and parameter uncertainty
   *     (actuator limits stay: they are physical)
   * @param integrator integrator to use instead of the scenario's, or null
   */
  public ProcessEnvironment createEnvironment(boolean realism, IntegratorSpec integrator) {
    return new SimulatedEnvironment(
        this, realism, integrator != null ? integrator : spec.integrator());
  }

  /**
   * Returns a noise-free predictive view of this scenario's process.
   *
   * @param parameters parameter values for the prediction, in the model's order (e.g. the nominal
   *     ones, or deliberately different ones to study model mismatch)
   * @param integrator integrator for the prediction, or null for the scenario's
   */
  public PredictiveModel predictiveModel(double[] parameters, IntegratorSpec integrator) {
    if (parameters.length != nominalParameters.length) {
      throw new IllegalArgumentException(
          "expected " + nominalParameters.length + " parameters, got " + parameters.length);
    }
    return new ModelPredictor(
        this, integrator != null ? integrator : spec.integrator(), parameters);
  }

  /**
   * Returns the scenario's baseline PID loops as a policy.
   *
   * @throws IllegalStateException if the scenario declares no controller
   */
  public Policy baselineController() {
    if (spec.controller().isEmpty()) {
      throw new IllegalStateException(
          "scenario " + name() + " declares no controller; add a 'controller' section");
    }
    return new PidPolicy(
        spec.controller(), observationSpace, actionSpace, controlInterval(), initialInput);
  }
}
