package org.safeloop.shield;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import org.safeloop.env.PredictiveModel;
import org.safeloop.shield.constraint.StateConstraint;

/**
 * Layer 4 of {@link LayeredShield}, the predictions: a candidate held over each state constraint's
 * horizon with the process model, the inputs still travelling through the dead time, and a filtered
 * one-step prediction error added to every predicted step (the bias update of industrial MPC).
 * Holds that history (the actions sent, the bias, the last state) for one episode; {@link
 * #pendingAfter} and {@link #biasAfter} compute a step's on copies, for the admissible box. Not
 * thread-safe.
 */
final class StatePrediction {
  private final LayeredShield.Config c;
  private final ActionLimits limits;
  private final int actions;
  private final int horizon;
  private final Deque<double[]> sentActions = new ArrayDeque<>();
  private final double[] scratchState;
  // Model-mismatch correction: a filtered one-step prediction error per state, added to every
  // predicted step.
  private final double[] bias;
  private double[] lastState;
  private double[][] lastPending;
  private double lastViolation;
  private double searchMargin;
  private double searchRank;

  StatePrediction(LayeredShield.Config config, ActionLimits limits) {
    this.c = config;
    this.limits = limits;
    this.actions = config.actionSpace().size();
    int h = 0;
    for (StateConstraint sc : config.constraints()) {
      h = Math.max(h, sc.horizon());
    }
    this.horizon = h;
    this.bias = new double[config.stateObservationIndex().length];
    this.scratchState = new double[config.stateObservationIndex().length];
    reset();
  }

  /** Forgets the episode: no action sent, no bias, no last state. */
  void reset() {
    sentActions.clear();
    Arrays.fill(bias, 0.0);
    lastState = null;
    lastPending = null;
  }

  /** Forgets the last state (the measurements were not usable): no bias update next step. */
  void forget() {
    lastState = null;
  }

  /**
   * Starts a step's predictions: updates the bias from last step's prediction error and remembers
   * this step's state and pending inputs for the next update.
   */
  void begin(double[] state, double[] previousApplied, double[][] pending) {
    updateBias(state, previousApplied, bias);
    lastState = state;
    lastPending = pending;
  }

  double[] stateFrom(PlantSnapshot plant) {
    int[] index = c.stateObservationIndex();
    double[] state = new double[index.length];
    for (int s = 0; s < index.length; s++) {
      state[s] = plant.value(index[s]);
    }
    return state;
  }

  /** Appends the action sent last step to the dead-time queue, keeping its length. */
  void remember(double[] previousApplied) {
    remember(sentActions, previousApplied);
  }

  /** Appends the action sent last step to the dead-time queue, keeping its length. */
  private void remember(Deque<double[]> sent, double[] previousApplied) {
    int delay = c.predictor().deadTimeSteps();
    if (delay == 0 || previousApplied == null || previousApplied.length != actions) {
      return;
    }
    for (double v : previousApplied) {
      if (!Double.isFinite(v)) {
        return;
      }
    }
    sent.addLast(previousApplied.clone());
    while (sent.size() > delay) {
      sent.removeFirst();
    }
  }

  /** The inputs still travelling through the dead time. */
  double[][] pendingInputs() {
    return sentActions.toArray(new double[0][]);
  }

  /** The inputs that will be pending once {@code previousApplied} is remembered (a copy). */
  double[][] pendingAfter(double[] previousApplied) {
    Deque<double[]> sent = new ArrayDeque<>(sentActions);
    remember(sent, previousApplied);
    return sent.toArray(new double[0][]);
  }

  /** The bias {@link #begin} would leave for {@code state}, on a copy. */
  double[] biasAfter(double[] state, double[] previousApplied) {
    double[] stepBias = new double[bias.length];
    updateBias(state, previousApplied, stepBias);
    return stepBias;
  }

  /**
   * Predicts the candidate held over the horizon, one step at a time with the estimated bias added
   * after each, and stops at the first step that violates a constraint (a safe candidate is
   * predicted over the whole horizon; an unsafe one is not integrated further, which spares, e.g.,
   * a predicted ignition). Returns the worst margin found: >= 0 means predicted safe. Fills {@code
   * perConstraint} with each constraint's worst margin up to there, when given, and leaves in
   * {@link #lastViolation()} the rank of an unsafe candidate (see {@link #violationRank}).
   */
  double predictMargins(
      double[] state, double[][] pending, double[] candidate, double[] perConstraint) {
    return predictMargins(state, pending, candidate, perConstraint, bias);
  }

  double predictMargins(
      double[] state,
      double[][] pending,
      double[] candidate,
      double[] perConstraint,
      double[] stepBias) {
    List<StateConstraint> constraints = c.constraints();
    int[] constrained = c.constraintStateIndex();
    if (perConstraint != null) {
      Arrays.fill(perConstraint, Double.POSITIVE_INFINITY);
    }
    double worst = Double.POSITIVE_INFINITY;
    double[] x = scratchState;
    System.arraycopy(state, 0, x, 0, x.length);
    int delay = c.predictor().deadTimeSteps();
    lastViolation = 0;
    for (int step = 0; step < horizon; step++) {
      c.predictor()
          .advance(x, PredictiveModel.actingInput(step, delay, pending, candidate), stepBias);
      for (int k = 0; k < constraints.size(); k++) {
        if (step >= constraints.get(k).horizon()) {
          continue;
        }
        double m = constraints.get(k).margin(x[constrained[k]]);
        if (perConstraint != null) {
          perConstraint[k] = Math.min(perConstraint[k], m);
        }
        worst = Math.min(worst, m);
      }
      if (worst < 0) {
        lastViolation = violationRank(step, worst);
        break;
      }
    }
    return worst;
  }

  /** Returns the rank of the last unsafe prediction (see {@link #violationRank}). */
  double lastViolation() {
    return lastViolation;
  }

  /**
   * Ranks a candidate none of whose predictions is safe, lower being better: the later its first
   * violation, the better (an early violation is the urgent one; later ones can still be corrected
   * by the next decisions), then the smaller the violation at that step. This makes the shield cool
   * a reactor that is already too hot even when holding that cooling for the whole horizon would
   * undershoot the lower bound.
   */
  private double violationRank(int firstViolatedStep, double margin) {
    double size = Double.isInfinite(margin) ? 1e9 : Math.min(1e9, -margin);
    return (horizon - firstViolatedStep) * 1e10 + size;
  }

  /**
   * Updates the bias from the error of last step's one-step prediction: the measured state minus
   * what the model (plus the current bias) predicted from the last measured state with the action
   * that was then applied. Exponentially filtered against noise and bounded per state.
   */
  private void updateBias(double[] state, double[] previousApplied, double[] into) {
    if (into != bias) {
      System.arraycopy(bias, 0, into, 0, bias.length);
    }
    if (c.biasFilter() <= 0 || lastState == null || limits.reference(previousApplied) == null) {
      return;
    }
    double[] predicted = lastState.clone();
    c.predictor()
        .advance(
            predicted,
            PredictiveModel.actingInput(
                0, c.predictor().deadTimeSteps(), lastPending, previousApplied),
            null);
    for (int s = 0; s < bias.length; s++) {
      double error = state[s] - predicted[s];
      if (!Double.isFinite(error)) {
        return;
      }
      double limit = c.maxBiasPerStep()[s];
      double b = into[s] + c.biasFilter() * (error - into[s]);
      into[s] = Math.max(-limit, Math.min(limit, b));
    }
  }

  /**
   * Looks for a predicted-safe action inside the rate-feasible box when the fallback is not safe:
   * each action in turn walks a grid across its feasible range (the others at the box centre).
   * Returns the safe point nearest the candidate or, when none is safe, the least violating one
   * (see {@link #violationRank}); {@link #searchMargin()} and {@link #searchRank()} give its margin
   * and rank.
   */
  double[] searchSafe(double[] state, double[][] pending, double[] reference, double[] candidate) {
    double[] lo = new double[actions];
    double[] hi = new double[actions];
    double[] centre = new double[actions];
    for (int i = 0; i < actions; i++) {
      lo[i] = limits.low(i, reference);
      hi[i] = limits.high(i, reference);
      centre[i] = 0.5 * (lo[i] + hi[i]);
    }
    double[] bestSafe = null;
    double bestSafeMargin = Double.NaN;
    double bestDistance = Double.POSITIVE_INFINITY;
    double[] bestAny = null;
    double bestAnyMargin = Double.NaN;
    double bestAnyRank = Double.POSITIVE_INFINITY;
    int points = c.searchPoints();
    for (int i = 0; i < actions; i++) {
      for (int p = 0; p < points; p++) {
        double[] trial = centre.clone();
        trial[i] = lo[i] + (hi[i] - lo[i]) * p / (points - 1);
        double m = predictMargins(state, pending, trial, null);
        if (m >= 0) {
          double d = distance(trial, candidate);
          if (d < bestDistance) {
            bestDistance = d;
            bestSafe = trial;
            bestSafeMargin = m;
          }
        } else if (lastViolation < bestAnyRank) {
          bestAnyRank = lastViolation;
          bestAny = trial;
          bestAnyMargin = m;
        }
      }
    }
    if (bestSafe != null) {
      searchMargin = bestSafeMargin;
      searchRank = 0;
      return bestSafe;
    }
    searchMargin = bestAnyMargin;
    searchRank = bestAnyRank;
    return bestAny;
  }

  /** Returns the margin of the point the last {@link #searchSafe} returned. */
  double searchMargin() {
    return searchMargin;
  }

  /** Returns the rank of the point the last {@link #searchSafe} returned (0 when safe). */
  double searchRank() {
    return searchRank;
  }

  private double distance(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < actions; i++) {
      double d = (a[i] - b[i]) / limits.span(i);
      sum += d * d;
    }
    return sum;
  }
}
