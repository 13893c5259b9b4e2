package org.safeloop.agent.baseline;

import org.safeloop.env.control.PidConfig;

/**
 * Model-based PI tuning rules for a {@link Fopdt} process, both parametrised by the desired
 * closed-loop time constant {@code tauc} (lambda). Gains take the sign of the process gain, so a
 * reverse-acting process (negative K) gets a negative {@code kp}. Thread-safe.
 */
public enum PiTuningRule {
  /**
   * Skogestad's SIMC rule ("Simple analytic rules for model reduction and PID controller tuning",
   * J. Process Control 13 (2003) 291-309): {@code Kc = tau / (K (tauc + theta))}, {@code Ti =
   * min(tau, 4 (tauc + theta))}. The cap on Ti keeps lag-dominant processes from rejecting load
   * disturbances too slowly. With {@code tauc = theta}, the recommended default, the loop has a
   * gain margin of about 3 and a phase margin of about 61 degrees.
   */
  SIMC {
    @Override
    double integralTime(Fopdt model, double closedLoopTimeConstant) {
      return Math.min(model.timeConstant(), 4 * (closedLoopTimeConstant + model.deadTime()));
    }
  },

  /**
   * IMC / Lambda tuning, the IMC-based PI rule long used in the process industries (pulp and paper
   * in particular), here in the form SIMC starts from: {@code Kc = tau / (K (lambda + theta))},
   * {@code Ti = tau}. The integral time cancels the process lag, which gives the smooth set-point
   * response the rule is known for but slow load rejection when {@code tau >> theta}. Identical to
   * SIMC when {@code tau <= 4 (tauc + theta)}.
   */
  LAMBDA {
    @Override
    double integralTime(Fopdt model, double closedLoopTimeConstant) {
      return model.timeConstant();
    }
  };

  abstract double integralTime(Fopdt model, double closedLoopTimeConstant);

  /**
   * Returns the proportional gain {@code tau / (K (tauc + theta))}, input units per
   * process-variable unit.
   *
   * @param closedLoopTimeConstant tauc (lambda), in the model's time unit, at least 0, with {@code
   *     tauc + theta > 0}
   */
  public double proportionalGain(Fopdt model, double closedLoopTimeConstant) {
    check(model, closedLoopTimeConstant);
    return model.timeConstant() / (model.gain() * (closedLoopTimeConstant + model.deadTime()));
  }

  /**
   * Returns the PI tuning of the loop from {@code input} to {@code processVariable}, with the other
   * {@link PidConfig} settings at their defaults (anti-windup tracking time = Ti; bias unset, so
   * the loop starts bumplessly from the actuator's position).
   *
   * @param model the process, identified e.g. by {@link FopdtIdentifier}; include the sampling
   *     delay ({@link Fopdt#withSamplingDelay}) for a sampled controller
   * @param processVariable the measured signal the loop controls
   * @param input the input it drives
   * @param closedLoopTimeConstant tauc (lambda) in the model's time unit; smaller is faster and
   *     less robust
   * @throws IllegalArgumentException if {@code tauc < 0} or {@code tauc + theta == 0} (infinite
   *     gain)
   */
  public PidConfig tune(
      Fopdt model, String processVariable, String input, double closedLoopTimeConstant) {
    double kp = proportionalGain(model, closedLoopTimeConstant);
    return PidConfig.pi(processVariable, input, kp, integralTime(model, closedLoopTimeConstant));
  }

  /**
   * Returns the PI tuning with the recommended {@code tauc = theta} ("tight control with good
   * robustness", Skogestad 2003).
   *
   * @throws IllegalArgumentException if the model has no dead time: then name tauc explicitly, or
   *     add the sampling delay
   */
  public PidConfig tune(Fopdt model, String processVariable, String input) {
    return tune(model, processVariable, input, model.deadTime());
  }

  private static void check(Fopdt model, double closedLoopTimeConstant) {
    if (!(closedLoopTimeConstant >= 0) || !Double.isFinite(closedLoopTimeConstant)) {
      throw new IllegalArgumentException(
          "closed-loop time constant must be finite and >= 0, got " + closedLoopTimeConstant);
    }
    if (closedLoopTimeConstant + model.deadTime() <= 0) {
      throw new IllegalArgumentException(
          "closed-loop time constant and dead time are both 0: the rule asks for an infinite gain;"
              + " choose tauc > 0 or add the sampling delay (Fopdt.withSamplingDelay)");
    }
  }
}
