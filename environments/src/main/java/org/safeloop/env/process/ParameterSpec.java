package org.safeloop.env.process;

import java.util.Objects;

/**
 * A named model parameter with its nominal value and its physically possible range, e.g. the CSTR's
 * reactor volume {@code V} in m3, which must be positive. Scenarios and shields override nominal
 * values (an override outside the range is refused at load); disturbances and parameter uncertainty
 * perturb them.
 *
 * @param name identifier used in scenario files
 * @param unit engineering unit; empty for dimensionless
 * @param nominal nominal value in {@code unit}
 * @param description one line for documentation
 * @param min lowest allowed value in {@code unit}, inclusive; {@link Double#MIN_VALUE} means "above
 *     zero", negative infinity means no bound
 * @param max highest allowed value in {@code unit}, inclusive; positive infinity means no bound
 */
public record ParameterSpec(
    String name, String unit, double nominal, String description, double min, double max) {

  /** Validates a non-blank name, an ordered range and a finite nominal value inside it. */
  public ParameterSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(unit, "unit");
    Objects.requireNonNull(description, "description");
    if (name.isBlank()) {
      throw new IllegalArgumentException("parameter name must not be blank");
    }
    if (!Double.isFinite(nominal)) {
      throw new IllegalArgumentException("parameter " + name + ": nominal value must be finite");
    }
    if (Double.isNaN(min) || Double.isNaN(max) || min > max) {
      throw new IllegalArgumentException("parameter " + name + ": range [min, max] is not ordered");
    }
    if (nominal < min || nominal > max) {
      throw new IllegalArgumentException(
          "parameter " + name + ": nominal value " + nominal + " " + rangeText(min, max));
    }
  }

  /** A parameter that may take any finite value. */
  public ParameterSpec(String name, String unit, double nominal, String description) {
    this(name, unit, nominal, description, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
  }

  /** A parameter that must be above zero: a volume, an area, a time constant, a density. */
  public static ParameterSpec positive(
      String name, String unit, double nominal, String description) {
    return new ParameterSpec(
        name, unit, nominal, description, Double.MIN_VALUE, Double.POSITIVE_INFINITY);
  }

  /** A parameter that must not be negative: a flow, a rate constant, an outlet area. */
  public static ParameterSpec nonNegative(
      String name, String unit, double nominal, String description) {
    return new ParameterSpec(name, unit, nominal, description, 0.0, Double.POSITIVE_INFINITY);
  }

  /**
   * Returns why {@code value} is not a possible value of this parameter, e.g. {@code "must be above
   * 0 m3 (reactor volume), got 0.0"}, or null when it is.
   */
  public String problem(double value) {
    if (Double.isFinite(value) && value >= min && value <= max) {
      return null;
    }
    if (!Double.isFinite(value)) {
      return "must be a finite number, got " + value;
    }
    String what = description.isEmpty() ? "" : " (" + description + ")";
    return rangeText(min, max) + (unit.isEmpty() ? "" : " " + unit) + what + ", got " + value;
  }

  private static String rangeText(double min, double max) {
    if (min == Double.MIN_VALUE && max == Double.POSITIVE_INFINITY) {
      return "must be above 0";
    }
    if (max == Double.POSITIVE_INFINITY) {
      return "must be at least " + min;
    }
    if (min == Double.NEGATIVE_INFINITY) {
      return "must be at most " + max;
    }
    return "must be between " + min + " and " + max;
  }
}
