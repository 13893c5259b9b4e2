package org.safeloop.env;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Diagnostics of one environment step, for logging and analysis (agents must not rely on it to act:
 * it holds the true state, which a real plant does not reveal). Arrays are copied.
 *
 * @param step index of the step just taken, from 1
 * @param time simulated time at the end of the step, in the model's time unit
 * @param state true process state at the end of the step, in state-space order
 * @param requestedAction the action the caller asked for
 * @param appliedAction the action applied after actuator limits and rate limits
 * @param actionLimited true when limits changed the requested action
 * @param setpoints setpoints in force during the step, in the order of {@code setpointNames}
 * @param parameters parameter values during the step (after uncertainty and disturbances)
 * @param diagnostics named numbers added by wrappers, e.g. {@code shield_intervened}; may be empty
 * @param failure empty, or why the step failed: the model's state became non-finite, naming the
 *     state (its equation) and the step, e.g. {@code state h (equation dh/dt) became NaN during
 *     step 0 (t = 0 to 1 s)}; such a step terminates the episode with {@link
 *     org.safeloop.env.scenario.Scenario#failureReward} as its reward
 */
public record StepInfo(
    int step,
    double time,
    double[] state,
    double[] requestedAction,
    double[] appliedAction,
    boolean actionLimited,
    double[] setpoints,
    double[] parameters,
    Map<String, Double> diagnostics,
    String failure) {

  /** Diagnostics of a step that did not fail. */
  public StepInfo(
      int step,
      double time,
      double[] state,
      double[] requestedAction,
      double[] appliedAction,
      boolean actionLimited,
      double[] setpoints,
      double[] parameters,
      Map<String, Double> diagnostics) {
    this(
        step,
        time,
        state,
        requestedAction,
        appliedAction,
        actionLimited,
        setpoints,
        parameters,
        diagnostics,
        "");
  }

  /** Copies the arrays. */
  public StepInfo {
    failure = failure == null ? "" : failure;
    state = Objects.requireNonNull(state, "state").clone();
    requestedAction = Objects.requireNonNull(requestedAction, "requestedAction").clone();
    appliedAction = Objects.requireNonNull(appliedAction, "appliedAction").clone();
    setpoints = Objects.requireNonNull(setpoints, "setpoints").clone();
    parameters = Objects.requireNonNull(parameters, "parameters").clone();
    diagnostics = Map.copyOf(Objects.requireNonNull(diagnostics, "diagnostics"));
  }

  /** Returns a copy with another applied action and extra diagnostics (later keys win). */
  public StepInfo with(double[] newRequestedAction, Map<String, Double> extraDiagnostics) {
    Map<String, Double> merged = new LinkedHashMap<>(diagnostics);
    merged.putAll(extraDiagnostics);
    return new StepInfo(
        step,
        time,
        state,
        newRequestedAction,
        appliedAction,
        actionLimited,
        setpoints,
        parameters,
        merged,
        failure);
  }

  /** Returns true when the step failed (see {@link #failure()}). */
  public boolean failed() {
    return !failure.isEmpty();
  }

  @Override
  public double[] state() {
    return state.clone();
  }

  @Override
  public double[] requestedAction() {
    return requestedAction.clone();
  }

  @Override
  public double[] appliedAction() {
    return appliedAction.clone();
  }

  @Override
  public double[] setpoints() {
    return setpoints.clone();
  }

  @Override
  public double[] parameters() {
    return parameters.clone();
  }
}
