package org.safeloop.agent.baseline;

/**
 * A first-order-plus-dead-time model {@code G(s) = K exp(-theta s) / (tau s + 1)}: the process
 * description the SIMC and Lambda tuning rules start from. Times are in the process model's time
 * unit (minutes for the built-in scenarios). Immutable and thread-safe.
 *
 * @param gain steady-state gain K, process-variable units per input unit; negative for a
 *     reverse-acting process (the output falls when the input rises)
 * @param timeConstant time constant tau, positive
 * @param deadTime dead time theta, at least 0
 */
public record Fopdt(double gain, double timeConstant, double deadTime) {

  /** Checks the values. */
  public Fopdt {
    if (!Double.isFinite(gain) || gain == 0.0) {
      throw new IllegalArgumentException("FOPDT gain must be finite and non-zero, got " + gain);
    }
    if (!(timeConstant > 0) || !Double.isFinite(timeConstant)) {
      throw new IllegalArgumentException(
          "FOPDT time constant must be positive and finite, got " + timeConstant);
    }
    if (!(deadTime >= 0) || !Double.isFinite(deadTime)) {
      throw new IllegalArgumentException(
          "FOPDT dead time must be finite and >= 0, got " + deadTime);
    }
  }

  /**
   * Returns the response to a unit input step at time 0: {@code K (1 - exp(-(t - theta)/tau))}
   * after the dead time, 0 before.
   *
   * @param time time since the step, in the model's time unit
   */
  public double unitStepResponse(double time) {
    return time <= deadTime ? 0.0 : gain * -Math.expm1(-(time - deadTime) / timeConstant);
  }

  /**
   * Returns the same model with {@code sampleTime / 2} added to the dead time: the effective delay
   * of a loop closed by a sampled controller with a zero-order hold (Skogestad 2003, the "half
   * rule" with {@code h/2} for the sampling period {@code h}).
   *
   * @param sampleTime the controller's sample time, at least 0, in the model's time unit
   */
  public Fopdt withSamplingDelay(double sampleTime) {
    if (!(sampleTime >= 0)) {
      throw new IllegalArgumentException("sample time must be >= 0, got " + sampleTime);
    }
    return new Fopdt(gain, timeConstant, deadTime + 0.5 * sampleTime);
  }
}
