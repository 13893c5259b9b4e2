package org.safeloop.env.observation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.config.FieldException;

/**
 * What a controller observes: the plant's signals (measurements, then the setpoints in force), then
 * the derived signals the {@link ObservationOptions} ask for, each named, with a unit and a range,
 * in this order: tracking errors {@code <v>_error}, error integrals {@code <v>_error_integral},
 * filtered measurements {@code <v>_filtered}, previous actions {@code <u>_previous}, setpoint
 * previews {@code <v>_setpoint_ahead_<j>}, model-based estimates {@code <x>_estimate}. {@link
 * ObservationBuilder} computes them, the same way in simulation and wherever else raw measurements,
 * setpoints and applied actions are known (the estimates also need the scenario's model: {@link
 * #newBuilder(StateObserver)}).
 *
 * <p>Immutable and thread-safe.
 */
public final class ObservationDesign {
  private final ObservationOptions options;
  private final SignalSpace plantSpace;
  private final SignalSpace space;
  private final int measuredCount;
  private final int[] trackedMeasurement;
  private final int[] trackedSetpoint;
  private final double[] integralBounds;
  private final int[] filtered;
  private final double filterGain;
  private final int actionCount;
  private final int previewSteps;
  private final double controlInterval;
  private final String timeUnit;
  private final List<String> tracked;
  private final List<String> derived;
  private final List<SignalSpec> estimated;

  /**
   * Resolves {@code options} against a scenario's signals.
   *
   * @param options the options as written
   * @param plantSpace the plant's signals: {@code measuredCount} measurements, then one {@code
   *     <v>_setpoint} per tracked variable
   * @param measuredCount how many of {@code plantSpace}'s signals are measurements
   * @param tracked the tracked variables, in setpoint order
   * @param actions the action space (units and actuator ranges of the previous actions)
   * @param controlInterval the control interval {@code dt}, in the model's time unit
   * @param timeUnit the model's time unit symbol, e.g. {@code min}, for the integrals' unit
   * @throws FieldException naming the option (relative to the {@code observation} section) that
   *     refers to a signal the scenario does not have
   */
  public ObservationDesign(
      ObservationOptions options,
      SignalSpace plantSpace,
      int measuredCount,
      List<String> tracked,
      SignalSpace actions,
      double controlInterval,
      String timeUnit) {
    this(
        options, plantSpace, measuredCount, tracked, actions, controlInterval, timeUnit, List.of());
  }

  /**
   * Resolves {@code options} against a scenario's signals and, for {@code estimate}, the quantities
   * its estimator estimates.
   *
   * @param estimated with {@code estimate}: what the estimator estimates, in its output order, with
   *     units and ranges (each becomes {@code <name>_estimate}); ignored otherwise
   * @throws FieldException as above, or for {@code estimate} without anything to estimate
   */
  public ObservationDesign(
      ObservationOptions options,
      SignalSpace plantSpace,
      int measuredCount,
      List<String> tracked,
      SignalSpace actions,
      double controlInterval,
      String timeUnit,
      List<SignalSpec> estimated) {
    if (!(controlInterval > 0) || !Double.isFinite(controlInterval)) {
      throw new IllegalArgumentException("control interval must be positive: " + controlInterval);
    }
    this.options = options;
    this.plantSpace = plantSpace;
    this.measuredCount = measuredCount;
    this.controlInterval = controlInterval;
    this.timeUnit = timeUnit;
    this.tracked = List.copyOf(tracked);
    this.actionCount = actions.size();
    List<String> measuredNames = plantSpace.names().subList(0, measuredCount);

    int t = tracked.size();
    trackedMeasurement = new int[t];
    trackedSetpoint = new int[t];
    for (int k = 0; k < t; k++) {
      trackedMeasurement[k] = measuredNames.indexOf(tracked.get(k));
      trackedSetpoint[k] = plantSpace.indexOf(tracked.get(k) + "_setpoint");
      if (trackedMeasurement[k] < 0 || trackedSetpoint[k] < 0) {
        throw new IllegalArgumentException(
            "tracked variable " + tracked.get(k) + " needs a measurement and a setpoint signal");
      }
    }

    List<SignalSpec> signals = new ArrayList<>(plantSpace.signals());
    List<String> derivedNames = new ArrayList<>();
    if (options.trackingError() || options.errorIntegral() != null || options.preview() != null) {
      if (t == 0) {
        throw new FieldException(
            options.trackingError()
                ? "tracking_error"
                : options.errorIntegral() != null ? "error_integral" : "preview",
            "needs a tracked variable; give the scenario a setpoint");
      }
    }
    if (options.trackingError()) {
      for (int k = 0; k < t; k++) {
        SignalSpec m = plantSpace.get(trackedMeasurement[k]);
        add(
            signals,
            derivedNames,
            new SignalSpec(m.name() + "_error", m.unit(), -m.span(), m.span()));
      }
    }
    integralBounds = new double[options.errorIntegral() == null ? 0 : t];
    if (options.errorIntegral() != null) {
      Map<String, Double> bounds = options.errorIntegral().bounds();
      for (String name : bounds.keySet()) {
        if (!tracked.contains(name)) {
          throw new FieldException(
              "error_integral.bounds." + name,
              "'" + name + "' has no setpoint; tracked are " + tracked);
        }
      }
      for (int k = 0; k < t; k++) {
        SignalSpec m = plantSpace.get(trackedMeasurement[k]);
        Double b = bounds.get(m.name());
        integralBounds[k] = b != null ? b : m.span() * controlInterval;
        String unit = m.unit().isEmpty() ? timeUnit : m.unit() + "*" + timeUnit;
        add(
            signals,
            derivedNames,
            new SignalSpec(
                m.name() + "_error_integral", unit, -integralBounds[k], integralBounds[k]));
      }
    }
    if (options.filter() != null) {
      List<String> names =
          options.filter().signals() == null ? measuredNames : options.filter().signals();
      filtered = new int[names.size()];
      for (int i = 0; i < filtered.length; i++) {
        filtered[i] = measuredNames.indexOf(names.get(i));
        if (filtered[i] < 0) {
          throw new FieldException(
              "filter.signals[" + i + "]",
              "'" + names.get(i) + "' is not a measured variable; measured are " + measuredNames);
        }
        SignalSpec m = plantSpace.get(filtered[i]);
        add(
            signals,
            derivedNames,
            new SignalSpec(m.name() + "_filtered", m.unit(), m.min(), m.max()));
      }
      filterGain = -Math.expm1(-controlInterval / options.filter().timeConstant());
    } else {
      filtered = new int[0];
      filterGain = Double.NaN;
    }
    if (options.previousAction()) {
      for (SignalSpec a : actions.signals()) {
        add(
            signals,
            derivedNames,
            new SignalSpec(a.name() + "_previous", a.unit(), a.min(), a.max()));
      }
    }
    previewSteps = options.preview() == null ? 0 : options.preview().steps();
    for (int k = 0; k < t && previewSteps > 0; k++) {
      SignalSpec sp = plantSpace.get(trackedSetpoint[k]);
      for (int j = 1; j <= previewSteps; j++) {
        add(
            signals,
            derivedNames,
            new SignalSpec(sp.name() + "_ahead_" + j, sp.unit(), sp.min(), sp.max()));
      }
    }
    if (options.estimate()) {
      FieldException.require(
          !estimated.isEmpty(), "estimate", "needs a process model with states to estimate");
      for (SignalSpec e : estimated) {
        add(
            signals,
            derivedNames,
            new SignalSpec(e.name() + "_estimate", e.unit(), e.min(), e.max()));
      }
      this.estimated = List.copyOf(estimated);
    } else {
      this.estimated = List.of();
    }
    try {
      this.space = new SignalSpace(signals);
    } catch (IllegalArgumentException e) {
      throw new FieldException(
          "", "a derived signal has the name of a measured one: " + e.getMessage());
    }
    this.derived = List.copyOf(derivedNames);
  }

  private static void add(List<SignalSpec> signals, List<String> derived, SignalSpec s) {
    signals.add(s);
    derived.add(s.name());
  }

  /** Returns the options as written. */
  public ObservationOptions options() {
    return options;
  }

  /** Returns the whole observation space: plant signals, then derived ones. */
  public SignalSpace space() {
    return space;
  }

  /** Returns the plant's signals only: measurements, then setpoints (what a plant's tags give). */
  public SignalSpace plantSpace() {
    return plantSpace;
  }

  /** Returns the names of the derived signals, in observation order (empty when all off). */
  public List<String> derivedSignals() {
    return derived;
  }

  /** Returns true when the observation holds signals computed from others. */
  public boolean hasDerivedSignals() {
    return !derived.isEmpty();
  }

  /** Returns how many future setpoints per tracked variable the observation holds (0: none). */
  public int previewSteps() {
    return previewSteps;
  }

  /** Returns the anti-windup bound of tracked variable {@code k}'s error integral. */
  public double integralBound(int k) {
    return integralBounds[k];
  }

  /** Returns the filter's gain per step, {@code 1 - exp(-dt / tau)}; NaN without a filter. */
  public double filterGain() {
    return filterGain;
  }

  /** Returns what the estimates estimate, in observation order (empty without {@code estimate}). */
  public List<SignalSpec> estimated() {
    return estimated;
  }

  /**
   * Returns a new builder, ready for the first observation of an episode.
   *
   * @throws IllegalStateException when the design has estimates, which need the model ({@link
   *     #newBuilder(StateObserver)})
   */
  public ObservationBuilder newBuilder() {
    if (options.estimate()) {
      throw new IllegalStateException(
          "the observation has model-based estimates (observation.estimate): build it with the"
              + " scenario's state observer");
    }
    return new ObservationBuilder(this, null);
  }

  /**
   * Returns a new builder whose estimates come from {@code observer} (the scenario's model), ready
   * for the first observation of an episode.
   *
   * @throws IllegalArgumentException when the observer's output does not match {@link #estimated}
   */
  public ObservationBuilder newBuilder(StateObserver observer) {
    if (!options.estimate()) {
      return new ObservationBuilder(this, null);
    }
    java.util.Objects.requireNonNull(observer, "observer");
    if (!observer.estimated().equals(estimated.stream().map(SignalSpec::name).toList())) {
      throw new IllegalArgumentException(
          "the observer estimates "
              + observer.estimated()
              + " but the observation was designed with estimates of "
              + estimated.stream().map(SignalSpec::name).toList()
              + ": the model differs from the one the policy was trained on");
    }
    return new ObservationBuilder(this, observer);
  }

  int measuredCount() {
    return measuredCount;
  }

  int[] trackedMeasurement() {
    return trackedMeasurement;
  }

  int[] trackedSetpoint() {
    return trackedSetpoint;
  }

  int[] filtered() {
    return filtered;
  }

  int actionCount() {
    return actionCount;
  }

  double controlInterval() {
    return controlInterval;
  }

  /**
   * Returns the design as plain values, for a policy bundle's config: the options as written
   * (snake_case keys) with what {@link #fromRecord} needs besides the signal spaces: {@code
   * measured_count}, {@code tracked}, {@code control_interval} (model time) and {@code time_unit}.
   */
  public Map<String, Object> toRecord() {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("tracking_error", options.trackingError());
    if (options.errorIntegral() != null) {
      r.put(
          "error_integral",
          Map.of("bounds", new LinkedHashMap<>(options.errorIntegral().bounds())));
    }
    if (options.filter() != null) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("time_constant", options.filter().timeConstant());
      if (options.filter().signals() != null) {
        f.put("signals", options.filter().signals());
      }
      r.put("filter", f);
    }
    r.put("previous_action", options.previousAction());
    if (options.preview() != null) {
      r.put("preview", Map.of("steps", options.preview().steps()));
    }
    if (options.estimate()) {
      r.put("estimate", true);
      List<Map<String, Object>> specs = new ArrayList<>();
      for (SignalSpec e : estimated) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", e.name());
        m.put("unit", e.unit());
        m.put("min", e.min());
        m.put("max", e.max());
        specs.add(m);
      }
      r.put("estimated", specs);
    }
    r.put("measured_count", measuredCount);
    r.put("tracked", tracked);
    r.put("control_interval", controlInterval);
    r.put("time_unit", timeUnit);
    return r;
  }

  /**
   * Rebuilds a design from {@link #toRecord}'s values (as read back from JSON) and the plant's and
   * actions' signals.
   *
   * @throws IllegalArgumentException naming the first value that is missing or of the wrong type
   */
  public static ObservationDesign fromRecord(
      Map<?, ?> record, SignalSpace plantSpace, SignalSpace actions) {
    Map<?, ?> integral = optionalMap(record, "error_integral");
    Map<?, ?> filter = optionalMap(record, "filter");
    Map<?, ?> preview = optionalMap(record, "preview");
    Map<String, Double> bounds = new LinkedHashMap<>();
    if (integral != null) {
      Map<?, ?> b = optionalMap(integral, "bounds");
      if (b != null) {
        for (Map.Entry<?, ?> e : b.entrySet()) {
          bounds.put(String.valueOf(e.getKey()), number(b, String.valueOf(e.getKey())));
        }
      }
    }
    ObservationOptions options =
        new ObservationOptions(
            Boolean.TRUE.equals(record.get("tracking_error")),
            integral == null ? null : new ObservationOptions.ErrorIntegral(bounds),
            filter == null
                ? null
                : new ObservationOptions.Filter(
                    number(filter, "time_constant"),
                    filter.get("signals") == null ? null : strings(filter, "signals")),
            Boolean.TRUE.equals(record.get("previous_action")),
            preview == null
                ? null
                : new ObservationOptions.Preview((int) Math.round(number(preview, "steps"))),
            Boolean.TRUE.equals(record.get("estimate")));
    List<SignalSpec> estimated = new ArrayList<>();
    Object specs = record.get("estimated");
    if (options.estimate()) {
      if (!(specs instanceof List<?> list)) {
        throw new IllegalArgumentException(
            "observation design: estimate needs the list 'estimated', got " + specs);
      }
      for (Object o : list) {
        if (!(o instanceof Map<?, ?> m)) {
          throw new IllegalArgumentException("observation design: estimated holds " + o);
        }
        estimated.add(
            new SignalSpec(
                String.valueOf(m.get("name")),
                String.valueOf(m.get("unit")),
                number(m, "min"),
                number(m, "max")));
      }
    }
    return new ObservationDesign(
        options,
        plantSpace,
        (int) Math.round(number(record, "measured_count")),
        strings(record, "tracked"),
        actions,
        number(record, "control_interval"),
        String.valueOf(record.get("time_unit")),
        estimated);
  }

  private static Map<?, ?> optionalMap(Map<?, ?> record, String key) {
    Object v = record.get(key);
    if (v != null && !(v instanceof Map<?, ?>)) {
      throw new IllegalArgumentException("observation design: " + key + " must be a map, got " + v);
    }
    return (Map<?, ?>) v;
  }

  private static double number(Map<?, ?> record, String key) {
    if (!(record.get(key) instanceof Number n)) {
      throw new IllegalArgumentException(
          "observation design: " + key + " must be a number, got " + record.get(key));
    }
    return n.doubleValue();
  }

  private static List<String> strings(Map<?, ?> record, String key) {
    if (!(record.get(key) instanceof List<?> list)) {
      throw new IllegalArgumentException(
          "observation design: " + key + " must be a list, got " + record.get(key));
    }
    return list.stream().map(String::valueOf).toList();
  }
}
