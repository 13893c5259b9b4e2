package org.safeloop.shield;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admissible box of {@link LayeredShield} ({@link SafetyShield#admissible}): the hard and rate
 * limits around the previous action, narrowed to what the predictions keep inside the state
 * constraints, computed on copies of the prediction history so that asking changes no decision. Not
 * thread-safe (it shares the shield's scratch space).
 */
final class AdmissibleBox {
  private static final Logger LOG = LoggerFactory.getLogger(AdmissibleBox.class);

  /** Resolution of the box's predicted-safe edges: 1/4096 of the rate-feasible interval. */
  private static final int ADMISSIBLE_BISECTION_STEPS = 12;

  private final LayeredShield.Config c;
  private final int actions;
  private final ActionLimits limits;
  private final StatePrediction prediction;

  AdmissibleBox(LayeredShield.Config config, ActionLimits limits, StatePrediction prediction) {
    this.c = config;
    this.actions = config.actionSpace().size();
    this.limits = limits;
    this.prediction = prediction;
  }

  /** Returns the box for this step's inputs; see {@link SafetyShield#admissible}. */
  AdmissibleActions of(PlantSnapshot plant, double[] previousApplied) {
    double[] reference = limits.reference(previousApplied);
    double[] lo = new double[actions];
    double[] hi = new double[actions];
    for (int i = 0; i < actions; i++) {
      lo[i] = limits.low(i, reference);
      hi[i] = limits.high(i, reference);
    }
    try {
      double[] state = c.constraints().isEmpty() ? null : usableState(plant);
      if (state != null) {
        // What decide will see for this step, computed on copies: the dead-time queue with the
        // previous action appended, and the bias updated from last step's prediction error.
        narrowToPredictedSafe(
            state,
            prediction.pendingAfter(previousApplied),
            prediction.biasAfter(state, previousApplied),
            reference,
            lo,
            hi);
      }
    } catch (RuntimeException e) {
      LOG.warn("shield {}: admissible box without the state constraints", c.name(), e);
    }
    excludeDeadbandAroundUnsafeHold(reference, lo, hi);
    return new AdmissibleActions(lo, hi, reference, c.deadband());
  }

  /**
   * A move smaller than the deadband is held at the previous action. When that action lies outside
   * the box (it is predicted unsafe), the edge next to it is not admissible either: the shield
   * would hold it back onto the unsafe action. Cuts the edge to one deadband away, unless that
   * would empty the box.
   */
  private void excludeDeadbandAroundUnsafeHold(double[] reference, double[] lo, double[] hi) {
    if (reference == null) {
      return;
    }
    for (int i = 0; i < actions; i++) {
      double db = c.deadband()[i];
      // A few ulps beyond the deadband, so that the move is not rounded back inside it.
      double gap = db + 4 * Math.ulp(Math.abs(reference[i]) + db);
      if (db <= 0) {
        continue;
      }
      if (reference[i] > hi[i] && reference[i] - hi[i] < gap && reference[i] - gap >= lo[i]) {
        hi[i] = reference[i] - gap;
      } else if (reference[i] < lo[i]
          && lo[i] - reference[i] < gap
          && reference[i] + gap <= hi[i]) {
        lo[i] = reference[i] + gap;
      }
    }
  }

  /** The predicted states from a snapshot, or null when one the predictions need is unusable. */
  private double[] usableState(PlantSnapshot plant) {
    if (plant == null || plant.size() != c.observationSpace().size()) {
      return null;
    }
    double[] state = prediction.stateFrom(plant);
    for (double v : state) {
      if (!Double.isFinite(v)) {
        return null;
      }
    }
    return state;
  }

  /**
   * Narrows each action's interval {@code [lo, hi]} to the part predicted safe, the other actions
   * held at the anchor (the previous action, else the middle of the box). From a safe anchor the
   * edges are found by bisection toward each end (the constraint is taken as monotone along the
   * axis, as it is for a heat input and a temperature bound); from an unsafe anchor, a grid across
   * the interval finds the safe stretch nearest it, or none, when the interval shrinks to the least
   * violating grid point.
   */
  private void narrowToPredictedSafe(
      double[] state,
      double[][] pending,
      double[] stepBias,
      double[] reference,
      double[] lo,
      double[] hi) {
    double[] anchor = new double[actions];
    for (int i = 0; i < actions; i++) {
      double a = reference == null ? 0.5 * (lo[i] + hi[i]) : reference[i];
      anchor[i] = Math.max(lo[i], Math.min(hi[i], a));
    }
    double[] trial = new double[actions];
    for (int i = 0; i < actions; i++) {
      System.arraycopy(anchor, 0, trial, 0, actions);
      double from = anchor[i];
      if (!safeAt(state, pending, stepBias, trial, i, from)) {
        from = nearestSafeOnGrid(state, pending, stepBias, trial, i, anchor[i], lo, hi);
        if (Double.isNaN(from)) {
          continue; // lo[i] == hi[i]: the least violating point
        }
      }
      if (!safeAt(state, pending, stepBias, trial, i, hi[i])) {
        hi[i] = edge(state, pending, stepBias, trial, i, from, hi[i]);
      }
      if (!safeAt(state, pending, stepBias, trial, i, lo[i])) {
        lo[i] = edge(state, pending, stepBias, trial, i, from, lo[i]);
      }
    }
  }

  private boolean safeAt(
      double[] state, double[][] pending, double[] stepBias, double[] trial, int i, double value) {
    trial[i] = value;
    return prediction.predictMargins(state, pending, trial, null, stepBias) >= 0;
  }

  /** Bisects between a safe and an unsafe value of action {@code i}; returns the safe end. */
  private double edge(
      double[] state,
      double[][] pending,
      double[] stepBias,
      double[] trial,
      int i,
      double safe,
      double unsafe) {
    for (int k = 0; k < ADMISSIBLE_BISECTION_STEPS; k++) {
      double mid = 0.5 * (safe + unsafe);
      if (safeAt(state, pending, stepBias, trial, i, mid)) {
        safe = mid;
      } else {
        unsafe = mid;
      }
    }
    return safe;
  }

  /**
   * Walks a grid across {@code [lo[i], hi[i]]} and returns the predicted-safe point nearest {@code
   * anchor}; when none is safe, shrinks the interval to the least violating point and returns NaN.
   */
  private double nearestSafeOnGrid(
      double[] state,
      double[][] pending,
      double[] stepBias,
      double[] trial,
      int i,
      double anchor,
      double[] lo,
      double[] hi) {
    int points = Math.max(2, c.searchPoints());
    double best = Double.NaN;
    double leastViolating = lo[i];
    double leastRank = Double.POSITIVE_INFINITY;
    for (int p = 0; p < points; p++) {
      double v = lo[i] + (hi[i] - lo[i]) * p / (points - 1);
      if (safeAt(state, pending, stepBias, trial, i, v)) {
        if (Double.isNaN(best) || Math.abs(v - anchor) < Math.abs(best - anchor)) {
          best = v;
        }
      } else if (prediction.lastViolation() < leastRank) {
        leastRank = prediction.lastViolation();
        leastViolating = v;
      }
    }
    if (Double.isNaN(best)) {
      lo[i] = leastViolating;
      hi[i] = leastViolating;
    }
    return best;
  }
}
