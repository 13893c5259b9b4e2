package org.safeloop.env.mpc;

import java.util.Arrays;
import org.hipparchus.exception.MathIllegalStateException;
import org.hipparchus.optim.InitialGuess;
import org.hipparchus.optim.MaxEval;
import org.hipparchus.optim.SimpleBounds;
import org.hipparchus.optim.nonlinear.scalar.GoalType;
import org.hipparchus.optim.nonlinear.scalar.ObjectiveFunction;
import org.hipparchus.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;
import org.safeloop.env.Observation;
import org.safeloop.env.PredictiveModel;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.control.Policy;
import org.safeloop.env.scenario.Scenario;

/**
 * A nonlinear model-predictive controller with everything a real one lacks: the exact nominal
 * model, the true state, and the future set-point schedule. It measures the optimality gap of the
 * PID and of learned policies on noise-free evaluation runs; it is not a deployable controller.
 *
 * <p>Each control step it minimises minus the scenario's own reward ({@link Scenario#reward}), plus
 * a stiff penalty of {@value #CONSTRAINT_PENALTY} per squared unit of violation of the scenario's
 * state constraints (so that on a constrained scenario it measures what is reachable inside the
 * limits, as the shielded agent must), summed over a receding horizon of N control steps (cut at
 * the end of the episode, where the return stops counting), over M free moves per input (move
 * blocking: the input moves at each of the first M steps and is then held, {@link NmpcSettings}),
 * within the actuator limits, with Hipparchus' {@link BOBYQAOptimizer} (bound-constrained, no
 * derivatives) on inputs scaled to [0, 1] of their range. Rate limits ({@link
 * Scenario#rateLimits()}) are honoured the way the environment honours them: each predicted input
 * is clipped to the last one plus or minus the limit before it acts, so the cost is that of what
 * the plant would really receive. The input dead time is honoured with the inputs already sent. The
 * optimiser starts from the previous solution shifted by one step (warm start). The first move is
 * applied.
 *
 * <p><b>Noise-free evaluation only.</b> The oracle reads the current state from the observation's
 * measured values, by state name: on an environment with realism off these are the true states.
 * States that are not measured are carried by its own nominal prediction from the scenario's
 * initial state, which is exact only on the nominal noise-free process. It counts steps itself,
 * from {@link #reset()}, to index the set-point schedule and the reward, and it assumes that the
 * environment applies its actions unchanged except for actuator and rate limits (no shield in
 * between). Deterministic: the same episode gives the same actions.
 *
 * <p>The preview can be cut ({@link #NmpcOracle(Scenario, NmpcSettings, int)}): with a preview of P
 * steps the set point of predicted step j is the schedule's at step {@code k + min(j, P)}, the last
 * one seen held beyond; with P = 0 the set point in force is held over the whole horizon, as a
 * controller that learns of a set-point change only when it happens. That oracle without preview
 * ({@code oracle-no-preview}) separates what the preview is worth from what the true state is.
 *
 * <p>The same optimiser, fed a state estimate, estimated parameters and the current set points
 * instead, is the deployable {@code nmpc} baseline ({@link EstimatingNmpc}).
 *
 * <p>Cost, measured on cstr-tracking with the {@link NmpcSettings#defaults() defaults} (N = 10, M =
 * 5, about 61 cost evaluations of 10 predicted steps per control step): 1.6 to 6 ms of CPU time per
 * control step on a shared two-core build machine, the upper end with a cold JIT; a 60-step episode
 * takes under a second. See {@code docs/baselines.md} and {@code NmpcOracleTest}.
 *
 * <p>Not thread-safe.
 */
public final class NmpcOracle implements Policy {
  /** Cost of a prediction that leaves the model's domain: finite, so that BOBYQA can use it. */
  private static final double DIVERGED_COST = 1e12;

  /**
   * Weight of a state-constraint violation v (in the constrained variable's unit) in the oracle's
   * cost, charged as {@code weight * (v + v^2)}: the linear part is an exact penalty (no small
   * violation is worth any tracking gain at this weight), the quadratic part grows with depth.
   */
  public static final double CONSTRAINT_PENALTY = 1e4;

  /** The preview of an oracle that knows the whole set-point schedule in advance. */
  public static final int PERFECT_PREVIEW = Integer.MAX_VALUE;

  private final Scenario scenario;
  private final NmpcSettings settings;
  private final int previewSteps;
  private PredictiveModel model;
  private double[] modelParameters;
  private final SignalSpace inputs;
  private final int inputCount;
  private final int stateCount;
  private final int deadTime;
  private final int[] blockOfStep;
  private final int[] blockStarts;
  private final int[] observedIndex;
  private final int[] constrainedState;
  private final double[] constraintMin;
  private final double[] constraintMax;
  private final double[] inputMin;
  private final double[] inputSpan;
  private final double[] rateLimits;

  // Episode state.
  private final double[] state;
  private final double[] lastApplied;
  private final double[][] pending;
  private double[] warmStart;
  private double[] heldSetpoints;
  private final double[] backOff;
  private int step;
  private long evaluations;

  // Work arrays of the cost function, so that an evaluation allocates nothing.
  private final double[] predicted;
  private final double[][] plannedApplied;
  private final double[] requested;

  /** Creates an oracle with the {@link NmpcSettings#defaults() default settings}. */
  public NmpcOracle(Scenario scenario) {
    this(scenario, NmpcSettings.defaults());
  }

  /**
   * Creates an oracle for {@code scenario}'s nominal noise-free model with {@link #PERFECT_PREVIEW
   * perfect preview}.
   *
   * @throws IllegalArgumentException if the settings leave fewer than two decision variables
   *     (BOBYQA's minimum)
   */
  public NmpcOracle(Scenario scenario, NmpcSettings settings) {
    this(scenario, settings, PERFECT_PREVIEW);
  }

  /**
   * Creates an oracle for {@code scenario}'s nominal noise-free model that sees {@code
   * previewSteps} steps of the set-point schedule ahead.
   *
   * @param previewSteps 0 (the set point in force, held), up to {@link #PERFECT_PREVIEW}
   * @throws IllegalArgumentException if the settings leave fewer than two decision variables
   *     (BOBYQA's minimum) or the preview is negative
   */
  public NmpcOracle(Scenario scenario, NmpcSettings settings, int previewSteps) {
    if (previewSteps < 0) {
      throw new IllegalArgumentException(
          "the NMPC's set-point preview must be 0 or more steps, got " + previewSteps);
    }
    this.scenario = scenario;
    this.settings = settings;
    this.previewSteps = previewSteps;
    this.modelParameters = scenario.nominalParameters();
    this.model = scenario.predictiveModel(modelParameters, null);
    this.inputs = scenario.actionSpace();
    this.inputCount = inputs.size();
    if (settings.freeMoves() * inputCount < 2) {
      throw new IllegalArgumentException(
          "the NMPC optimiser (BOBYQA) needs at least two decision variables; with "
              + inputCount
              + " input(s) use at least 2 free moves");
    }
    SignalSpace states = scenario.stateSpace();
    this.stateCount = states.size();
    this.deadTime = scenario.deadTimeSteps();
    this.blockStarts = settings.blockStarts();
    this.blockOfStep = new int[settings.horizon()];
    for (int b = 0; b < blockStarts.length; b++) {
      int end = b + 1 < blockStarts.length ? blockStarts[b + 1] : settings.horizon();
      Arrays.fill(blockOfStep, blockStarts[b], end, b);
    }
    SignalSpace observations = scenario.observationSpace();
    var constraints = scenario.constraints();
    this.constrainedState = new int[constraints.size()];
    this.constraintMin = new double[constraints.size()];
    this.constraintMax = new double[constraints.size()];
    for (int c = 0; c < constraints.size(); c++) {
      var spec = constraints.get(c);
      constrainedState[c] = scenario.stateSpace().indexOf(spec.variable());
      constraintMin[c] = spec.min() == null ? Double.NEGATIVE_INFINITY : spec.min();
      constraintMax[c] = spec.max() == null ? Double.POSITIVE_INFINITY : spec.max();
    }
    this.observedIndex = new int[stateCount];
    for (int i = 0; i < stateCount; i++) {
      observedIndex[i] = observations.indexOf(states.get(i).name());
    }
    this.inputMin = new double[inputCount];
    this.inputSpan = new double[inputCount];
    for (int i = 0; i < inputCount; i++) {
      inputMin[i] = inputs.get(i).min();
      inputSpan[i] = inputs.get(i).span();
    }
    this.rateLimits = scenario.rateLimits();
    this.backOff = new double[constraints.size()];
    this.state = new double[stateCount];
    this.lastApplied = new double[inputCount];
    this.pending = new double[deadTime][];
    this.predicted = new double[stateCount];
    this.plannedApplied = new double[settings.horizon()][inputCount];
    this.requested = new double[inputCount];
    reset();
  }

  /** Returns the settings. */
  public NmpcSettings settings() {
    return settings;
  }

  /**
   * Returns how many steps of the set-point schedule beyond the current one the oracle sees ({@link
   * #PERFECT_PREVIEW} for all of them).
   */
  public int previewSteps() {
    return previewSteps;
  }

  /** Returns the number of control steps taken since {@link #reset()}. */
  public int step() {
    return step;
  }

  /** Returns the number of cost evaluations since {@link #reset()} (each one predicts N steps). */
  public long evaluations() {
    return evaluations;
  }

  /** Starts a new episode at the scenario's initial state and input. */
  @Override
  public void reset() {
    double[] nominal = scenario.nominalParameters();
    if (!Arrays.equals(nominal, modelParameters)) {
      modelParameters = nominal;
      model = scenario.predictiveModel(modelParameters, null);
    }
    heldSetpoints = null;
    System.arraycopy(scenario.initialState(), 0, state, 0, stateCount);
    double[] initial = scenario.initialInput();
    System.arraycopy(initial, 0, lastApplied, 0, inputCount);
    for (int i = 0; i < deadTime; i++) {
      pending[i] = initial.clone();
    }
    warmStart = new double[settings.freeMoves() * inputCount];
    for (int b = 0; b < settings.freeMoves(); b++) {
      for (int i = 0; i < inputCount; i++) {
        warmStart[b * inputCount + i] = (initial[i] - inputMin[i]) / inputSpan[i];
      }
    }
    step = 0;
    evaluations = 0;
  }

  /**
   * Returns the first move of the optimal input sequence from the observed state, already inside
   * the actuator and rate limits.
   */
  @Override
  public double[] act(Observation observation) {
    for (int i = 0; i < stateCount; i++) {
      int o = observedIndex[i];
      if (o >= 0
          && observation.quality(o) == Quality.GOOD
          && Double.isFinite(observation.value(o))) {
        state[i] = observation.value(o);
      }
    }
    heldSetpoints = null;
    Arrays.fill(backOff, 0.0);
    return move();
  }

  /**
   * Returns the first optimal move from a state estimate instead of the observation, for {@link
   * EstimatingNmpc}: the prediction uses {@code parameters} (the estimated ones), the set points
   * are {@code setpoints} held over the whole horizon (no preview) or, when {@code setpoints} is
   * null, the schedule's within this optimiser's {@link #previewSteps() preview}, and each state
   * constraint is tightened by {@code backOffSigmas} standard deviations of the estimate of its
   * variable ({@code stateStd}), so that the plan keeps the true state inside despite the
   * estimation error.
   */
  double[] actFrom(
      double[] estimatedState,
      double[] stateStd,
      double backOffSigmas,
      double[] parameters,
      double[] setpoints) {
    System.arraycopy(estimatedState, 0, state, 0, stateCount);
    for (int c = 0; c < backOff.length; c++) {
      backOff[c] = backOffSigmas * stateStd[constrainedState[c]];
    }
    if (!Arrays.equals(parameters, modelParameters)) {
      modelParameters = parameters.clone();
      model = scenario.predictiveModel(modelParameters, null);
    }
    heldSetpoints = setpoints == null ? null : setpoints.clone();
    return move();
  }

  private double[] move() {
    double[] solution = optimise();

    double[] applied = new double[inputCount];
    for (int i = 0; i < inputCount; i++) {
      applied[i] = limit(i, inputMin[i] + solution[i] * inputSpan[i], lastApplied[i]);
    }
    // Carry the internal state one step on, for the states the observations do not show.
    double[] acting = applied;
    if (deadTime > 0) {
      acting = pending[0];
      System.arraycopy(pending, 1, pending, 0, deadTime - 1);
      pending[deadTime - 1] = applied.clone();
    }
    model.advance(state, acting, null);
    System.arraycopy(applied, 0, lastApplied, 0, inputCount);
    warmStart = shifted(solution);
    step++;
    return applied;
  }

  private double[] optimise() {
    int n = warmStart.length;
    double[] lower = new double[n];
    double[] upper = new double[n];
    Arrays.fill(upper, 1.0);
    double[] best = warmStart.clone();
    double[] bestCost = {cost(best)};
    evaluations++;
    ObjectiveFunction objective =
        new ObjectiveFunction(
            x -> {
              double c = cost(x);
              evaluations++;
              if (c < bestCost[0]) {
                bestCost[0] = c;
                System.arraycopy(x, 0, best, 0, n);
              }
              return c;
            });
    BOBYQAOptimizer optimizer =
        new BOBYQAOptimizer(
            2 * n + 1, settings.initialTrustRadius(), settings.stoppingTrustRadius());
    try {
      optimizer.optimize(
          new MaxEval(settings.maxEvaluations()),
          objective,
          GoalType.MINIMIZE,
          new InitialGuess(warmStart),
          new SimpleBounds(lower, upper));
    } catch (MathIllegalStateException budgetSpent) {
      // The evaluation budget ran out: the best point seen so far is the answer.
    }
    return best;
  }

  /**
   * Minus the scenario's reward plus the constraint penalty over the horizon, for inputs {@code x}.
   */
  private double cost(double[] x) {
    System.arraycopy(state, 0, predicted, 0, stateCount);
    double[] previous = lastApplied;
    double cost = 0;
    int steps = Math.min(settings.horizon(), scenario.episodeSteps() - step);
    for (int j = 0; j < steps; j++) {
      int block = blockOfStep[j];
      double[] applied = plannedApplied[j];
      for (int i = 0; i < inputCount; i++) {
        double scaled = Math.max(0.0, Math.min(1.0, x[block * inputCount + i]));
        requested[i] = inputMin[i] + scaled * inputSpan[i];
        applied[i] = limit(i, requested[i], previous[i]);
      }
      double[] acting = j < deadTime ? pending[j] : plannedApplied[j - deadTime];
      model.advance(predicted, acting, null);
      for (double v : predicted) {
        if (!Double.isFinite(v)) {
          return DIVERGED_COST;
        }
      }
      cost -=
          heldSetpoints == null
              ? scenario.reward(step + Math.min(j, previewSteps), predicted, applied, previous)
              : scenario.reward(heldSetpoints, predicted, applied, previous);
      for (int c = 0; c < constrainedState.length; c++) {
        double value = predicted[constrainedState[c]];
        double violation =
            Math.max(0.0, constraintMin[c] + backOff[c] - value)
                + Math.max(0.0, value - constraintMax[c] + backOff[c]);
        // Linear (exact) and quadratic: no trade of a small violation for tracking.
        cost += CONSTRAINT_PENALTY * (violation + violation * violation);
      }
      previous = applied;
    }
    return Double.isFinite(cost) ? Math.min(cost, DIVERGED_COST) : DIVERGED_COST;
  }

  /** Clips to the actuator limits, then to the rate limit around {@code previous}. */
  private double limit(int i, double value, double previous) {
    double clipped = inputs.get(i).clip(value);
    double rate = rateLimits[i];
    return Math.max(previous - rate, Math.min(previous + rate, clipped));
  }

  /** The block inputs of {@code solution} one control step later, the last held. */
  private double[] shifted(double[] solution) {
    double[] next = new double[solution.length];
    int horizon = settings.horizon();
    for (int b = 0; b < blockStarts.length; b++) {
      int from = blockOfStep[Math.min(blockStarts[b] + 1, horizon - 1)];
      System.arraycopy(solution, from * inputCount, next, b * inputCount, inputCount);
    }
    return next;
  }
}
