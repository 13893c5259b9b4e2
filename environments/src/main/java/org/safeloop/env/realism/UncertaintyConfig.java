package org.safeloop.env.realism;

import java.util.Locale;
import org.safeloop.env.config.FieldException;

/**
 * How far a model parameter may differ from its nominal value, resampled at every reset (domain
 * randomisation). Read from YAML with snake_case keys, e.g.
 *
 * <pre>{@code
 * parameter_uncertainty:
 *   UA:
 *     distribution: normal
 *     relative_std: 0.05
 *     min: 40000
 *   k0:
 *     distribution: uniform
 *     relative_range: 0.1
 * }</pre>
 *
 * <p>A sample is {@code nominal * (1 + relativeStd * N(0, 1))} for {@code normal} and {@code
 * nominal * (1 + relativeRange * U(-1, 1))} for {@code uniform}, then clipped into [{@code min},
 * {@code max}]. The spread is relative, so a parameter whose nominal value is zero stays zero.
 * Immutable and thread-safe.
 *
 * @param distribution {@code normal} or {@code uniform}; stored in lower case
 * @param relativeStd standard deviation relative to the nominal value, e.g. 0.05 for 5 %; required
 *     for normal, rejected for uniform
 * @param relativeRange half-width relative to the nominal value, e.g. 0.1 for +-10 %; required for
 *     uniform, rejected for normal
 * @param min lower clip on the sampled value, in the parameter's unit; default {@code -Infinity}
 * @param max upper clip on the sampled value, in the parameter's unit; default {@code +Infinity}
 */
public record UncertaintyConfig(
    String distribution, Double relativeStd, Double relativeRange, Double min, Double max) {

  /**
   * Applies defaults and validates every field.
   *
   * @throws FieldException naming the YAML key of the first invalid field
   */
  public UncertaintyConfig {
    FieldException.require(
        distribution != null, "distribution", "is required; one of normal, uniform");
    distribution = distribution.toLowerCase(Locale.ROOT);
    switch (distribution) {
      case "normal" -> {
        Fields.absent(relativeRange, "relative_range", "a normal distribution; use relative_std");
        FieldException.require(relativeStd != null, "relative_std", "is required for normal");
        relativeStd = Fields.nonNegative(relativeStd, "relative_std", 0.0);
      }
      case "uniform" -> {
        Fields.absent(relativeStd, "relative_std", "a uniform distribution; use relative_range");
        FieldException.require(relativeRange != null, "relative_range", "is required for uniform");
        relativeRange = Fields.nonNegative(relativeRange, "relative_range", 0.0);
      }
      default ->
          throw new FieldException(
              "distribution", "must be one of normal, uniform, got '" + distribution + "'");
    }
    min = Fields.finite(min, "min", Double.NEGATIVE_INFINITY);
    max = Fields.finite(max, "max", Double.POSITIVE_INFINITY);
    FieldException.require(min < max, "max", "must be greater than min (" + min + "), got " + max);
  }

  /** Returns a normal spread of {@code relativeStd} around the nominal value, unclipped. */
  public static UncertaintyConfig normal(double relativeStd) {
    return new UncertaintyConfig("normal", relativeStd, null, null, null);
  }

  /** Returns a uniform spread of +-{@code relativeRange} around the nominal value, unclipped. */
  public static UncertaintyConfig uniform(double relativeRange) {
    return new UncertaintyConfig("uniform", null, relativeRange, null, null);
  }
}
