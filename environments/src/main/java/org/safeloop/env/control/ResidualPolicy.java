package org.safeloop.env.control;

import java.util.Arrays;
import java.util.Objects;
import org.safeloop.env.Observation;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.SignalSpec;

/**
 * A residual policy: a base controller (the scenario's PID) plus a bounded correction from a
 * learned policy, {@code a = clip(base(o) + clamp(r(o), -b, b), actuator range)}. The base
 * controller's knowledge of the process is the prior; the learned part adds what it misses and can
 * never move the action further than its bound {@code b} from the base's move (nor outside the
 * actuator's range). With a zero correction it is exactly the base controller.
 *
 * <p>The action the plant received ({@link #applied}) goes to the base, so the PID's integral
 * tracks what the shield and the actuator let through (anti-windup), as it does on its own. Not
 * thread-safe; stateful as its base.
 */
public final class ResidualPolicy implements Policy {
  private final Policy base;
  private final Policy correction;
  private final SignalSpace actions;
  private final double[] bound;

  /**
   * Creates a residual policy.
   *
   * @param base the base controller, acting in {@code actions}
   * @param correction the learned correction, one value per action in engineering units (clamped to
   *     the bound here whatever it returns)
   * @param actions the actuators' action space (names, units, ranges)
   * @param bound the largest correction of each action, in its unit, positive
   * @throws IllegalArgumentException for a bound that is not positive and finite or a length that
   *     does not match the actions
   */
  public ResidualPolicy(Policy base, Policy correction, SignalSpace actions, double[] bound) {
    this.base = Objects.requireNonNull(base, "base");
    this.correction = Objects.requireNonNull(correction, "correction");
    this.actions = Objects.requireNonNull(actions, "actions");
    this.bound = requireBound(bound, actions);
  }

  /** Checks a bound against an action space and returns a copy. */
  static double[] requireBound(double[] bound, SignalSpace actions) {
    Objects.requireNonNull(bound, "bound");
    if (bound.length != actions.size()) {
      throw new IllegalArgumentException(
          "one residual bound per action " + actions.names() + ", got " + bound.length);
    }
    for (int i = 0; i < bound.length; i++) {
      if (!(bound[i] > 0) || !Double.isFinite(bound[i])) {
        throw new IllegalArgumentException(
            "the residual bound of " + actions.get(i).name() + " must be positive: " + bound[i]);
      }
    }
    return bound.clone();
  }

  /**
   * The space the learned correction acts in: each action's name and unit, from minus to plus its
   * bound.
   */
  public static SignalSpace correctionSpace(SignalSpace actions, double[] bound) {
    double[] b = requireBound(bound, actions);
    SignalSpec[] specs = new SignalSpec[actions.size()];
    for (int i = 0; i < specs.length; i++) {
      SignalSpec a = actions.get(i);
      specs[i] = new SignalSpec(a.name(), a.unit(), -b[i], b[i]);
    }
    return new SignalSpace(Arrays.asList(specs));
  }

  /**
   * Adds a correction to a base move: each correction clamped to its bound (NaN counts as zero),
   * the sum clipped to the actuator's range.
   *
   * @return a new array
   */
  public static double[] combine(
      double[] baseMove, double[] correction, SignalSpace actions, double[] bound) {
    double[] out = new double[baseMove.length];
    for (int i = 0; i < out.length; i++) {
      double r = correction[i];
      r = Double.isNaN(r) ? 0.0 : Math.max(-bound[i], Math.min(bound[i], r));
      SignalSpec a = actions.get(i);
      out[i] = Math.max(a.min(), Math.min(a.max(), baseMove[i] + r));
    }
    return out;
  }

  @Override
  public double[] act(Observation observation) {
    double[] move = base.act(observation);
    return combine(move, correction.act(observation), actions, bound);
  }

  @Override
  public void applied(double[] appliedAction) {
    base.applied(appliedAction);
    correction.applied(appliedAction);
  }

  @Override
  public void reset() {
    base.reset();
    correction.reset();
  }

  /** Returns the learned correction this policy adds to its base. */
  public Policy correction() {
    return correction;
  }

  /** Returns the bound of each action's correction, in its unit. */
  public double[] bound() {
    return bound.clone();
  }
}
