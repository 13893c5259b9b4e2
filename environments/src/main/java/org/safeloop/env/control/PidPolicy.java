package org.safeloop.env.control;

import java.util.ArrayList;
import java.util.List;
import org.safeloop.env.Observation;
import org.safeloop.env.SignalSpace;

/**
 * A decentralised set of PID loops as a {@link Policy}: each loop reads its process variable and
 * its setpoint ({@code <name>_setpoint}) from the observation and drives one input. Inputs without
 * a loop are held at their start value. A loop whose measurement is bad holds its output. Not
 * thread-safe.
 */
public final class PidPolicy implements Policy {
  private final List<PidController> loops = new ArrayList<>();
  private final int[] measurementIndex;
  private final int[] setpointIndex;
  private final int[] inputIndex;
  private final double[] heldAction;

  /**
   * Creates the loops.
   *
   * @param configs one tuning per loop
   * @param observationSpace where to find process variables and {@code <pv>_setpoint} signals
   * @param actionSpace inputs with their limits
   * @param dt sample time in the model's time unit
   * @param initialAction actuator positions at start, in action-space order
   * @throws IllegalArgumentException if a loop names a signal the spaces do not have
   */
  public PidPolicy(
      List<PidConfig> configs,
      SignalSpace observationSpace,
      SignalSpace actionSpace,
      double dt,
      double[] initialAction) {
    int n = configs.size();
    measurementIndex = new int[n];
    setpointIndex = new int[n];
    inputIndex = new int[n];
    heldAction = initialAction.clone();
    for (int i = 0; i < n; i++) {
      PidConfig c = configs.get(i);
      measurementIndex[i] = require(observationSpace, c.processVariable(), "process variable");
      setpointIndex[i] =
          require(observationSpace, c.processVariable() + "_setpoint", "setpoint signal");
      inputIndex[i] = require(actionSpace, c.input(), "input");
      for (int j = 0; j < i; j++) {
        if (inputIndex[j] == inputIndex[i]) {
          throw new IllegalArgumentException("two PID loops drive input " + c.input());
        }
      }
      var spec = actionSpace.get(inputIndex[i]);
      PidController pid = new PidController(c, dt, spec.min(), spec.max());
      pid.reset(c.bias() != null ? c.bias() : initialAction[inputIndex[i]]);
      loops.add(pid);
    }
  }

  private static int require(SignalSpace space, String name, String role) {
    int index = space.indexOf(name);
    if (index < 0) {
      throw new IllegalArgumentException(
          "PID " + role + " '" + name + "' is not among " + space.names());
    }
    return index;
  }

  @Override
  public double[] act(Observation observation) {
    double[] action = heldAction.clone();
    for (int i = 0; i < loops.size(); i++) {
      double pv = observation.value(measurementIndex[i]);
      if (observation.quality(measurementIndex[i]) == org.safeloop.env.Quality.BAD) {
        pv = Double.NaN;
      }
      action[inputIndex[i]] = loops.get(i).update(observation.value(setpointIndex[i]), pv);
    }
    return action;
  }

  /** Feeds the really applied action back to every loop (anti-windup against downstream limits). */
  @Override
  public void applied(double[] appliedAction) {
    for (int i = 0; i < loops.size(); i++) {
      loops.get(i).track(appliedAction[inputIndex[i]]);
    }
  }

  /**
   * Restarts every loop bumplessly from the given actuator positions (e.g. when the loops take over
   * from another controller).
   */
  public void resetTo(double[] action) {
    for (int i = 0; i < loops.size(); i++) {
      loops.get(i).reset(action[inputIndex[i]]);
    }
    System.arraycopy(action, 0, heldAction, 0, Math.min(action.length, heldAction.length));
  }

  @Override
  public void reset() {
    for (int i = 0; i < loops.size(); i++) {
      PidController pid = loops.get(i);
      Double bias = pid.config().bias();
      pid.reset(bias != null ? bias : heldAction[inputIndex[i]]);
    }
  }
}
