package org.safeloop.shield.constraint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.env.config.FieldException;

/**
 * A constraint file as written: what the shield checks and what it falls back to. Keys are
 * snake_case in YAML. Checks that need the process model (do the names exist?) happen when a shield
 * is built from it.
 *
 * @param name shield name, for logs and decision records
 * @param model the scenario whose process model predicts (a built-in name or a scenario file
 *     relative to this file); its observation and action spaces are the shield's
 * @param parameters overrides of the prediction model's parameter values (default nominal)
 * @param actions limits per manipulated variable; every action of the model must be listed
 * @param measurements validity checks per measured variable
 * @param stateConstraints bounds on predicted states
 * @param fallback what to apply when the inputs are invalid or no safe repair exists
 * @param degradedWhen when the shield reports itself degraded
 * @param repair settings of the repair search
 * @param biasCorrection how predictions are corrected for model mismatch
 */
public record ShieldSpec(
    String name,
    String model,
    Map<String, Double> parameters,
    Map<String, ActionLimits> actions,
    Map<String, MeasurementCheck> measurements,
    List<StateConstraint> stateConstraints,
    FallbackSpec fallback,
    DegradedSpec degradedWhen,
    RepairSpec repair,
    BiasCorrection biasCorrection) {

  /** Validates what can be checked without the model and fills defaults. */
  public ShieldSpec {
    FieldException.require(name != null && !name.isBlank(), "name", "give the shield a name");
    FieldException.require(
        model != null && !model.isBlank(),
        "model",
        "name the scenario whose model predicts (e.g. cstr-constrained)");
    parameters = copy(parameters);
    FieldException.require(
        actions != null && !actions.isEmpty(),
        "actions",
        "declare the limits of every manipulated variable");
    actions = copy(actions);
    for (Map.Entry<String, ActionLimits> e : actions.entrySet()) {
      FieldException.require(e.getValue() != null, "actions." + e.getKey(), "give min and max");
    }
    measurements = copy(measurements);
    for (Map.Entry<String, MeasurementCheck> e : measurements.entrySet()) {
      FieldException.require(
          e.getValue() != null, "measurements." + e.getKey(), "give at least one check");
    }
    stateConstraints = stateConstraints == null ? List.of() : List.copyOf(stateConstraints);
    if (fallback == null) {
      fallback = new FallbackSpec(null, null);
    }
    if (degradedWhen == null) {
      degradedWhen = new DegradedSpec(null, null);
    }
    if (repair == null) {
      repair = new RepairSpec(null, null, null);
    }
    if (biasCorrection == null) {
      biasCorrection = new BiasCorrection(null, null);
    }
  }

  private static <V> Map<String, V> copy(Map<String, V> map) {
    return map == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }

  /**
   * Limits of one manipulated variable. Rates are magnitudes (positive numbers) in the action's
   * unit; a missing rate means no limit of that kind.
   *
   * @param min hard lower limit
   * @param max hard upper limit
   * @param rateUpPerStep largest rise per control step
   * @param rateDownPerStep largest fall per control step
   * @param rateUpPerMinute largest rise per minute
   * @param rateDownPerMinute largest fall per minute
   * @param deadband moves smaller than this are not made (the previous action is held); default 0
   */
  public record ActionLimits(
      double min,
      double max,
      Double rateUpPerStep,
      Double rateDownPerStep,
      Double rateUpPerMinute,
      Double rateDownPerMinute,
      Double deadband) {

    /** Validates the limits. */
    public ActionLimits {
      FieldException.require(Double.isFinite(min), "min", "must be a finite number");
      FieldException.require(Double.isFinite(max), "max", "must be a finite number");
      FieldException.require(min < max, "max", "must be above min (" + min + "), got " + max);
      positive(rateUpPerStep, "rate_up_per_step");
      positive(rateDownPerStep, "rate_down_per_step");
      positive(rateUpPerMinute, "rate_up_per_minute");
      positive(rateDownPerMinute, "rate_down_per_minute");
      if (deadband == null) {
        deadband = 0.0;
      }
      FieldException.require(
          deadband >= 0 && deadband < max - min, "deadband", "must be >= 0 and below max - min");
    }

    private static void positive(Double rate, String field) {
      FieldException.require(
          rate == null || (rate > 0 && Double.isFinite(rate)),
          field,
          "must be a positive number (a magnitude), got " + rate);
    }
  }

  /**
   * Validity checks of one measured variable; each check is off when its key is missing.
   *
   * @param rangeMin lower end of the instrument range: a reading below it is invalid
   * @param rangeMax upper end of the instrument range: a reading above it is invalid
   * @param maxAgeS largest age of the value, in seconds, before it counts as stale
   * @param frozenSamples a value that moves less than {@code frozenTolerance} for this many
   *     consecutive samples counts as a frozen (stuck) transmitter
   * @param frozenTolerance see {@code frozenSamples}; default 0 (bit-identical values)
   * @param uncertain what an UNCERTAIN quality counts as: {@code accept} or {@code reject}
   *     (default)
   */
  public record MeasurementCheck(
      Double rangeMin,
      Double rangeMax,
      Double maxAgeS,
      Integer frozenSamples,
      Double frozenTolerance,
      String uncertain) {

    /** Validates the checks. */
    public MeasurementCheck {
      FieldException.require(
          rangeMin == null || Double.isFinite(rangeMin), "range_min", "must be finite");
      FieldException.require(
          rangeMax == null || Double.isFinite(rangeMax), "range_max", "must be finite");
      FieldException.require(
          rangeMin == null || rangeMax == null || rangeMin < rangeMax,
          "range_max",
          "must be above range_min (" + rangeMin + ")");
      FieldException.require(
          maxAgeS == null || (maxAgeS > 0 && Double.isFinite(maxAgeS)),
          "max_age_s",
          "must be positive (seconds)");
      FieldException.require(
          frozenSamples == null || frozenSamples >= 2, "frozen_samples", "must be at least 2");
      if (frozenTolerance == null) {
        frozenTolerance = 0.0;
      }
      FieldException.require(
          frozenTolerance >= 0 && Double.isFinite(frozenTolerance),
          "frozen_tolerance",
          "must be >= 0");
      if (uncertain == null) {
        uncertain = "reject";
      }
      FieldException.require(
          uncertain.equals("accept") || uncertain.equals("reject"),
          "uncertain",
          "must be accept or reject, got " + uncertain);
    }

    /** Returns true when UNCERTAIN values are trusted. */
    public boolean acceptsUncertain() {
      return uncertain.equals("accept");
    }
  }

  /**
   * What to apply when the measurements are not trustworthy or no safe repair exists.
   *
   * @param type {@code hold} (the last applied action, default), {@code fixed} (the given action)
   *     or {@code pid} (the model scenario's PID loops)
   * @param action the safe action for {@code fixed}, by action name
   */
  public record FallbackSpec(String type, Map<String, Double> action) {

    /** Validates the type and its action. */
    public FallbackSpec {
      if (type == null) {
        type = "hold";
      }
      FieldException.require(
          type.equals("hold") || type.equals("fixed") || type.equals("pid"),
          "type",
          "must be hold, fixed or pid, got " + type);
      action = copy(action);
      FieldException.require(
          !type.equals("fixed") || !action.isEmpty(), "action", "a fixed fallback needs an action");
      FieldException.require(
          type.equals("fixed") || action.isEmpty(), "action", "only a fixed fallback takes one");
      for (Map.Entry<String, Double> e : action.entrySet()) {
        FieldException.require(
            e.getValue() != null && Double.isFinite(e.getValue()),
            "action." + e.getKey(),
            "must be a finite number");
      }
    }
  }

  /**
   * When the shield reports itself degraded: too many fallbacks among the last decisions.
   *
   * @param fallbackFraction largest tolerated share of fallback decisions in the window; default
   *     0.2
   * @param window number of most recent decisions considered; default 50
   */
  public record DegradedSpec(Double fallbackFraction, Integer window) {

    /** Validates and fills defaults. */
    public DegradedSpec {
      if (fallbackFraction == null) {
        fallbackFraction = 0.2;
      }
      if (window == null) {
        window = 50;
      }
      FieldException.require(
          fallbackFraction >= 0 && fallbackFraction <= 1, "fallback_fraction", "must be in [0, 1]");
      FieldException.require(window >= 1, "window", "must be at least 1");
    }
  }

  /**
   * Correction of the predictions for model mismatch and unmeasured disturbances: at each step the
   * shield compares the measured state with its one-step prediction from the step before, filters
   * the error, and adds it to every predicted step (the bias update of industrial MPC). It makes
   * the predictions follow a plant that runs hotter than the model instead of trusting the model to
   * pull it back.
   *
   * @param filterGain weight of the newest error in the exponential filter, in [0, 1]; 0 switches
   *     the correction off; default 0.3
   * @param maxFraction largest bias per step as a fraction of each state's range; default 0.05
   */
  public record BiasCorrection(Double filterGain, Double maxFraction) {

    /** Validates and fills defaults. */
    public BiasCorrection {
      if (filterGain == null) {
        filterGain = 0.3;
      }
      if (maxFraction == null) {
        maxFraction = 0.05;
      }
      FieldException.require(
          filterGain >= 0 && filterGain <= 1, "filter_gain", "must be in [0, 1]");
      FieldException.require(
          maxFraction > 0 && maxFraction <= 1, "max_fraction", "must be in (0, 1]");
    }
  }

  /**
   * Settings of the repair search.
   *
   * @param bisectionSteps halvings of the segment between the safe anchor and the proposal; default
   *     6 (1/64 of the segment)
   * @param searchPoints points per action tried across the rate-feasible range when the fallback
   *     itself is predicted unsafe; default 5
   * @param predictionSubsteps RK4 sub-steps per control step in the shield's predictions; default
   *     the model scenario's integrator setting. Fewer sub-steps make decisions faster at a small
   *     cost in accuracy (on the CSTR, 2 sub-steps stay within a few mK of the reference, far
   *     inside any sensible back-off)
   */
  public record RepairSpec(
      Integer bisectionSteps, Integer searchPoints, Integer predictionSubsteps) {

    /**
     * Most RK4 sub-steps per control step in the shield's predictions: each decision integrates
     * horizon x sub-steps for each candidate action, within one control cycle.
     */
    public static final int MAX_PREDICTION_SUBSTEPS = 100;

    /** Validates and fills defaults. */
    public RepairSpec {
      if (bisectionSteps == null) {
        bisectionSteps = 6;
      }
      if (searchPoints == null) {
        searchPoints = 5;
      }
      FieldException.require(
          bisectionSteps >= 1 && bisectionSteps <= 40, "bisection_steps", "must be in 1..40");
      FieldException.require(
          searchPoints >= 2 && searchPoints <= 101, "search_points", "must be in 2..101");
      FieldException.require(
          predictionSubsteps == null
              || (predictionSubsteps >= 1 && predictionSubsteps <= MAX_PREDICTION_SUBSTEPS),
          "prediction_substeps",
          "must be between 1 and " + MAX_PREDICTION_SUBSTEPS + ", got " + predictionSubsteps);
    }
  }
}
