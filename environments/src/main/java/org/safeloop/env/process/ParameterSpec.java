package org.safeloop.env.process;

import java.util.Objects;

/**
 * A named model parameter with its nominal value, e.g. the CSTR's feed temperature {@code Ti} in K.
 * Scenarios override nominal values; disturbances and parameter uncertainty perturb them.
 *
 * @param name identifier used in scenario files
 * @param unit engineering unit; empty for dimensionless
 * @param nominal nominal value in {@code unit}
 * @param description one line for documentation
 */
public record ParameterSpec(String name, String unit, double nominal, String description) {

  /** Validates a non-blank name and a finite nominal value. */
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
  }
}
