package org.safeloop.shield;

import java.util.Arrays;
import java.util.Objects;
import org.safeloop.env.Observation;
import org.safeloop.env.Quality;

/**
 * The latest plant state as the shield sees it: for every signal of the shield's observation space
 * (measurements, then setpoints) a value, a quality and the time it was measured. Arrays are
 * copied.
 *
 * @param time the shield's current time, in seconds on the same clock as the timestamps
 * @param values values in engineering units
 * @param qualities one quality per value
 * @param timestamps source time of each value, in seconds
 */
public record PlantSnapshot(
    double time, double[] values, Quality[] qualities, double[] timestamps) {

  /** Checks lengths and copies. */
  public PlantSnapshot {
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(qualities, "qualities");
    Objects.requireNonNull(timestamps, "timestamps");
    if (values.length != qualities.length || values.length != timestamps.length) {
      throw new IllegalArgumentException(
          "values, qualities and timestamps differ in length: "
              + values.length
              + ", "
              + qualities.length
              + ", "
              + timestamps.length);
    }
    values = values.clone();
    qualities = qualities.clone();
    timestamps = timestamps.clone();
  }

  /** A snapshot of an observation whose values were all measured at {@code time}. */
  public static PlantSnapshot of(Observation observation, double time) {
    double[] stamps = new double[observation.size()];
    Arrays.fill(stamps, time);
    return new PlantSnapshot(time, observation.values(), observation.qualities(), stamps);
  }

  /** Returns the number of signals. */
  public int size() {
    return values.length;
  }

  /** Returns value {@code i} without copying. */
  public double value(int i) {
    return values[i];
  }

  /** Returns quality {@code i}. */
  public Quality quality(int i) {
    return qualities[i];
  }

  /** Returns the age of value {@code i} in seconds. */
  public double age(int i) {
    return time - timestamps[i];
  }

  @Override
  public double[] values() {
    return values.clone();
  }

  @Override
  public Quality[] qualities() {
    return qualities.clone();
  }

  @Override
  public double[] timestamps() {
    return timestamps.clone();
  }
}
