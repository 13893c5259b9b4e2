package org.safeloop.env;

import java.util.Objects;

/**
 * A named physical signal: a process state, a measurement, a manipulated input or a setpoint.
 *
 * <p>{@code min} and {@code max} are the signal's operating range in engineering units. For inputs
 * they are the actuator limits; for observations they are the range that maps to [-1, 1] in the
 * normalised view agents see. Immutable and thread-safe.
 *
 * @param name identifier used in files, tags and CSV columns, e.g. {@code T}
 * @param unit engineering unit, e.g. {@code K} or {@code mol/m3}; empty for dimensionless
 * @param min lower end of the range, in {@code unit}
 * @param max upper end of the range, in {@code unit}
 */
public record SignalSpec(String name, String unit, double min, double max) {

  /** Validates the spec: a non-blank name, finite bounds and {@code min < max}. */
  public SignalSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(unit, "unit");
    if (name.isBlank()) {
      throw new IllegalArgumentException("signal name must not be blank");
    }
    if (!Double.isFinite(min) || !Double.isFinite(max) || !(min < max)) {
      throw new IllegalArgumentException(
          "signal "
              + name
              + ": range must be finite with min < max, got ["
              + min
              + ", "
              + max
              + "]");
    }
  }

  /** Returns a copy of this spec with another range. */
  public SignalSpec withRange(double newMin, double newMax) {
    return new SignalSpec(name, unit, newMin, newMax);
  }

  /** Returns the width of the range, {@code max - min}. */
  public double span() {
    return max - min;
  }

  /** Maps a value in engineering units onto [-1, 1] over this range (not clipped). */
  public double normalise(double value) {
    return 2.0 * (value - min) / (max - min) - 1.0;
  }

  /** Maps a normalised value in [-1, 1] back to engineering units (not clipped). */
  public double denormalise(double normalised) {
    return min + 0.5 * (normalised + 1.0) * (max - min);
  }

  /** Returns {@code value} clipped into [min, max]. NaN stays NaN. */
  public double clip(double value) {
    return Math.max(min, Math.min(max, value));
  }

  /**
   * Returns a column name carrying the unit, e.g. {@code T_K} or {@code Ca_mol_m3}, as used in CSV
   * files.
   */
  public String columnName() {
    if (unit.isEmpty()) {
      return name;
    }
    return name + "_" + unit.replaceAll("[^A-Za-z0-9]+", "_").replaceAll("_+$", "");
  }
}
