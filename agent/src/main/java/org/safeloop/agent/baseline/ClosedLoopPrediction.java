package org.safeloop.agent.baseline;

import org.safeloop.env.control.PidConfig;

/**
 * What a PI tuning predicts for a set-point step: the continuous-time loop of a {@link Fopdt}
 * process and an ideal continuous PI (with the same output limits and back-calculation anti-windup
 * as {@link org.safeloop.env.control.PidController}), simulated finely enough to be exact for
 * practical purposes. Compare it with the sampled loop in an environment to see how far the rule's
 * continuous-time view holds. Thread-safe (stateless).
 */
public final class ClosedLoopPrediction {
  /** Integration steps per shortest time scale of the loop. */
  private static final int RESOLUTION = 2000;

  private ClosedLoopPrediction() {}

  /**
   * Simulates a set-point step from a steady state and measures it.
   *
   * <p>The process starts at rest with the input at {@code startInput}; at time 0 the set point
   * moves by {@code setpointChange}. The process is integrated exactly over each fine step with the
   * input held (step length {@code min(tau, Ti, theta, duration) / 2000}, an integer fraction of
   * theta so the delay is exact), the PI with forward Euler: the error is of the order of 1e-3 of
   * the shortest time scale.
   *
   * @param process the process, in deviation form around the start
   * @param pi a PI tuning (no derivative action)
   * @param setpointChange the set-point step, in process-variable units, non-zero
   * @param startInput the input before the step
   * @param inputMin the actuator's lower limit
   * @param inputMax the actuator's upper limit
   * @param duration how long to simulate, in the model's time unit
   * @param band settling band as a fraction of the step
   * @throws IllegalArgumentException if {@code pi} has derivative action or the arguments are
   *     inconsistent
   */
  public static SetpointStepMetrics setpointStep(
      Fopdt process,
      PidConfig pi,
      double setpointChange,
      double startInput,
      double inputMin,
      double inputMax,
      double duration,
      double band) {
    if (pi.td() != 0.0) {
      throw new IllegalArgumentException("the prediction covers PI loops only, got td " + pi.td());
    }
    if (!(duration > 0) || !Double.isFinite(duration)) {
      throw new IllegalArgumentException("duration must be positive, got " + duration);
    }
    if (!(inputMin <= startInput && startInput <= inputMax)) {
      throw new IllegalArgumentException(
          "start input " + startInput + " outside [" + inputMin + ", " + inputMax + "]");
    }
    double shortest = Math.min(process.timeConstant(), Math.min(pi.ti(), duration));
    if (process.deadTime() > 0) {
      shortest = Math.min(shortest, process.deadTime());
    }
    double h = shortest / RESOLUTION;
    int delaySteps = 0;
    if (process.deadTime() > 0) {
      delaySteps = (int) Math.ceil(process.deadTime() / h);
      h = process.deadTime() / delaySteps;
    }
    int steps = (int) Math.ceil(duration / h);
    double decay = Math.exp(-h / process.timeConstant());
    double[] delayLine = new double[Math.max(1, delaySteps)];
    int head = 0;
    double[] times = new double[steps + 1];
    double[] output = new double[steps + 1];
    double y = 0; // process variable, deviation from the start
    double integral = 0; // PI integral term, deviation from the start input
    double kp = pi.kp();
    double ti = pi.ti();
    double tt = pi.trackingTime();
    for (int n = 0; n <= steps; n++) {
      times[n] = n * h;
      output[n] = y;
      double error = setpointChange - y;
      double unsaturated = kp * error + integral;
      double u = Math.max(inputMin - startInput, Math.min(inputMax - startInput, unsaturated));
      if (Double.isFinite(ti)) {
        integral += h * (kp / ti * error + (u - unsaturated) / tt);
      }
      double acting = u;
      if (delaySteps > 0) {
        acting = delayLine[head];
        delayLine[head] = u;
        head = (head + 1) % delaySteps;
      }
      y = decay * y + process.gain() * acting * (1 - decay);
    }
    return SetpointStepMetrics.of(times, output, 0.0, setpointChange, band);
  }
}
