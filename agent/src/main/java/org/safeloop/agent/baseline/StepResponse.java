package org.safeloop.agent.baseline;

import java.util.Arrays;

/**
 * The recorded response of a process variable to an input step applied at time 0, sampled once per
 * control interval. Immutable: the array is copied in and out.
 *
 * @param sampleTime time between samples (the control interval), in the model's time unit
 * @param baselineInput input before the step
 * @param stepSize input change at time 0
 * @param baselineOutput process variable before the step (settled)
 * @param output process variable at times {@code k * sampleTime}, k = 0, 1, ..., sample 0 being the
 *     value at the step
 */
public record StepResponse(
    double sampleTime,
    double baselineInput,
    double stepSize,
    double baselineOutput,
    double[] output) {

  /** Copies the samples and checks them. */
  public StepResponse {
    if (!(sampleTime > 0)) {
      throw new IllegalArgumentException("sample time must be positive, got " + sampleTime);
    }
    if (!Double.isFinite(stepSize) || stepSize == 0.0) {
      throw new IllegalArgumentException("step size must be finite and non-zero, got " + stepSize);
    }
    if (output == null || output.length < 4) {
      throw new IllegalArgumentException("a step response needs at least 4 samples");
    }
    output = output.clone();
  }

  /** Returns a copy of the samples. */
  @Override
  public double[] output() {
    return output.clone();
  }

  /** Returns the number of samples. */
  public int size() {
    return output.length;
  }

  /** Returns the change of the process variable from its baseline at sample {@code k}. */
  public double deviation(int k) {
    return output[k] - baselineOutput;
  }

  /** Returns the time of sample {@code k}. */
  public double time(int k) {
    return k * sampleTime;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StepResponse other
        && sampleTime == other.sampleTime
        && baselineInput == other.baselineInput
        && stepSize == other.stepSize
        && baselineOutput == other.baselineOutput
        && Arrays.equals(output, other.output);
  }

  @Override
  public int hashCode() {
    return 31 * Double.hashCode(stepSize) + Arrays.hashCode(output);
  }

  @Override
  public String toString() {
    return "StepResponse[dt="
        + sampleTime
        + ", u0="
        + baselineInput
        + ", du="
        + stepSize
        + ", y0="
        + baselineOutput
        + ", "
        + output.length
        + " samples]";
  }
}
