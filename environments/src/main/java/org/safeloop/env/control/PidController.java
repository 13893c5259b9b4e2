package org.safeloop.env.control;

/**
 * A discrete PID loop for a fixed sample time: ideal form, derivative on the measurement (no kick
 * on setpoint steps) through a first-order filter, output limits, and back-calculation anti-windup
 * (the integral is corrected by the difference between the applied and the computed output, so it
 * stops winding up when the output saturates or when something downstream, such as the shield,
 * applies another value: see {@link #track}).
 *
 * <p>Discretisation after Astrom and Hagglund, "Advanced PID Control" (2006), section 3.5: backward
 * difference for the filtered derivative, forward Euler for the integral. Parameter changes are
 * bumpless ({@link #retune}). Not thread-safe.
 */
public final class PidController {
  private PidConfig config;
  private final double dt;
  private final double outputMin;
  private final double outputMax;

  private double integral;
  private double derivative;
  private double lastMeasurement = Double.NaN;
  private double lastError;
  private double lastUnsaturated;
  private double lastOutput;

  /**
   * Creates a loop.
   *
   * @param config tuning
   * @param dt sample time in the model's time unit, positive
   * @param outputMin lower output limit (actuator)
   * @param outputMax upper output limit (actuator)
   */
  public PidController(PidConfig config, double dt, double outputMin, double outputMax) {
    if (!(dt > 0) || !Double.isFinite(dt)) {
      throw new IllegalArgumentException("PID sample time must be positive, got " + dt);
    }
    if (!(outputMin < outputMax)) {
      throw new IllegalArgumentException(
          "PID output limits need min < max, got [" + outputMin + ", " + outputMax + "]");
    }
    this.config = config;
    this.dt = dt;
    this.outputMin = outputMin;
    this.outputMax = outputMax;
    reset(config.bias() != null ? config.bias() : 0.5 * (outputMin + outputMax));
  }

  /** Returns the tuning in force (the last one given to {@link #retune}). */
  public PidConfig config() {
    return config;
  }

  /**
   * Restarts the loop so that its next output, at zero error, equals {@code output} (bumpless start
   * from the current actuator position).
   */
  public void reset(double output) {
    double start = Math.max(outputMin, Math.min(outputMax, output));
    integral = start;
    derivative = 0.0;
    lastMeasurement = Double.NaN;
    lastError = 0.0;
    lastUnsaturated = start;
    lastOutput = start;
  }

  /**
   * Computes the output for one sample.
   *
   * <p>A non-finite setpoint or measurement (a bad sensor) freezes the loop: it returns the last
   * output and leaves its states untouched, the safe behaviour of a controller with a failed input.
   *
   * @param setpoint desired value of the process variable
   * @param measurement measured process variable
   * @return the output, inside the output limits
   */
  public double update(double setpoint, double measurement) {
    if (!Double.isFinite(setpoint) || !Double.isFinite(measurement)) {
      return lastOutput;
    }
    double kp = config.kp();
    double td = config.td();
    if (td > 0 && !Double.isNaN(lastMeasurement)) {
      double n = config.derivativeFilter();
      double ad = td / (td + n * dt);
      double bd = kp * td * n / (td + n * dt);
      derivative = ad * derivative - bd * (measurement - lastMeasurement);
    }
    lastMeasurement = measurement;
    double error = setpoint - measurement;
    lastError = error;
    double unsaturated = kp * error + integral + derivative;
    double output = Math.max(outputMin, Math.min(outputMax, unsaturated));
    lastUnsaturated = unsaturated;
    lastOutput = output;
    advanceIntegral(error, output);
    return output;
  }

  /**
   * Changes the tuning without a bump: the integral is adjusted so that the controller's output for
   * the last setpoint and measurement is the same under the new tuning as under the old (the
   * "bumpless parameter changes" of Astrom and Hagglund, "Advanced PID Control" (2006)). Without
   * this, a new {@code kp} multiplies the present error at once and the actuator jumps. The
   * derivative state is rescaled to the new {@code kp td} (cleared if the new tuning has no
   * derivative action) and the integral absorbs the difference. The new tuning's {@code bias} is
   * ignored: it only sets the output on a start.
   *
   * @param newConfig the new tuning, for the same process variable and input
   * @throws IllegalArgumentException if it names another process variable or input
   */
  public void retune(PidConfig newConfig) {
    if (!newConfig.processVariable().equals(config.processVariable())
        || !newConfig.input().equals(config.input())) {
      throw new IllegalArgumentException(
          "retune must keep the loop "
              + config.processVariable()
              + " -> "
              + config.input()
              + ", got "
              + newConfig.processVariable()
              + " -> "
              + newConfig.input());
    }
    double oldGain = config.kp() * config.td();
    double newGain = newConfig.kp() * newConfig.td();
    double newDerivative = oldGain != 0.0 ? derivative * newGain / oldGain : 0.0;
    // kp_old e + I_old + D_old = kp_new e + I_new + D_new at the last error e.
    integral += (config.kp() - newConfig.kp()) * lastError + derivative - newDerivative;
    derivative = newDerivative;
    config = newConfig;
  }

  /**
   * Tells the loop which output was really applied (after limits, a rate limiter or the shield), so
   * that back-calculation keeps the integral consistent with the actuator. Call it after {@link
   * #update} when the applied value may differ.
   */
  public void track(double appliedOutput) {
    if (!Double.isFinite(appliedOutput)) {
      return;
    }
    // Undo this sample's correction toward the computed output and redo it toward the applied one.
    double tt = config.trackingTime();
    integral += dt / tt * (appliedOutput - lastOutput);
    lastOutput = appliedOutput;
  }

  private void advanceIntegral(double error, double output) {
    if (Double.isInfinite(config.ti())) {
      // Without integral action the "integral" carries only the bias.
      return;
    }
    integral +=
        config.kp() * dt / config.ti() * error
            + dt / config.trackingTime() * (output - lastUnsaturated);
  }

  /** Returns the last output. */
  public double lastOutput() {
    return lastOutput;
  }

  /** Returns the integral term (including the bias), for logging and tests. */
  public double integralTerm() {
    return integral;
  }
}
