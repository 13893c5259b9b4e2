package org.safeloop.shield;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.env.Observation;
import org.safeloop.env.PredictiveModel;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.control.PidPolicy;
import org.safeloop.shield.constraint.ShieldSpec.MeasurementCheck;
import org.safeloop.shield.constraint.StateConstraint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shield as a stack of layers, cheapest first: input validity, hard limits, rate limits (with
 * deadband), state constraints predicted with the process model (repaired by bisection toward a
 * safe anchor), fallback. Built by {@link Shields}. Not thread-safe.
 */
final class LayeredShield implements SafetyShield {
  private static final Logger LOG = LoggerFactory.getLogger(LayeredShield.class);

  /** Resolved configuration, indices already mapped onto the shield's spaces. */
  record Config(
      String name,
      SignalSpace observationSpace,
      SignalSpace actionSpace,
      double controlIntervalSeconds,
      double[] rateUp,
      double[] rateDown,
      double[] deadband,
      MeasurementCheck[] checks,
      int[] stateObservationIndex,
      List<StateConstraint> constraints,
      int[] constraintStateIndex,
      PredictiveModel predictor,
      String fallbackType,
      double[] fixedFallback,
      PidPolicy fallbackPid,
      double degradedFraction,
      int degradedWindow,
      int bisectionSteps,
      int searchPoints,
      double biasFilter,
      double[] maxBiasPerStep) {}

  private final Config c;
  private final int actions;
  private final double[] min;
  private final double[] max;
  private final int horizon;

  // Episode history.
  private final double[] frozenLast;
  private final int[] frozenCount;
  private final Deque<double[]> sentActions = new ArrayDeque<>();
  private final boolean[] fallbackWindow;
  private int windowNext;
  private int windowFallbacks;
  private double[] lastSafe;
  private boolean pidActive;
  private double lastViolation;
  private final double[] scratchState;
  private double searchMargin;
  private double searchRank;

  // Model-mismatch correction: a filtered one-step prediction error per state, added to every
  // predicted step (the bias update of industrial MPC).
  private final double[] bias;
  private double[] lastState;
  private double[][] lastPending;

  // Counters since creation.
  private long decisions;
  private long accepted;
  private long repaired;
  private long fallbacks;
  private final long[] byLayer = new long[Layer.values().length];
  private final long[] byConstraint;

  LayeredShield(Config config) {
    this.c = config;
    this.actions = config.actionSpace().size();
    this.min = new double[actions];
    this.max = new double[actions];
    for (int i = 0; i < actions; i++) {
      min[i] = config.actionSpace().get(i).min();
      max[i] = config.actionSpace().get(i).max();
    }
    int h = 0;
    for (StateConstraint sc : config.constraints()) {
      h = Math.max(h, sc.horizon());
    }
    this.horizon = h;
    this.frozenLast = new double[config.observationSpace().size()];
    this.frozenCount = new int[config.observationSpace().size()];
    this.fallbackWindow = new boolean[config.degradedWindow()];
    this.byConstraint = new long[config.constraints().size()];
    this.bias = new double[config.stateObservationIndex().length];
    this.scratchState = new double[config.stateObservationIndex().length];
    reset();
  }

  @Override
  public String name() {
    return c.name();
  }

  @Override
  public SignalSpace actionSpace() {
    return c.actionSpace();
  }

  @Override
  public SignalSpace observationSpace() {
    return c.observationSpace();
  }

  @Override
  public double controlIntervalSeconds() {
    return c.controlIntervalSeconds();
  }

  @Override
  public void reset() {
    Arrays.fill(frozenLast, Double.NaN);
    Arrays.fill(frozenCount, 0);
    sentActions.clear();
    Arrays.fill(fallbackWindow, false);
    windowNext = 0;
    windowFallbacks = 0;
    lastSafe = null;
    pidActive = false;
    Arrays.fill(bias, 0.0);
    lastState = null;
    lastPending = null;
  }

  @Override
  public ShieldDecision decide(PlantSnapshot plant, double[] proposed, double[] previousApplied) {
    ShieldDecision d;
    try {
      d = decideLayers(plant, proposed, previousApplied);
    } catch (RuntimeException e) {
      // The contract is that decide never throws; a bug must still end in a safe action.
      LOG.error("shield {} failed; holding the last safe action", c.name(), e);
      double[] hold = limit(safeHoldAction(previousApplied), reference(previousApplied), null);
      d =
          new ShieldDecision(
              hold,
              proposed == null ? null : proposed.clone(),
              Verdict.FALLBACK,
              List.of(
                  new Intervention(Layer.FALLBACK, "shield", "internal error: " + e, Double.NaN)),
              Double.NaN,
              isDegraded());
    }
    count(d);
    return d;
  }

  private ShieldDecision decideLayers(
      PlantSnapshot plant, double[] proposed, double[] previousApplied) {
    List<Intervention> reasons = new ArrayList<>(4);
    double[] reference = reference(previousApplied);
    rememberSent(previousApplied);

    // Layer 1: input validity.
    boolean measurementsValid = checkMeasurements(plant, reasons);
    boolean proposalValid = checkProposal(proposed, reasons);
    if (!measurementsValid) {
      lastState = null;
      double[] applied = limit(fallbackAction(plant, previousApplied), reference, null);
      reasons.add(fallbackReason("measurements not trustworthy"));
      return finish(applied, proposed, Verdict.FALLBACK, reasons, Double.NaN, true);
    }

    // Layers 2 and 3: hard limits, rate limits, deadband.
    // The fallback is computed at most once per decision: a PID fallback advances its loops on
    // every call, so a second call would integrate twice in one control step.
    double[] fallback =
        proposalValid ? null : limit(fallbackAction(plant, previousApplied), reference, null);
    double[] candidate = proposalValid ? limit(proposed, reference, reasons) : fallback;
    if (c.constraints().isEmpty()) {
      Verdict v =
          !proposalValid
              ? Verdict.FALLBACK
              : reasons.isEmpty() ? Verdict.ACCEPTED : Verdict.REPAIRED;
      if (!proposalValid) {
        reasons.add(fallbackReason("proposal not usable"));
      }
      return finish(candidate, proposed, v, reasons, Double.POSITIVE_INFINITY, !proposalValid);
    }

    // Layer 4: state constraints predicted over the horizon.
    double[] state = stateFrom(plant);
    double[][] pending = pendingInputs();
    updateBias(state, previousApplied, bias);
    lastState = state;
    lastPending = pending;
    double[] margins = new double[c.constraints().size()];
    double margin = predictMargins(state, pending, candidate, margins);
    if (margin >= 0 && proposalValid) {
      Verdict v = reasons.isEmpty() ? Verdict.ACCEPTED : Verdict.REPAIRED;
      return finish(candidate, proposed, v, reasons, margin, false);
    }
    if (proposalValid) {
      for (int k = 0; k < margins.length; k++) {
        if (margins[k] < 0) {
          StateConstraint sc = c.constraints().get(k);
          reasons.add(
              new Intervention(
                  Layer.STATE_CONSTRAINT,
                  sc.name(),
                  "proposal predicted to cross "
                      + describe(sc)
                      + " (by "
                      + round(-margins[k])
                      + " at the first crossing) within "
                      + sc.horizon()
                      + " steps",
                  margins[k]));
          byConstraint[k]++;
        }
      }
    }

    // Repair: bisect between a predicted-safe anchor and the (unsafe) candidate.
    if (fallback == null) {
      fallback = limit(fallbackAction(plant, previousApplied), reference, null);
    }
    double[] anchor = fallback;
    double anchorMargin = predictMargins(state, pending, fallback, null);
    double anchorViolation = lastViolation;
    boolean anchorIsFallback = true;
    if (anchorMargin < 0) {
      double[] searched = searchSafe(state, pending, reference, candidate);
      if (searchMargin >= 0 || searchRank < anchorViolation) {
        anchor = searched;
        anchorMargin = searchMargin;
        anchorIsFallback = false;
      }
    }
    if (anchorMargin < 0) {
      reasons.add(
          new Intervention(
              Layer.FALLBACK,
              "shield",
              "no predicted-safe action; applied the least violating (margin "
                  + round(anchorMargin)
                  + ")",
              anchorMargin));
      return finish(anchor, proposed, Verdict.FALLBACK, reasons, anchorMargin, anchorIsFallback);
    }
    if (!proposalValid) {
      reasons.add(fallbackReason("proposal not usable"));
      return finish(anchor, proposed, Verdict.FALLBACK, reasons, anchorMargin, anchorIsFallback);
    }
    double safe = 0.0;
    double unsafe = 1.0;
    double[] trial = new double[actions];
    double bestMargin = anchorMargin;
    for (int i = 0; i < c.bisectionSteps(); i++) {
      double mid = 0.5 * (safe + unsafe);
      interpolate(anchor, candidate, mid, trial);
      double m = predictMargins(state, pending, trial, null);
      if (m >= 0) {
        safe = mid;
        bestMargin = m;
      } else {
        unsafe = mid;
      }
    }
    double[] applied = new double[actions];
    interpolate(anchor, candidate, safe, applied);
    if (safe == 0.0 && anchorIsFallback) {
      reasons.add(fallbackReason("no part of the proposed move is predicted safe"));
      return finish(applied, proposed, Verdict.FALLBACK, reasons, bestMargin, true);
    }
    return finish(applied, proposed, Verdict.REPAIRED, reasons, bestMargin, false);
  }

  private ShieldDecision finish(
      double[] applied,
      double[] proposed,
      Verdict verdict,
      List<Intervention> reasons,
      double margin,
      boolean usedFallback) {
    // The fallback PID runs only while it drives; when it stops, it restarts bumplessly later.
    pidActive = pidActive && usedFallback;
    if (c.fallbackPid() != null && pidActive) {
      c.fallbackPid().applied(applied);
    }
    updateWindow(verdict == Verdict.FALLBACK);
    if (verdict != Verdict.FALLBACK) {
      lastSafe = applied.clone();
    }
    return new ShieldDecision(
        applied,
        proposed == null ? null : proposed.clone(),
        verdict,
        reasons,
        margin,
        isDegraded());
  }

  // ---- layer 1 -------------------------------------------------------------------------------

  private boolean checkMeasurements(PlantSnapshot plant, List<Intervention> reasons) {
    SignalSpace space = c.observationSpace();
    if (plant == null || plant.size() != space.size()) {
      reasons.add(
          Intervention.onMeasurement(
              "plant",
              "expected "
                  + space.size()
                  + " signals "
                  + space.names()
                  + ", got "
                  + (plant == null ? "none" : plant.size()),
              Double.NaN));
      return false;
    }
    boolean valid = true;
    for (int j = 0; j < space.size(); j++) {
      MeasurementCheck check = c.checks()[j];
      double v = plant.value(j);
      boolean frozen = updateFrozen(j, v, check);
      // Every signal is judged on quality and value, checked or not: the shield is the one judge
      // of its inputs (a deployment hands it every reading the policy acts on).
      String name = space.get(j).name();
      String problem = null;
      double margin = Double.NaN;
      Quality q = plant.quality(j);
      boolean acceptUncertain = check != null && check.acceptsUncertain();
      if (q == null || q == Quality.BAD) {
        problem = "bad quality";
      } else if (q == Quality.UNCERTAIN && !acceptUncertain) {
        problem = "uncertain quality (configured to reject)";
      } else if (!Double.isFinite(v)) {
        problem = "value is " + v;
      } else if (check != null) {
        double age = plant.age(j);
        if (check.maxAgeS() != null && !(Math.abs(age) <= check.maxAgeS())) {
          problem =
              age < 0
                  ? "timestamp " + round(-age) + " s in the future"
                  : "stale: " + round(age) + " s old, limit " + round(check.maxAgeS()) + " s";
          margin = check.maxAgeS() - Math.abs(age);
        } else if (check.rangeMin() != null && v < check.rangeMin()) {
          problem = round(v) + " below instrument range " + round(check.rangeMin());
          margin = v - check.rangeMin();
        } else if (check.rangeMax() != null && v > check.rangeMax()) {
          problem = round(v) + " above instrument range " + round(check.rangeMax());
          margin = check.rangeMax() - v;
        } else if (frozen) {
          problem =
              "frozen: unchanged within "
                  + round(check.frozenTolerance())
                  + " for "
                  + check.frozenSamples()
                  + " samples";
        }
      }
      if (problem != null) {
        valid = false;
        reasons.add(Intervention.onMeasurement(name, name + " " + problem, margin));
      }
    }
    return valid;
  }

  private boolean updateFrozen(int j, double v, MeasurementCheck check) {
    if (check == null || check.frozenSamples() == null || !Double.isFinite(v)) {
      return false;
    }
    if (Double.isFinite(frozenLast[j]) && Math.abs(v - frozenLast[j]) <= check.frozenTolerance()) {
      frozenCount[j]++;
    } else {
      frozenCount[j] = 0;
    }
    frozenLast[j] = v;
    return frozenCount[j] >= check.frozenSamples() - 1;
  }

  private boolean checkProposal(double[] proposed, List<Intervention> reasons) {
    if (proposed == null || proposed.length != actions) {
      reasons.add(
          new Intervention(
              Layer.INPUT_VALIDITY,
              "proposal",
              "expected "
                  + actions
                  + " values "
                  + c.actionSpace().names()
                  + ", got "
                  + (proposed == null ? "none" : proposed.length),
              Double.NaN));
      return false;
    }
    for (int i = 0; i < actions; i++) {
      if (!Double.isFinite(proposed[i])) {
        String name = c.actionSpace().get(i).name();
        reasons.add(
            new Intervention(
                Layer.INPUT_VALIDITY, name, "proposed " + name + " is " + proposed[i], Double.NaN));
        return false;
      }
    }
    return true;
  }

  // ---- layers 2 and 3 ------------------------------------------------------------------------

  /** The previous applied action if it is usable as a rate-limit reference, else null. */
  private double[] reference(double[] previousApplied) {
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
  private double[] limit(double[] action, double[] reference, List<Intervention> reasons) {
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
                  name + " " + round(a) + " clipped to hard limit " + round(bound),
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
                        + round(a - reference[i])
                        + " limited to "
                        + round(bound - reference[i])
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
                        + round(move)
                        + " inside deadband "
                        + round(c.deadband()[i])
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

  // ---- layer 4 -------------------------------------------------------------------------------

  private double[] stateFrom(PlantSnapshot plant) {
    int[] index = c.stateObservationIndex();
    double[] state = new double[index.length];
    for (int s = 0; s < index.length; s++) {
      state[s] = plant.value(index[s]);
    }
    return state;
  }

  private void rememberSent(double[] previousApplied) {
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

  private double[][] pendingInputs() {
    return sentActions.toArray(new double[0][]);
  }

  /**
   * Predicts the candidate held over the horizon, one step at a time with the estimated bias added
   * after each, and stops at the first step that violates a constraint (a safe candidate is
   * predicted over the whole horizon; an unsafe one is not integrated further, which spares, e.g.,
   * a predicted ignition). Returns the worst margin found: >= 0 means predicted safe. Fills {@code
   * perConstraint} with each constraint's worst margin up to there, when given, and leaves in
   * {@link #lastViolation} the rank of an unsafe candidate (see {@link #violationRank}).
   */
  private double predictMargins(
      double[] state, double[][] pending, double[] candidate, double[] perConstraint) {
    return predictMargins(state, pending, candidate, perConstraint, bias);
  }

  private double predictMargins(
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
    if (c.biasFilter() <= 0 || lastState == null || reference(previousApplied) == null) {
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
   * (see {@link #violationRank}); {@link #searchMargin} and {@link #searchRank} hold its margin and
   * rank.
   */
  private double[] searchSafe(
      double[] state, double[][] pending, double[] reference, double[] candidate) {
    double[] lo = new double[actions];
    double[] hi = new double[actions];
    double[] centre = new double[actions];
    for (int i = 0; i < actions; i++) {
      lo[i] = reference == null ? min[i] : Math.max(min[i], reference[i] - c.rateDown()[i]);
      hi[i] = reference == null ? max[i] : Math.min(max[i], reference[i] + c.rateUp()[i]);
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

  private double distance(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < actions; i++) {
      double d = (a[i] - b[i]) / (max[i] - min[i]);
      sum += d * d;
    }
    return sum;
  }

  private static void interpolate(double[] from, double[] to, double t, double[] out) {
    for (int i = 0; i < out.length; i++) {
      out[i] = from[i] + t * (to[i] - from[i]);
    }
  }

  /**
   * Rounds for messages without String.format, which costs microseconds: decisions are on the
   * control loop's critical path.
   */
  static String round(double value) {
    if (!Double.isFinite(value)) {
      return Double.toString(value);
    }
    double magnitude = Math.abs(value);
    double scale = magnitude >= 100 ? 100 : magnitude >= 1 ? 1e3 : 1e6;
    return Double.toString(Math.round(value * scale) / scale);
  }

  private static String describe(StateConstraint sc) {
    if (sc.min() != null && sc.max() != null) {
      return sc.min() + " <= " + sc.variable() + " <= " + sc.max();
    }
    return sc.variable() + (sc.max() != null ? " <= " + sc.max() : " >= " + sc.min());
  }

  // ---- the admissible box (a query) ---------------------------------------------------------

  /** Resolution of the box's predicted-safe edges: 1/4096 of the rate-feasible interval. */
  private static final int ADMISSIBLE_BISECTION_STEPS = 12;

  @Override
  public AdmissibleActions admissible(PlantSnapshot plant, double[] previousApplied) {
    double[] reference = reference(previousApplied);
    double[] lo = new double[actions];
    double[] hi = new double[actions];
    for (int i = 0; i < actions; i++) {
      lo[i] = reference == null ? min[i] : Math.max(min[i], reference[i] - c.rateDown()[i]);
      hi[i] = reference == null ? max[i] : Math.min(max[i], reference[i] + c.rateUp()[i]);
    }
    try {
      double[] state = c.constraints().isEmpty() ? null : usableState(plant);
      if (state != null) {
        // What decide will see for this step, computed on copies: the dead-time queue with the
        // previous action appended, and the bias updated from last step's prediction error.
        Deque<double[]> sent = new ArrayDeque<>(sentActions);
        remember(sent, previousApplied);
        double[] stepBias = new double[bias.length];
        updateBias(state, previousApplied, stepBias);
        narrowToPredictedSafe(state, sent.toArray(new double[0][]), stepBias, reference, lo, hi);
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
    double[] state = stateFrom(plant);
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
    return predictMargins(state, pending, trial, null, stepBias) >= 0;
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
      } else if (lastViolation < leastRank) {
        leastRank = lastViolation;
        leastViolating = v;
      }
    }
    if (Double.isNaN(best)) {
      lo[i] = leastViolating;
      hi[i] = leastViolating;
    }
    return best;
  }

  // ---- fallback ------------------------------------------------------------------------------

  private double[] fallbackAction(PlantSnapshot plant, double[] previousApplied) {
    switch (c.fallbackType()) {
      case "fixed":
        return c.fixedFallback().clone();
      case "pid":
        if (c.fallbackPid() != null
            && plant != null
            && plant.size() == c.observationSpace().size()) {
          if (!pidActive) {
            c.fallbackPid().resetTo(safeHoldAction(previousApplied));
            pidActive = true;
          }
          Observation o = new Observation(plant.values(), sanitized(plant.qualities()));
          return c.fallbackPid().act(o);
        }
        return safeHoldAction(previousApplied);
      default:
        return safeHoldAction(previousApplied);
    }
  }

  private static Quality[] sanitized(Quality[] qualities) {
    Quality[] q = qualities.clone();
    for (int i = 0; i < q.length; i++) {
      if (q[i] == null) {
        q[i] = Quality.BAD;
      }
    }
    return q;
  }

  /** The last safe action, else the previous applied one if usable, else mid-range. */
  private double[] safeHoldAction(double[] previousApplied) {
    double[] ref = reference(previousApplied);
    if (ref != null) {
      return ref;
    }
    if (lastSafe != null) {
      return lastSafe.clone();
    }
    double[] mid = new double[actions];
    for (int i = 0; i < actions; i++) {
      mid[i] = 0.5 * (min[i] + max[i]);
    }
    return mid;
  }

  private static Intervention fallbackReason(String why) {
    return new Intervention(Layer.FALLBACK, "shield", why + ": fallback applied", Double.NaN);
  }

  // ---- counters and degraded state -----------------------------------------------------------

  private void updateWindow(boolean fallback) {
    if (fallbackWindow[windowNext]) {
      windowFallbacks--;
    }
    fallbackWindow[windowNext] = fallback;
    if (fallback) {
      windowFallbacks++;
    }
    windowNext = (windowNext + 1) % fallbackWindow.length;
  }

  private boolean isDegraded() {
    return windowFallbacks > c.degradedFraction() * fallbackWindow.length;
  }

  private void count(ShieldDecision d) {
    decisions++;
    switch (d.verdict()) {
      case ACCEPTED -> accepted++;
      case REPAIRED -> repaired++;
      case FALLBACK -> fallbacks++;
    }
    for (Intervention i : d.interventions()) {
      byLayer[i.layer().ordinal()]++;
    }
  }

  @Override
  public ShieldCounters counters() {
    Map<Layer, Long> layers = new EnumMap<>(Layer.class);
    for (Layer l : Layer.values()) {
      layers.put(l, byLayer[l.ordinal()]);
    }
    Map<String, Long> constraints = new LinkedHashMap<>();
    for (int k = 0; k < byConstraint.length; k++) {
      constraints.put(c.constraints().get(k).name(), byConstraint[k]);
    }
    return new ShieldCounters(
        decisions, accepted, repaired, fallbacks, layers, constraints, isDegraded());
  }
}
