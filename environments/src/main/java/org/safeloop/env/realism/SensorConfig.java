package org.safeloop.env.realism;

import org.safeloop.env.config.FieldException;

/**
 * How a simulated instrument distorts the true value of one measured signal; every effect is off by
 * default. Read from YAML with snake_case keys, e.g.
 *
 * <pre>{@code
 * T:
 *   noise_std: 0.2
 *   drift_rate: 0.01
 *   range_min: 273.15
 *   range_max: 373.15
 *   quantization: 0.1
 * }</pre>
 *
 * <p>A {@link Sensor} applies the effects in this order: bias and drift, noise, saturation,
 * quantisation, stuck, dropout. Absent fields take their default in the compact constructor, so
 * after construction no component is null. Immutable and thread-safe.
 *
 * @param noiseStd standard deviation of white Gaussian noise, in engineering units; default 0
 * @param bias constant offset added to the true value, in engineering units; default 0
 * @param driftRate linear drift, in engineering units per time unit; zero at reset; default 0
 * @param driftRandomWalk standard deviation of the random-walk drift, in engineering units per
 *     square root of time unit (its variance grows as {@code driftRandomWalk^2 t}); default 0
 * @param dropoutProbability probability per sample that the reading is lost (NaN with BAD quality);
 *     default 0
 * @param stuckProbability probability per sample, while not already stuck, that the instrument
 *     freezes at its last reported value and reports it with GOOD quality; default 0
 * @param stuckSteps number of samples a freeze lasts, including the sample where it starts;
 *     required (at least 1) when {@code stuckProbability > 0}, otherwise default 0
 * @param rangeMin lower end of the instrument range, in engineering units: values at or below it
 *     are reported as {@code rangeMin} with UNCERTAIN quality; default {@code -Infinity} (no limit)
 * @param rangeMax upper end of the instrument range, likewise; default {@code +Infinity}
 * @param quantization resolution, in engineering units: reported values lie on the grid {@code
 *     rangeMin + k * quantization} (or {@code k * quantization} when there is no lower limit);
 *     default 0 (continuous)
 */
public record SensorConfig(
    Double noiseStd,
    Double bias,
    Double driftRate,
    Double driftRandomWalk,
    Double dropoutProbability,
    Double stuckProbability,
    Integer stuckSteps,
    Double rangeMin,
    Double rangeMax,
    Double quantization) {

  private static final SensorConfig NONE =
      new SensorConfig(null, null, null, null, null, null, null, null, null, null);

  /**
   * Applies defaults and validates every field.
   *
   * @throws FieldException naming the YAML key of the first invalid field
   */
  public SensorConfig {
    noiseStd = Fields.nonNegative(noiseStd, "noise_std", 0.0);
    bias = Fields.finite(bias, "bias", 0.0);
    driftRate = Fields.finite(driftRate, "drift_rate", 0.0);
    driftRandomWalk = Fields.nonNegative(driftRandomWalk, "drift_random_walk", 0.0);
    dropoutProbability = Fields.probability(dropoutProbability, "dropout_probability");
    stuckProbability = Fields.probability(stuckProbability, "stuck_probability");
    if (stuckProbability > 0.0) {
      FieldException.require(
          stuckSteps != null, "stuck_steps", "is required when stuck_probability > 0");
      FieldException.require(
          stuckSteps >= 1, "stuck_steps", "must be at least 1 sample, got " + stuckSteps);
    } else {
      stuckSteps = stuckSteps == null ? 0 : stuckSteps;
      FieldException.require(stuckSteps >= 0, "stuck_steps", "must not be negative");
    }
    rangeMin = Fields.finite(rangeMin, "range_min", Double.NEGATIVE_INFINITY);
    rangeMax = Fields.finite(rangeMax, "range_max", Double.POSITIVE_INFINITY);
    FieldException.require(
        rangeMin < rangeMax,
        "range_max",
        "must be greater than range_min (" + rangeMin + "), got " + rangeMax);
    quantization = Fields.nonNegative(quantization, "quantization", 0.0);
    FieldException.require(
        quantization < rangeMax - rangeMin,
        "quantization",
        "must be smaller than the instrument range "
            + (rangeMax - rangeMin)
            + ", got "
            + quantization);
  }

  /** Returns a perfect sensor: every effect off. */
  public static SensorConfig none() {
    return NONE;
  }

  /** Returns true when no effect is enabled, so readings equal true values with GOOD quality. */
  public boolean isPerfect() {
    return noiseStd == 0.0
        && bias == 0.0
        && driftRate == 0.0
        && driftRandomWalk == 0.0
        && dropoutProbability == 0.0
        && stuckProbability == 0.0
        && rangeMin == Double.NEGATIVE_INFINITY
        && rangeMax == Double.POSITIVE_INFINITY
        && quantization == 0.0;
  }

  /** Returns a builder with every effect off, for configuring a sensor in code. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds a {@link SensorConfig} in code; {@link #build} validates like a YAML file would. Not
   * thread-safe.
   */
  public static final class Builder {
    private Double noiseStd;
    private Double bias;
    private Double driftRate;
    private Double driftRandomWalk;
    private Double dropoutProbability;
    private Double stuckProbability;
    private Integer stuckSteps;
    private Double rangeMin;
    private Double rangeMax;
    private Double quantization;

    private Builder() {}

    /** Sets the noise standard deviation, in engineering units. */
    public Builder noiseStd(double value) {
      noiseStd = value;
      return this;
    }

    /** Sets the constant bias, in engineering units. */
    public Builder bias(double value) {
      bias = value;
      return this;
    }

    /** Sets the linear drift, in engineering units per time unit. */
    public Builder driftRate(double value) {
      driftRate = value;
      return this;
    }

    /** Sets the random-walk drift, in engineering units per square root of time unit. */
    public Builder driftRandomWalk(double value) {
      driftRandomWalk = value;
      return this;
    }

    /** Sets the probability per sample of a dropout. */
    public Builder dropoutProbability(double value) {
      dropoutProbability = value;
      return this;
    }

    /** Sets the probability per sample that a freeze starts. */
    public Builder stuckProbability(double value) {
      stuckProbability = value;
      return this;
    }

    /** Sets how many samples a freeze lasts. */
    public Builder stuckSteps(int value) {
      stuckSteps = value;
      return this;
    }

    /** Sets the lower end of the instrument range, in engineering units. */
    public Builder rangeMin(double value) {
      rangeMin = value;
      return this;
    }

    /** Sets the upper end of the instrument range, in engineering units. */
    public Builder rangeMax(double value) {
      rangeMax = value;
      return this;
    }

    /** Sets the resolution, in engineering units. */
    public Builder quantization(double value) {
      quantization = value;
      return this;
    }

    /**
     * Returns the configuration.
     *
     * @throws FieldException naming the YAML key of the first invalid setting
     */
    public SensorConfig build() {
      return new SensorConfig(
          noiseStd,
          bias,
          driftRate,
          driftRandomWalk,
          dropoutProbability,
          stuckProbability,
          stuckSteps,
          rangeMin,
          rangeMax,
          quantization);
    }
  }
}
