package org.safeloop.env;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a controller sees at one control step: a value and a quality per observation signal, in the
 * order of the environment's observation space. A value whose quality is {@link Quality#BAD} may be
 * NaN. Immutable: arrays are copied in and out.
 *
 * @param values measured values in engineering units (or normalised, in a normalised view)
 * @param qualities one quality per value
 */
public record Observation(double[] values, Quality[] qualities) {

  /** Copies the arrays and checks that they have the same length. */
  public Observation {
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(qualities, "qualities");
    if (values.length != qualities.length) {
      throw new IllegalArgumentException(
          values.length + " values but " + qualities.length + " qualities");
    }
    values = values.clone();
    qualities = qualities.clone();
  }

  /** Returns an observation whose values all have GOOD quality. */
  public static Observation good(double[] values) {
    Quality[] q = new Quality[values.length];
    Arrays.fill(q, Quality.GOOD);
    return new Observation(values, q);
  }

  /** Returns a copy of the values. */
  @Override
  public double[] values() {
    return values.clone();
  }

  /** Returns a copy of the qualities. */
  @Override
  public Quality[] qualities() {
    return qualities.clone();
  }

  /** Returns the number of signals. */
  public int size() {
    return values.length;
  }

  /** Returns the value at {@code index} without copying. */
  public double value(int index) {
    return values[index];
  }

  /** Returns the quality at {@code index}. */
  public Quality quality(int index) {
    return qualities[index];
  }

  /** Returns true when every value has GOOD quality. */
  public boolean allGood() {
    for (Quality q : qualities) {
      if (q != Quality.GOOD) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Observation other
        && Arrays.equals(values, other.values)
        && Arrays.equals(qualities, other.qualities);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(values) + Arrays.hashCode(qualities);
  }

  @Override
  public String toString() {
    return "Observation" + Arrays.toString(values) + Arrays.toString(qualities);
  }
}
