package org.safeloop.env.estimation;

import java.util.List;
import java.util.Objects;

/**
 * What an {@link ExtendedKalmanFilter} knows after a measurement update: the state estimate with
 * its uncertainty, the estimated parameters and sensor biases, and which measurements it refused.
 * Arrays are copied in and out; immutable.
 *
 * @param state estimated process state, in state-space order and engineering units
 * @param stateStd standard deviation of each state estimate (square root of the covariance
 *     diagonal), same units
 * @param parameters every model parameter, in model order: the estimate for the estimated ones, the
 *     scenario's value for the others
 * @param sensorBiases estimated measurement offset of each measured signal, in observation order (0
 *     where no bias is estimated)
 * @param skipped the measured signals whose value was not used in this update, with the reason (BAD
 *     or UNCERTAIN quality, or a value that is not finite); empty when every measurement was used
 */
public record Estimate(
    double[] state,
    double[] stateStd,
    double[] parameters,
    double[] sensorBiases,
    List<SkippedMeasurement> skipped) {

  /**
   * A measurement the filter did not use: the update for that signal was skipped and its state
   * carried by the prediction alone.
   *
   * @param signal the measured signal's name
   * @param reason why, e.g. {@code quality BAD} or {@code value NaN}
   */
  public record SkippedMeasurement(String signal, String reason) {}

  /** Copies the arrays and the list. */
  public Estimate {
    state = Objects.requireNonNull(state, "state").clone();
    stateStd = Objects.requireNonNull(stateStd, "stateStd").clone();
    parameters = Objects.requireNonNull(parameters, "parameters").clone();
    sensorBiases = Objects.requireNonNull(sensorBiases, "sensorBiases").clone();
    skipped = List.copyOf(skipped);
  }

  @Override
  public double[] state() {
    return state.clone();
  }

  @Override
  public double[] stateStd() {
    return stateStd.clone();
  }

  @Override
  public double[] parameters() {
    return parameters.clone();
  }

  @Override
  public double[] sensorBiases() {
    return sensorBiases.clone();
  }

  /** Returns true when every measured signal was used. */
  public boolean allUsed() {
    return skipped.isEmpty();
  }
}
