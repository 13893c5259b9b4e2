package org.safeloop.agent.baseline;

/**
 * Overshoot and settling time of a set-point step response. Immutable and thread-safe.
 *
 * @param overshoot largest excursion beyond the new set point, as a fraction of the step (0.05 is 5
 *     %); 0 when the response never passes the set point
 * @param settlingTime time from the step after which the response stays within the band around the
 *     new set point, in the model's time unit; for sampled data the time of the first sample from
 *     which all later samples are inside; infinite if the response ends outside the band
 * @param band the settling band, as a fraction of the step (e.g. 0.02)
 */
public record SetpointStepMetrics(double overshoot, double settlingTime, double band) {

  /**
   * Measures a response.
   *
   * @param times sample times since the step, increasing
   * @param output process variable at those times
   * @param start process variable before the step
   * @param setpoint the new set point
   * @param band settling band as a fraction of the step, in (0, 1)
   * @throws IllegalArgumentException if the arrays differ in length, the step is zero or the band
   *     is outside (0, 1)
   */
  public static SetpointStepMetrics of(
      double[] times, double[] output, double start, double setpoint, double band) {
    if (times.length != output.length || times.length == 0) {
      throw new IllegalArgumentException(
          times.length + " times but " + output.length + " outputs; need the same, at least 1");
    }
    double step = setpoint - start;
    if (step == 0.0 || !Double.isFinite(step)) {
      throw new IllegalArgumentException("set-point step must be finite and non-zero");
    }
    if (!(band > 0 && band < 1)) {
      throw new IllegalArgumentException("settling band must be in (0, 1), got " + band);
    }
    double overshoot = 0;
    int lastOutside = -1;
    for (int k = 0; k < output.length; k++) {
      double beyond = (output[k] - setpoint) / step;
      overshoot = Math.max(overshoot, beyond);
      if (Math.abs(beyond) > band) {
        lastOutside = k;
      }
    }
    double settling =
        lastOutside == output.length - 1
            ? Double.POSITIVE_INFINITY
            : lastOutside < 0 ? times[0] : times[lastOutside + 1];
    return new SetpointStepMetrics(overshoot, settling, band);
  }
}
