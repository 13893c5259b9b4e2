package org.safeloop.env.scenario;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.safeloop.env.Observation;
import org.safeloop.env.PredictiveModel;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.StepInfo;
import org.safeloop.env.StepResult;
import org.safeloop.env.observation.ObservationBuilder;
import org.safeloop.env.ode.IntegratorSpec;
import org.safeloop.env.ode.ProcessSimulator;
import org.safeloop.env.process.ModelTimeUnit;
import org.safeloop.env.process.ParameterSpec;
import org.safeloop.env.realism.Disturbance;
import org.safeloop.env.realism.DisturbanceConfig;
import org.safeloop.env.realism.ParameterUncertainty;
import org.safeloop.env.realism.Reading;
import org.safeloop.env.realism.RealismConfig;
import org.safeloop.env.realism.Sensor;
import org.safeloop.env.realism.SensorConfig;
import org.safeloop.env.realism.UncertaintyConfig;
import org.safeloop.env.scenario.ScenarioSpec.ConstraintSpec;

/**
 * A scenario simulated step by step: actuator limits and rate limits, input dead time, ODE
 * integration, disturbances on parameters, sensors, setpoints, reward and constraint costs.
 *
 * <p>Each step: check the action (finite, right length) -> clip to actuator limits and rate limits
 * -> push through the dead-time line -> apply disturbances to the parameters -> integrate one
 * control interval -> reward and costs on the true state -> measure through the sensors. Random
 * streams are split from the reset seed per effect, so switching one effect on does not change the
 * samples of another. Not thread-safe.
 */
final class SimulatedEnvironment implements ProcessEnvironment {
  private final Scenario scenario;
  private final IntegratorSpec integrator;
  private final ProcessSimulator simulator;
  private final SignalSpace observationSpace;
  private final SignalSpace actionSpace;
  private final int[] measured;
  private final int[] tracked;
  private final double[] rateLimits;
  private final List<ConstraintSpec> constraints;
  private final List<String> constraintNames;
  private final List<String> setpointNames;
  private final SignalSpace plantSpace;
  private final ObservationBuilder observationBuilder;
  private final int previewSteps;
  private final Sensor[] sensors;
  private final List<Disturbance> disturbances = new ArrayList<>();
  private final int[] disturbedParameter;
  private final UncertaintyConfig[] uncertainty;

  private final double[] state;
  private final double[] sampledParameters;
  private final double[] parameters;
  private final double[] lastApplied;
  private final double[][] deadTimeLine;
  private int deadTimeHead;
  private int step;
  private boolean running;

  SimulatedEnvironment(Scenario scenario, boolean realism, IntegratorSpec integrator) {
    this.scenario = scenario;
    this.integrator = integrator;
    this.simulator = new ProcessSimulator(scenario.model(), integrator);
    this.observationSpace = scenario.observationSpace();
    this.plantSpace = scenario.plantObservationSpace();
    this.observationBuilder = scenario.newObservationBuilder();
    this.previewSteps = scenario.observationDesign().previewSteps();
    this.actionSpace = scenario.actionSpace();
    this.measured = scenario.measuredStates();
    this.tracked = scenario.trackedStates();
    this.rateLimits = scenario.rateLimits();
    this.constraints = scenario.constraints();
    this.constraintNames = constraints.stream().map(ConstraintSpec::name).toList();
    this.setpointNames = List.copyOf(scenario.spec().setpoints().keySet());

    RealismConfig config = realism ? scenario.spec().realism() : RealismConfig.none();
    double dt = scenario.controlInterval();
    sensors = new Sensor[measured.length];
    for (int i = 0; i < measured.length; i++) {
      SensorConfig sc = config.sensors().get(observationSpace.get(i).name());
      sensors[i] = sc == null || sc.isPerfect() ? null : new Sensor(sc, dt);
    }
    List<ParameterSpec> parameterSpecs = scenario.model().parameters();
    disturbedParameter = new int[config.disturbances().size()];
    for (int d = 0; d < disturbedParameter.length; d++) {
      DisturbanceConfig dc = config.disturbances().get(d);
      disturbances.add(new Disturbance(dc));
      disturbedParameter[d] = indexOf(parameterSpecs, dc.parameter());
    }
    uncertainty = new UncertaintyConfig[parameterSpecs.size()];
    for (Map.Entry<String, UncertaintyConfig> e : config.parameterUncertainty().entrySet()) {
      uncertainty[indexOf(parameterSpecs, e.getKey())] = e.getValue();
    }

    state = scenario.initialState();
    sampledParameters = scenario.nominalParameters();
    parameters = sampledParameters.clone();
    lastApplied = scenario.initialInput();
    deadTimeLine = new double[scenario.deadTimeSteps()][];
  }

  private static int indexOf(List<ParameterSpec> specs, String name) {
    for (int i = 0; i < specs.size(); i++) {
      if (specs.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalStateException("unknown parameter " + name);
  }

  @Override
  public String name() {
    return scenario.name();
  }

  @Override
  public SignalSpace observationSpace() {
    return observationSpace;
  }

  @Override
  public SignalSpace actionSpace() {
    return actionSpace;
  }

  @Override
  public SignalSpace stateSpace() {
    return scenario.stateSpace();
  }

  @Override
  public List<String> constraintNames() {
    return constraintNames;
  }

  @Override
  public List<String> setpointNames() {
    return setpointNames;
  }

  @Override
  public double controlInterval() {
    return scenario.controlInterval();
  }

  @Override
  public ModelTimeUnit timeUnit() {
    return scenario.model().timeUnit();
  }

  @Override
  public int episodeSteps() {
    return scenario.episodeSteps();
  }

  @Override
  public Observation reset(long seed) {
    SplittableRandom root = new SplittableRandom(seed);
    SplittableRandom parameterRandom = root.split();
    SplittableRandom disturbanceRandom = root.split();
    SplittableRandom sensorRandom = root.split();

    double[] nominal = scenario.nominalParameters();
    for (int i = 0; i < nominal.length; i++) {
      SplittableRandom r = parameterRandom.split();
      sampledParameters[i] =
          uncertainty[i] == null
              ? nominal[i]
              : ParameterUncertainty.sample(uncertainty[i], nominal[i], r);
    }
    for (Disturbance d : disturbances) {
      d.reset(disturbanceRandom.split());
    }
    for (Sensor s : sensors) {
      SplittableRandom r = sensorRandom.split();
      if (s != null) {
        s.reset(r);
      }
    }
    System.arraycopy(scenario.initialState(), 0, state, 0, state.length);
    System.arraycopy(scenario.initialInput(), 0, lastApplied, 0, lastApplied.length);
    for (int i = 0; i < deadTimeLine.length; i++) {
      deadTimeLine[i] = lastApplied.clone();
    }
    deadTimeHead = 0;
    step = 0;
    running = true;
    updateParameters(0.0);
    observationBuilder.reset();
    return observe();
  }

  @Override
  public StepResult step(double[] action) {
    if (!running) {
      throw new IllegalStateException(
          step == 0 ? "call reset(seed) before step" : "the episode is over; call reset(seed)");
    }
    actionSpaceCheck(action);
    double[] applied = new double[action.length];
    boolean limited = false;
    for (int i = 0; i < action.length; i++) {
      double a = actionSpace.get(i).clip(action[i]);
      double rate = rateLimits[i];
      a = Math.max(lastApplied[i] - rate, Math.min(lastApplied[i] + rate, a));
      limited |= a != action[i];
      applied[i] = a;
    }

    double[] acting = applied;
    if (deadTimeLine.length > 0) {
      acting = deadTimeLine[deadTimeHead];
      deadTimeLine[deadTimeHead] = applied.clone();
      deadTimeHead = (deadTimeHead + 1) % deadTimeLine.length;
    }

    double dt = scenario.controlInterval();
    double t0 = step * dt;
    updateParameters(t0);
    double[] stepParameters = parameters.clone();
    double[] before = state.clone();
    simulator.advance(state, acting, parameters, dt);
    int stepIndex = step;
    step++;

    double[] setpoints = new double[tracked.length];
    for (int k = 0; k < tracked.length; k++) {
      setpoints[k] = scenario.setpoint(k, stepIndex);
    }
    double reward = scenario.reward(stepIndex, state, applied, lastApplied);
    double[] costs = new double[constraints.size()];
    int[] constrained = scenario.constraintStates();
    for (int c = 0; c < costs.length; c++) {
      costs[c] = constraints.get(c).violation(state[constrained[c]]);
    }
    double[] previousApplied = lastApplied.clone();
    System.arraycopy(applied, 0, lastApplied, 0, applied.length);

    boolean terminated = !allFinite(state);
    String failure = "";
    if (terminated) {
      // The model failed (a division by zero, a blow-up): the episode ends, and the step earns
      // the worst reward and cost a state inside its declared ranges could, finite so that
      // returns and learning statistics stay numbers; the failure says which equation and when.
      failure = describeFailure(before, acting, stepParameters, dt, stepIndex);
      reward = scenario.failureReward(stepIndex, applied, previousApplied);
      for (int c = 0; c < costs.length; c++) {
        costs[c] = scenario.failureCost(c);
      }
    }
    boolean truncated = !terminated && step >= scenario.episodeSteps();
    running = !(terminated || truncated);
    StepInfo info =
        new StepInfo(
            step,
            step * dt,
            state,
            action,
            applied,
            limited,
            setpoints,
            stepParameters,
            Map.of(),
            failure);
    return new StepResult(observe(), reward, costs, terminated, truncated, info);
  }

  /**
   * Names the state (and so the equation) that first became non-finite during step {@code
   * stepIndex}, replaying the interval from {@code before}, and what it became.
   */
  private String describeFailure(
      double[] before, double[] acting, double[] stepParameters, double dt, int stepIndex) {
    int culprit = simulator.firstNonFiniteState(before, acting, stepParameters, dt);
    if (culprit < 0) {
      for (int i = 0; i < state.length && culprit < 0; i++) {
        culprit = Double.isFinite(state[i]) ? -1 : i;
      }
    }
    String name = scenario.model().states().get(culprit).name();
    String unit = scenario.model().timeUnit().symbol();
    return String.format(
        java.util.Locale.ROOT,
        "state %s (equation d%s/dt) became non-finite during step %d (t = %s to %s %s) of model"
            + " %s",
        name,
        name,
        stepIndex,
        trim(stepIndex * dt),
        trim((stepIndex + 1) * dt),
        unit,
        scenario.model().name());
  }

  private static String trim(double time) {
    String text = String.format(java.util.Locale.ROOT, "%.6g", time);
    return text.contains(".") ? text.replaceAll("0+$", "").replaceAll("\\.$", "") : text;
  }

  private void actionSpaceCheck(double[] action) {
    if (action == null || action.length != actionSpace.size()) {
      throw new IllegalArgumentException(
          "expected an action of "
              + actionSpace.size()
              + " values "
              + actionSpace.names()
              + ", got "
              + (action == null ? "null" : action.length));
    }
    for (int i = 0; i < action.length; i++) {
      if (!Double.isFinite(action[i])) {
        throw new IllegalArgumentException(
            "action "
                + actionSpace.get(i).name()
                + " is "
                + action[i]
                + "; a NaN or infinite action is refused");
      }
    }
  }

  private void updateParameters(double time) {
    System.arraycopy(sampledParameters, 0, parameters, 0, parameters.length);
    for (int d = 0; d < disturbedParameter.length; d++) {
      parameters[disturbedParameter[d]] += disturbances.get(d).offsetAt(time);
    }
  }

  /**
   * Measures through the sensors, adds the setpoints of the coming step, and hands both with the
   * last applied action (after limits, and after the shield when one wraps this environment) to the
   * observation builder, which adds the derived signals.
   */
  private Observation observe() {
    int n = plantSpace.size();
    double[] values = new double[n];
    Quality[] qualities = new Quality[n];
    for (int i = 0; i < measured.length; i++) {
      double truth = state[measured[i]];
      if (sensors[i] == null) {
        values[i] = truth;
        qualities[i] = Double.isFinite(truth) ? Quality.GOOD : Quality.BAD;
      } else {
        Reading r = sensors[i].measure(truth);
        values[i] = r.value();
        qualities[i] = r.quality();
      }
    }
    int upcoming = Math.min(step, scenario.episodeSteps() - 1);
    for (int k = 0; k < tracked.length; k++) {
      values[measured.length + k] = scenario.setpoint(k, upcoming);
      qualities[measured.length + k] = Quality.GOOD;
    }
    double[][] preview = null;
    if (previewSteps > 0) {
      preview = new double[tracked.length][previewSteps];
      for (int k = 0; k < tracked.length; k++) {
        for (int j = 1; j <= previewSteps; j++) {
          // Beyond the episode the schedule holds its last value.
          preview[k][j - 1] = scenario.setpoint(k, upcoming + j);
        }
      }
    }
    return observationBuilder.observe(new Observation(values, qualities), lastApplied, preview);
  }

  private static boolean allFinite(double[] values) {
    for (double v : values) {
      if (!Double.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public double[] state() {
    return state.clone();
  }

  @Override
  public double[] lastAppliedAction() {
    return lastApplied.clone();
  }

  @Override
  public PredictiveModel predictiveModel() {
    return new ModelPredictor(scenario, integrator, scenario.nominalParameters());
  }

  @Override
  public String toString() {
    return "SimulatedEnvironment[" + scenario.name() + ", " + Arrays.toString(state) + "]";
  }
}
