package org.safeloop.shield;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.safeloop.env.Observation;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.SignalSpec;

/**
 * The actions a shield would accept unchanged at one step, as a box: for each action the interval
 * of its hard limits, its rate limits around the previous applied action and, where the shield
 * predicts state constraints, the part of that interval whose prediction stays inside them (each
 * action searched with the others held at the previous applied action). A policy that chooses
 * inside the box is not corrected; {@link #map} is the affine map from the unit box {@code [-1,
 * 1]^n} onto it that an action-mapping policy uses (Theile et al., "Action Mapping for
 * Reinforcement Learning in Continuous Environments with Constraints", 2023).
 *
 * <p>With several actions whose state constraints couple them, a point inside the box can still be
 * predicted unsafe (the box is searched axis by axis); the shield then repairs it as any proposal.
 * The box never replaces the shield's decision.
 *
 * @param low each action's lowest admissible value, in its unit
 * @param high each action's highest admissible value ({@code >= low})
 * @param hold the action a move inside the deadband is held at (the previous applied action), or
 *     null when there is no usable previous action
 * @param deadband each action's deadband: smaller moves from {@code hold} are not made
 */
public record AdmissibleActions(double[] low, double[] high, double[] hold, double[] deadband) {

  /** Checks lengths and order, and copies. */
  public AdmissibleActions {
    Objects.requireNonNull(low, "low");
    Objects.requireNonNull(high, "high");
    Objects.requireNonNull(deadband, "deadband");
    if (high.length != low.length
        || deadband.length != low.length
        || (hold != null && hold.length != low.length)) {
      throw new IllegalArgumentException("low, high, hold and deadband differ in length");
    }
    for (int i = 0; i < low.length; i++) {
      if (!(low[i] <= high[i])) {
        throw new IllegalArgumentException(
            "action " + i + ": low " + low[i] + " is not at most high " + high[i]);
      }
    }
    low = low.clone();
    high = high.clone();
    hold = hold == null ? null : hold.clone();
    deadband = deadband.clone();
  }

  /** Suffix of the observation carrying an action's lowest admissible value. */
  public static final String LOW_SUFFIX = "_admissible_low";

  /** Suffix of the observation carrying an action's highest admissible value. */
  public static final String HIGH_SUFFIX = "_admissible_high";

  /**
   * The observations an action-mapping policy reads besides the plant's: for each action {@code
   * <name>_admissible_low} then {@code <name>_admissible_high}, in the action's unit and range.
   */
  public static List<SignalSpec> signals(SignalSpace actions) {
    List<SignalSpec> out = new ArrayList<>();
    for (SignalSpec a : actions.signals()) {
      out.add(new SignalSpec(a.name() + LOW_SUFFIX, a.unit(), a.min(), a.max()));
      out.add(new SignalSpec(a.name() + HIGH_SUFFIX, a.unit(), a.min(), a.max()));
    }
    return List.copyOf(out);
  }

  /** The space {@code observations} followed by {@link #signals} of {@code actions}. */
  public static SignalSpace augmented(SignalSpace observations, SignalSpace actions) {
    List<SignalSpec> all = new ArrayList<>(observations.signals());
    all.addAll(signals(actions));
    return new SignalSpace(all);
  }

  /**
   * The space an action-mapping policy acts in: each action's name, from -1 (its lowest admissible
   * value) to +1 (its highest), dimensionless.
   */
  public static SignalSpace unitSpace(SignalSpace actions) {
    List<SignalSpec> out = new ArrayList<>();
    for (SignalSpec a : actions.signals()) {
      out.add(new SignalSpec(a.name(), "1", -1.0, 1.0));
    }
    return new SignalSpace(out);
  }

  /** Returns {@code observation} followed by this box (low and high per action, good quality). */
  public Observation appendTo(Observation observation) {
    int n = observation.size();
    double[] values = new double[n + 2 * low.length];
    Quality[] qualities = new Quality[values.length];
    for (int j = 0; j < n; j++) {
      values[j] = observation.value(j);
      qualities[j] = observation.quality(j);
    }
    for (int i = 0; i < low.length; i++) {
      values[n + 2 * i] = low[i];
      values[n + 2 * i + 1] = high[i];
      qualities[n + 2 * i] = Quality.GOOD;
      qualities[n + 2 * i + 1] = Quality.GOOD;
    }
    return new Observation(values, qualities);
  }

  /**
   * The inverse of {@link #map} for an action inside the box (outside, the result lies outside
   * {@code [-1, 1]}); 0 for an action whose interval is a point.
   */
  public double[] unmap(double[] action) {
    double[] out = new double[low.length];
    for (int i = 0; i < out.length; i++) {
      double span = high[i] - low[i];
      out[i] = span > 0 ? 2.0 * (action[i] - low[i]) / span - 1.0 : 0.0;
    }
    return out;
  }

  /** Returns the number of actions. */
  public int size() {
    return low.length;
  }

  /**
   * Maps a point of the unit box onto the admissible box: {@code -1} to {@code low}, {@code +1} to
   * {@code high}, linearly between; values outside {@code [-1, 1]} and NaN are clamped (NaN to the
   * middle). A move from {@code hold} smaller than the deadband is held, as the shield would hold
   * it.
   *
   * @return a new array in engineering units
   */
  public double[] map(double[] unit) {
    if (unit.length != low.length) {
      throw new IllegalArgumentException(
          "expected " + low.length + " values in [-1, 1], got " + unit.length);
    }
    double[] out = new double[low.length];
    for (int i = 0; i < out.length; i++) {
      double f = Double.isNaN(unit[i]) ? 0.0 : Math.max(-1.0, Math.min(1.0, unit[i]));
      // Clamped again: low + (high - low) can round one ulp past high, past the rate limit.
      double a = Math.min(high[i], Math.max(low[i], low[i] + 0.5 * (f + 1.0) * (high[i] - low[i])));
      if (hold != null && Math.abs(a - hold[i]) < deadband[i] && inside(hold[i], i)) {
        a = hold[i];
      }
      out[i] = a;
    }
    return out;
  }

  private boolean inside(double value, int i) {
    return value >= low[i] && value <= high[i];
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("AdmissibleActions[");
    for (int i = 0; i < low.length; i++) {
      b.append(i == 0 ? "" : ", ").append(low[i]).append("..").append(high[i]);
      if (hold != null) {
        b.append(" (hold ").append(hold[i]).append(')');
      }
    }
    return b.append(']').toString();
  }

  @Override
  public double[] low() {
    return low.clone();
  }

  @Override
  public double[] high() {
    return high.clone();
  }

  @Override
  public double[] hold() {
    return hold == null ? null : hold.clone();
  }

  @Override
  public double[] deadband() {
    return deadband.clone();
  }
}
