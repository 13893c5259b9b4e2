package org.safeloop.shield.constraint;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.safeloop.env.config.FieldException;

/**
 * A bound on a predicted state, checked over a prediction horizon: {@code min <= variable <= max}.
 * Written either with {@code variable}, {@code min} and {@code max}, or as a {@code bound} such as
 * {@code "T <= 327"}, {@code "T_K >= 321"} or {@code "321 <= T <= 327"} (a variable may carry its
 * unit as in CSV columns).
 *
 * @param name name in decision records and counters; default {@code <variable>_max} / {@code _min}
 *     / {@code _range}
 * @param variable a state of the model, or its column name with unit
 * @param min lower bound, or null
 * @param max upper bound, or null
 * @param bound the bound as text, instead of variable/min/max
 * @param horizon prediction horizon in control steps, at least 1
 * @param backOff margin kept inside the bounds for model mismatch and noise (>= 0), in the
 *     variable's unit; default 0
 */
public record StateConstraint(
    String name,
    String variable,
    Double min,
    Double max,
    String bound,
    Integer horizon,
    Double backOff) {

  private static final String NUMBER = "([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)";
  private static final Pattern ONE_SIDED =
      Pattern.compile("^\\s*([A-Za-z_]\\w*)\\s*(<=|>=)\\s*" + NUMBER + "\\s*$");
  private static final Pattern TWO_SIDED =
      Pattern.compile("^\\s*" + NUMBER + "\\s*<=\\s*([A-Za-z_]\\w*)\\s*<=\\s*" + NUMBER + "\\s*$");

  /**
   * Longest prediction horizon in control steps: the shield predicts this far for every candidate
   * action of every decision, so a longer horizon makes decisions take seconds.
   */
  public static final int MAX_HORIZON = 1_000;

  /** Parses the bound text if given, validates and fills defaults. */
  public StateConstraint {
    if (bound != null) {
      FieldException.require(
          variable == null && min == null && max == null,
          "bound",
          "give either bound or variable/min/max, not both");
      Matcher one = ONE_SIDED.matcher(bound);
      Matcher two = TWO_SIDED.matcher(bound);
      if (one.matches()) {
        variable = one.group(1);
        double value = Double.parseDouble(one.group(3));
        if (one.group(2).equals("<=")) {
          max = value;
        } else {
          min = value;
        }
      } else if (two.matches()) {
        min = Double.parseDouble(two.group(1));
        variable = two.group(2);
        max = Double.parseDouble(two.group(3));
      } else {
        throw new FieldException(
            "bound", "cannot read '" + bound + "'; write e.g. 'T <= 327' or '321 <= T <= 327'");
      }
    }
    FieldException.require(
        variable != null && !variable.isBlank(), "variable", "name the constrained state");
    FieldException.require(min != null || max != null, "max", "give min, max or both");
    FieldException.require(min == null || Double.isFinite(min), "min", "must be finite");
    FieldException.require(max == null || Double.isFinite(max), "max", "must be finite");
    FieldException.require(
        min == null || max == null || min < max,
        bound != null ? "bound" : "min",
        "lower bound " + min + " must be below upper bound " + max);
    FieldException.require(horizon != null, "horizon", "give the prediction horizon in steps");
    FieldException.require(
        horizon >= 1 && horizon <= MAX_HORIZON,
        "horizon",
        "must be between 1 and " + MAX_HORIZON + " steps, got " + horizon);
    if (backOff == null) {
      backOff = 0.0;
    }
    FieldException.require(
        backOff >= 0 && Double.isFinite(backOff), "back_off", "must be >= 0, got " + backOff);
    FieldException.require(
        min == null || max == null || min + 2 * backOff < max,
        "back_off",
        "leaves no room between the bounds");
    if (name == null || name.isBlank()) {
      name = variable + (min == null ? "_max" : max == null ? "_min" : "_range");
    }
  }

  /**
   * Returns the margin of {@code value} to the tightened bounds: positive inside, negative by how
   * much it is outside. NaN counts as infinitely outside.
   */
  public double margin(double value) {
    if (Double.isNaN(value)) {
      return Double.NEGATIVE_INFINITY;
    }
    double m = Double.POSITIVE_INFINITY;
    if (max != null) {
      m = Math.min(m, max - backOff - value);
    }
    if (min != null) {
      m = Math.min(m, value - (min + backOff));
    }
    return m;
  }
}
