package org.safeloop.shield;

import java.util.List;

/**
 * Layers 2 and 3 of {@link LayeredShield}: the hard limits of each action, its rate limits around
 * the previous applied action, and the deadband. Stateless; immutable.
 */
final class ActionLimits {
  private final LayeredShield.Config c;
  private final int actions;
  private final double[] min;
  private final double[] max;

  ActionLimits(LayeredShield.Config config) {
    this.c = config;
    this.actions = config.actionSpace().size();
    this.min = new double[actions];
    this.max = new double[actions];
    for (int i = 0; i < actions; i++) {
      min[i] = config.actionSpace().get(i).min();
      max[i] = config.actionSpace().get(i).max();
    }
  }

  /** The previous applied action if it is usable as a rate-limit reference, else null. */
  double[] reference(double[] previousApplied) {
    if (previousApplied == null || previousApplied.length != actions) {
      return null;
    }
    for (int i = 0; i < actions; i++) {
      double p = previousApplied[i];
      if (!Double.isFinite(p) || p < min[i] || p > max[i]) {
        return null;
      }
    }
    return previousApplied.clone();
  }

  /**
   * Clips to hard limits, then to the rate limits around {@code reference} (skipped when null),
   * then applies the deadband; hard limits win. Records what acted when {@code reasons} is given.
   */
  double[] limit(double[] action, double[] reference, List<Intervention> reasons) {
    double[] out = new double[actions];
    for (int i = 0; i < actions; i++) {
      String name = c.actionSpace().get(i).name();
      double a = action[i];
      if (!Double.isFinite(a)) {
        a = reference != null ? reference[i] : 0.5 * (min[i] + max[i]);
      }
      if (a > max[i] || a < min[i]) {
        double bound = a > max[i] ? max[i] : min[i];
        if (reasons != null) {
          reasons.add(
              new Intervention(
                  Layer.HARD_LIMIT,
                  name,
                  name
                      + " "
                      + LayeredShield.round(a)
                      + " clipped to hard limit "
                      + LayeredShield.round(bound),
                  -Math.abs(a - bound)));
        }
        a = bound;
      }
      if (reference != null) {
        double hi = reference[i] + c.rateUp()[i];
        double lo = reference[i] - c.rateDown()[i];
        if (a > hi || a < lo) {
          double bound = a > hi ? hi : lo;
          if (reasons != null) {
            reasons.add(
                new Intervention(
                    Layer.RATE_LIMIT,
                    name,
                    name
                        + " move "
                        + LayeredShield.round(a - reference[i])
                        + " limited to "
                        + LayeredShield.round(bound - reference[i])
                        + " per step",
                    -Math.abs(a - bound)));
          }
          a = bound;
        }
        double move = a - reference[i];
        if (move != 0.0 && Math.abs(move) < c.deadband()[i]) {
          if (reasons != null) {
            reasons.add(
                new Intervention(
                    Layer.RATE_LIMIT,
                    name,
                    name
                        + " move "
                        + LayeredShield.round(move)
                        + " inside deadband "
                        + LayeredShield.round(c.deadband()[i])
                        + ": held",
                    Double.NaN));
          }
          a = reference[i];
        }
      }
      out[i] = Math.max(min[i], Math.min(max[i], a));
    }
    return out;
  }

  /** The lowest value of action {@code i} inside the hard and rate limits around a reference. */
  double low(int i, double[] reference) {
    return reference == null ? min[i] : Math.max(min[i], reference[i] - c.rateDown()[i]);
  }

  /** The highest value of action {@code i} inside the hard and rate limits around a reference. */
  double high(int i, double[] reference) {
    return reference == null ? max[i] : Math.min(max[i], reference[i] + c.rateUp()[i]);
  }

  /** The middle of action {@code i}'s hard limits. */
  double middle(int i) {
    return 0.5 * (min[i] + max[i]);
  }

  /** The width of action {@code i}'s hard limits. */
  double span(int i) {
    return max[i] - min[i];
  }
}
