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

  /**
   * Discount per prediction step when ranking candidates none of which is predicted safe: an
   * early violation weighs more than a late one, which later decisions can still correct. This
   * makes the shield cool a reactor that is already too hot even when holding that cooling for the
   * whole horizon would undershoot the lower bound.
   */
  static final double URGENCY = 0.3;

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
                  new Intervention(
                      Layer.FALLBACK, "shield", "internal error: " + e, Double.NaN)),
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
          !proposalValid ? Verdict.FALLBACK : reasons.isEmpty() ? Verdict.ACCEPTED : Verdict.REPAIRED;
      if (!proposalValid) {
        reasons.add(fallbackReason("proposal not usable"));
      }
      return finish(candidate, proposed, v, reasons, Double.POSITIVE_INFINITY, !proposalValid);
    }

    // Layer 4: state constraints predicted over the horizon.
    double[] state = stateFrom(plant);
    double[][] pending = pendingInputs();
    updateBias(state, previousApplied);
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
                  String.format(
                      "proposal predicted to cross %s by %.4g within %d steps",
                      describe(sc), -margins[k], sc.horizon()),
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
      double searchedMargin = predictMargins(state, pending, searched, null);
      if (searchedMargin >= 0 || lastViolation < anchorViolation) {
        anchor = searched;
        anchorMargin = searchedMargin;
        anchorIsFallback = false;
      }
    }
    if (anchorMargin < 0) {
      reasons.add(
          new Intervention(
              Layer.FALLBACK,
              "shield",
              String.format(
                  "no predicted-safe action; applied the least violating (margin %.4g)",
                  anchorMargin),
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
      c.fallbackPid().track(applied);
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
          new Intervention(
              Layer.INPUT_VALIDITY,
              "plant",
              "expected " + space.size() + " signals " + space.names() + ", got "
                  + (plant == null ? "none" : plant.size()),
              Double.NaN));
      return false;
    }
    boolean valid = true;
    boolean[] needed = new boolean[space.size()];
    for (int j : c.stateObservationIndex()) {
      needed[j] = true;
    }
    for (int j = 0; j < space.size(); j++) {
      MeasurementCheck check = c.checks()[j];
      double v = plant.value(j);
      boolean frozen = updateFrozen(j, v, check);
      if (check == null && !needed[j]) {
        continue;
      }
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
                  ? String.format("timestamp %.3g s in the future", -age)
                  : String.format("stale: %.3g s old, limit %.3g s", age, check.maxAgeS());
          margin = check.maxAgeS() - Math.abs(age);
        } else if (check.rangeMin() != null && v < check.rangeMin()) {
          problem = String.format("%.6g below instrument range %.6g", v, check.rangeMin());
          margin = v - check.rangeMin();
        } else if (check.rangeMax() != null && v > check.rangeMax()) {
          problem = String.format("%.6g above instrument range %.6g", v, check.rangeMax());
          margin = check.rangeMax() - v;
        } else if (frozen) {
          problem =
              String.format(
                  "frozen: unchanged within %.3g for %d samples",
                  check.frozenTolerance(), check.frozenSamples());
        }
      }
      if (problem != null) {
        valid = false;
        reasons.add(new Intervention(Layer.INPUT_VALIDITY, name, name + " " + problem, margin));
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
              "expected " + actions + " values " + c.actionSpace().names() + ", got "
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
                  String.format("%s %.6g clipped to hard limit %.6g", name, a, bound),
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
                    String.format(
                        "%s move %.4g limited to %.4g per step",
                        name, a - reference[i], bound - reference[i]),
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
                    String.format(
                        "%s move %.4g inside deadband %.4g: held", name, move, c.deadband()[i]),
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
    int delay = c.predictor().deadTimeSteps();
    if (delay == 0 || previousApplied == null || previousApplied.length != actions) {
      return;
    }
    for (double v : previousApplied) {
      if (!Double.isFinite(v)) {
        return;
      }
    }
    sentActions.addLast(previousApplied.clone());
    while (sentActions.size() > delay) {
      sentActions.removeFirst();
    }
  }

  private double[][] pendingInputs() {
    return sentActions.toArray(new double[0][]);
  }

  /**
   * Predicts the candidate held over the horizon and returns the worst margin over all
   * constraints (each over its own horizon); fills {@code perConstraint} when given. Also leaves
   * in {@link #lastViolation} the discounted sum of violations, which ranks unsafe candidates.
   */
  private double predictMargins(
      double[] state, double[][] pending, double[] candidate, double[] perConstraint) {
    double[][] path = predictPath(state, pending, candidate);
    double worst = Double.POSITIVE_INFINITY;
    double violation = 0;
    List<StateConstraint> constraints = c.constraints();
    for (int k = 0; k < constraints.size(); k++) {
      StateConstraint sc = constraints.get(k);
      int s = c.constraintStateIndex()[k];
      double m = Double.POSITIVE_INFINITY;
      double weight = 1.0;
      for (int step = 0; step < sc.horizon(); step++) {
        double stepMargin = sc.margin(path[step][s]);
        m = Math.min(m, stepMargin);
        if (stepMargin < 0) {
          violation += weight * (Double.isInfinite(stepMargin) ? 1e300 : -stepMargin);
        }
        weight *= URGENCY;
      }
      if (perConstraint != null) {
        perConstraint[k] = m;
      }
      worst = Math.min(worst, m);
    }
    lastViolation = violation;
    return worst;
  }

  /** The model's prediction, shifted step by step by the estimated bias. */
  private double[][] predictPath(double[] state, double[][] pending, double[] candidate) {
    boolean biased = false;
    for (double b : bias) {
      biased |= b != 0.0;
    }
    if (!biased) {
      return c.predictor().predict(state, pending, candidate, horizon);
    }
    double[][] path = new double[horizon][];
    double[] x = state;
    for (int k = 0; k < horizon; k++) {
      double[][] stillPending =
          k < pending.length ? Arrays.copyOfRange(pending, k, pending.length) : new double[0][];
      double[] next = c.predictor().predict(x, stillPending, candidate, 1)[0];
      for (int s = 0; s < next.length; s++) {
        next[s] += bias[s];
      }
      path[k] = next;
      x = next;
    }
    return path;
  }

  /**
   * Updates the bias from the error of last step's one-step prediction: the measured state minus
   * what the model (plus the current bias) predicted from the last measured state with the action
   * that was then applied. Exponentially filtered against noise and bounded per state.
   */
  private void updateBias(double[] state, double[] previousApplied) {
    if (c.biasFilter() <= 0 || lastState == null || reference(previousApplied) == null) {
      return;
    }
    double[] predicted = c.predictor().predict(lastState, lastPending, previousApplied, 1)[0];
    for (int s = 0; s < bias.length; s++) {
      double error = state[s] - predicted[s];
      if (!Double.isFinite(error)) {
        return;
      }
      double limit = c.maxBiasPerStep()[s];
      bias[s] += c.biasFilter() * (error - bias[s]);
      bias[s] = Math.max(-limit, Math.min(limit, bias[s]));
    }
  }

  /**
   * Looks for a predicted-safe action inside the rate-feasible box when the fallback is not safe:
   * each action in turn walks a grid across its feasible range (the others at the box centre).
   * Returns the safe point nearest the candidate or, when none is safe, the least violating one
   * (smallest discounted violation, see {@link #URGENCY}).
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
    double bestDistance = Double.POSITIVE_INFINITY;
    double[] bestAny = centre;
    predictMargins(state, pending, centre, null);
    double bestAnyViolation = lastViolation;
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
          }
        }
        if (lastViolation < bestAnyViolation) {
          bestAnyViolation = lastViolation;
          bestAny = trial;
        }
      }
    }
    return bestSafe != null ? bestSafe : bestAny;
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

  private static String describe(StateConstraint sc) {
    if (sc.min() != null && sc.max() != null) {
      return sc.min() + " <= " + sc.variable() + " <= " + sc.max();
    }
    return sc.variable() + (sc.max() != null ? " <= " + sc.max() : " >= " + sc.min());
  }

  // ---- fallback ------------------------------------------------------------------------------

  private double[] fallbackAction(PlantSnapshot plant, double[] previousApplied) {
    switch (c.fallbackType()) {
      case "fixed":
        return c.fixedFallback().clone();
      case "pid":
        if (c.fallbackPid() != null && plant != null && plant.size() == c.observationSpace().size()) {
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
