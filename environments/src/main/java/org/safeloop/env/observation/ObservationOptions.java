package org.safeloop.env.observation;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.env.config.FieldException;

/**
 * The {@code observation} section of a scenario file: which derived signals the controller sees
 * beside the raw measurements and the setpoints in force. Every option is off unless the file says
 * otherwise; {@link ObservationDesign} resolves the options against the scenario's signals. Keys
 * are snake_case in YAML, e.g.
 *
 * <pre>{@code
 * observation:
 *   tracking_error: true                 # <v>_error = measurement - setpoint
 *   error_integral: {bounds: {Ca: 0.13}} # <v>_error_integral, clamped to +-bound
 *   filter: {time_constant: 1.0}         # <v>_filtered, first-order low-pass
 *   previous_action: true                # <u>_previous, the action applied last step
 *   preview: {steps: 5}                  # <v>_setpoint_ahead_1 .. _5, from the schedule
 *   estimate: true                       # <x>_estimate: an extended Kalman filter's estimates
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param trackingError add the tracking error of each tracked variable; default false
 * @param errorIntegral add the bounded integral of each tracking error; null for none
 * @param filter add low-pass filtered measurements; null for none
 * @param previousAction add the action applied during the step before (after limits and shield);
 *     default false
 * @param preview add the next setpoints of each tracked variable from the schedule; null for none
 * @param estimate add an extended Kalman filter's estimate of every model state and of every
 *     parameter the scenario disturbs or makes uncertain, on the scenario's own model ({@code
 *     org.safeloop.env.estimation.ModelStateObserver}); default false
 */
public record ObservationOptions(
    Boolean trackingError,
    ErrorIntegral errorIntegral,
    Filter filter,
    Boolean previousAction,
    Preview preview,
    Boolean estimate) {

  private static final ObservationOptions NONE =
      new ObservationOptions(null, null, null, null, null, null);

  /** Replaces absent switches with false. */
  public ObservationOptions {
    trackingError = Boolean.TRUE.equals(trackingError);
    previousAction = Boolean.TRUE.equals(previousAction);
    estimate = Boolean.TRUE.equals(estimate);
  }

  /** The options without estimates. */
  public ObservationOptions(
      Boolean trackingError,
      ErrorIntegral errorIntegral,
      Filter filter,
      Boolean previousAction,
      Preview preview) {
    this(trackingError, errorIntegral, filter, previousAction, preview, null);
  }

  /** Returns the options of a scenario without an {@code observation} section: all off. */
  public static ObservationOptions none() {
    return NONE;
  }

  /** Returns true when at least one derived signal is asked for. */
  public boolean any() {
    return trackingError
        || errorIntegral != null
        || filter != null
        || previousAction
        || preview != null
        || estimate;
  }

  /**
   * The integral of the tracking error, {@code I_k = clamp(I_(k-1) + (y_k - r_k) dt, -b, b)}, with
   * the clamp as anti-windup.
   *
   * @param bounds the bound {@code b} by tracked variable, in the variable's unit times the model's
   *     time unit (e.g. mol/m3 min); a variable not listed takes its observation span times one
   *     control interval (a full-span error held for one step, or a tenth of the span held for ten)
   */
  public record ErrorIntegral(Map<String, Double> bounds) {
    /** Checks that every bound is positive and finite. */
    public ErrorIntegral {
      Map<String, Double> copy = new LinkedHashMap<>();
      if (bounds != null) {
        for (Map.Entry<String, Double> e : bounds.entrySet()) {
          FieldException.require(
              e.getValue() != null && e.getValue() > 0 && Double.isFinite(e.getValue()),
              "bounds." + e.getKey(),
              "must be a positive number (variable unit times time unit)");
          copy.put(e.getKey(), e.getValue());
        }
      }
      bounds = Collections.unmodifiableMap(copy);
    }
  }

  /**
   * First-order low-pass filters on measurements, discretised exactly for a sample held over the
   * control interval: {@code f_k = f_(k-1) + (1 - exp(-dt / tau)) (y_k - f_(k-1))}, started at the
   * first finite measurement.
   *
   * @param timeConstant the filter's time constant {@code tau}, in the model's time unit, positive
   * @param signals the measured variables to filter; default every measured variable
   */
  public record Filter(Double timeConstant, List<String> signals) {
    /** Checks a positive time constant and non-empty, distinct names. */
    public Filter {
      FieldException.require(
          timeConstant != null, "time_constant", "give the filter's time constant (model time)");
      FieldException.require(
          timeConstant > 0 && Double.isFinite(timeConstant),
          "time_constant",
          "must be positive (model time), got " + timeConstant);
      if (signals != null) {
        FieldException.require(
            !signals.isEmpty(), "signals", "list at least one measured variable");
        for (int i = 0; i < signals.size(); i++) {
          FieldException.require(
              signals.get(i) != null && !signals.get(i).isBlank(),
              "signals[" + i + "]",
              "name a measured variable");
          FieldException.require(
              signals.indexOf(signals.get(i)) == i,
              "signals[" + i + "]",
              "'" + signals.get(i) + "' is listed twice");
        }
        signals = List.copyOf(signals);
      }
    }
  }

  /**
   * A preview of the setpoint schedule, for plants that know it (a grade change, a batch recipe).
   *
   * @param steps how many future setpoints per tracked variable, 1 to {@value #MAX_STEPS}
   */
  public record Preview(Integer steps) {
    /** Most preview steps. */
    public static final int MAX_STEPS = 1000;

    /** Checks the number of steps. */
    public Preview {
      FieldException.require(steps != null, "steps", "give the number of steps to preview");
      FieldException.require(
          steps >= 1 && steps <= MAX_STEPS,
          "steps",
          "must be between 1 and " + MAX_STEPS + ", got " + steps);
    }
  }
}
