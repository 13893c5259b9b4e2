package org.safeloop.env.control;

import org.safeloop.env.config.FieldException;

/**
 * Tuning of one PID loop in ideal (ISA) form, {@code u = bias + kp (e + 1/ti int e dt + td de/dt)}
 * with {@code e = setpoint - measurement}, derivative on the measurement through a first-order
 * filter, and back-calculation anti-windup. Maps onto a scenario's {@code controller} section.
 *
 * <p>A negative {@code kp} makes the loop reverse acting (e.g. the CSTR: a hotter jacket lowers the
 * concentration). Times are in the model's time unit.
 *
 * @param processVariable name of the measured signal the loop controls, e.g. {@code Ca}
 * @param input name of the manipulated input it drives, e.g. {@code Tc}
 * @param kp proportional gain, input units per measurement unit
 * @param ti integral time; null or infinite for no integral action
 * @param td derivative time; null or 0 for no derivative action
 * @param derivativeFilter N, the derivative filter's high-frequency gain limit; default 10
 * @param trackingTime anti-windup back-calculation time constant; default {@code sqrt(ti td)}, or
 *     {@code ti} without derivative action
 * @param bias output at zero error on start (bumpless start from this value); null: mid-range
 */
public record PidConfig(
    String processVariable,
    String input,
    double kp,
    Double ti,
    Double td,
    Double derivativeFilter,
    Double trackingTime,
    Double bias) {

  /** Validates and applies defaults. */
  public PidConfig {
    FieldException.require(
        processVariable != null && !processVariable.isBlank(),
        "process_variable",
        "name the measured signal the loop controls");
    FieldException.require(
        input != null && !input.isBlank(), "input", "name the manipulated input");
    FieldException.require(Double.isFinite(kp) && kp != 0.0, "kp", "must be finite and non-zero");
    if (ti == null) {
      ti = Double.POSITIVE_INFINITY;
    }
    FieldException.require(ti > 0, "ti", "must be positive (omit it for no integral action)");
    if (td == null) {
      td = 0.0;
    }
    FieldException.require(td >= 0 && Double.isFinite(td), "td", "must be finite and >= 0");
    if (derivativeFilter == null) {
      derivativeFilter = 10.0;
    }
    FieldException.require(derivativeFilter > 0, "derivative_filter", "must be positive");
    if (trackingTime == null) {
      trackingTime = td > 0 && Double.isFinite(ti) ? Math.sqrt(ti * td) : ti;
    }
    FieldException.require(trackingTime > 0, "tracking_time", "must be positive");
    FieldException.require(bias == null || Double.isFinite(bias), "bias", "must be finite");
  }

  /** A PI loop with the other settings at their defaults. */
  public static PidConfig pi(String processVariable, String input, double kp, double ti) {
    return new PidConfig(processVariable, input, kp, ti, null, null, null, null);
  }
}
