package org.safeloop.env.realism;

import org.safeloop.env.config.FieldException;

/** Validation shared by the realism configuration records; field names are the YAML keys. */
final class Fields {
  private Fields() {}

  /** Returns {@code value}, or {@code absent} when null; a given value must be finite. */
  static double finite(Double value, String field, double absent) {
    if (value == null) {
      return absent;
    }
    FieldException.require(Double.isFinite(value), field, "must be a finite number, got " + value);
    return value;
  }

  /** Like {@link #finite} and also not negative. */
  static double nonNegative(Double value, String field, double absent) {
    double v = finite(value, field, absent);
    FieldException.require(v >= 0.0, field, "must not be negative, got " + v);
    return v;
  }

  /** Like {@link #finite} and also in [0, 1]. */
  static double probability(Double value, String field) {
    double p = finite(value, field, 0.0);
    FieldException.require(
        p >= 0.0 && p <= 1.0, field, "must be a probability in [0, 1], got " + p);
    return p;
  }

  /** Throws when an optional field that does not apply to {@code what} is given anyway. */
  static void absent(Object value, String field, String what) {
    FieldException.require(value == null, field, "does not apply to " + what);
  }
}
