package org.safeloop.shield;

import java.util.ArrayList;
import java.util.Arrays;
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
 * The shield as a stack of layers, cheapest first: input validity ({@link InputChecks}), hard
 * limits, rate limits with deadband ({@link ActionLimits}), state constraints predicted with the
 * process model ({@link StatePrediction}; repaired here by bisection toward a safe anchor), and the
 * fallback, with its counters and degraded state. The admissible box is {@link AdmissibleBox}.
 * Built by {@link Shields}. Not thread-safe.
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
  private final InputChecks inputs;
  private final ActionLimits limits;
  private final StatePrediction prediction;
  private final AdmissibleBox box;

  // Episode history of the fallback and the degraded state.
  private final boolean[] fallbackWindow;
  private int windowNext;
  private int windowFallbacks;
  private double[] lastSafe;
  private boolean pidActive;

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
    this.inputs = new InputChecks(config);
    this.limits = new ActionLimits(config);
    this.prediction = new StatePrediction(config, limits);
    this.box = new AdmissibleBox(config, limits, prediction);
    this.fallbackWindow = new boolean[config.degradedWindow()];
    this.byConstraint = new long[config.constraints().size()];
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
    inputs.reset();
    prediction.reset();
    Arrays.fill(fallbackWindow, false);
    windowNext = 0;
    windowFallbacks = 0;
    lastSafe = null;
    pidActive = false;
  }

  @Override
  public AdmissibleActions admissible(PlantSnapshot plant, double[] previousApplied) {
    return box.of(plant, previousApplied);
  }

  @Override
  public ShieldDecision decide(PlantSnapshot plant, double[] proposed, double[] previousApplied) {
    ShieldDecision d;
    try {
      d = decideLayers(plant, proposed, previousApplied);
    } catch (RuntimeException e) {
      // The contract is that decide never throws; a bug must still end in a safe action.
      LOG.error("shield {} failed; holding the last safe action", c.name(), e);
      double[] hold =
          limits.limit(safeHoldAction(previousApplied), limits.reference(previousApplied), null);
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
    double[] reference = limits.reference(previousApplied);
    prediction.remember(previousApplied);

    // Layer 1: input validity.
    boolean measurementsValid = inputs.measurements(plant, reasons);
    boolean proposalValid = inputs.proposal(proposed, reasons);
    if (!measurementsValid) {
      prediction.forget();
      double[] applied = limits.limit(fallbackAction(plant, previousApplied), reference, null);
      reasons.add(fallbackReason("measurements not trustworthy"));
      return finish(applied, proposed, Verdict.FALLBACK, reasons, Double.NaN, true);
    }

    // Layers 2 and 3: hard limits, rate limits, deadband.
    // The fallback is computed at most once per decision: a PID fallback advances its loops on
    // every call, so a second call would integrate twice in one control step.
    double[] fallback =
        proposalValid
            ? null
            : limits.limit(fallbackAction(plant, previousApplied), reference, null);
    double[] candidate = proposalValid ? limits.limit(proposed, reference, reasons) : fallback;
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
    double[] state = prediction.stateFrom(plant);
    double[][] pending = prediction.pendingInputs();
    prediction.begin(state, previousApplied, pending);
    double[] margins = new double[c.constraints().size()];
    double margin = prediction.predictMargins(state, pending, candidate, margins);
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
      fallback = limits.limit(fallbackAction(plant, previousApplied), reference, null);
    }
    double[] anchor = fallback;
    double anchorMargin = prediction.predictMargins(state, pending, fallback, null);
    double anchorViolation = prediction.lastViolation();
    boolean anchorIsFallback = true;
    if (anchorMargin < 0) {
      double[] searched = prediction.searchSafe(state, pending, reference, candidate);
      if (prediction.searchMargin() >= 0 || prediction.searchRank() < anchorViolation) {
        anchor = searched;
        anchorMargin = prediction.searchMargin();
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
      double m = prediction.predictMargins(state, pending, trial, null);
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

  // ---- helpers -------------------------------------------------------------------------------

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
    double[] ref = limits.reference(previousApplied);
    if (ref != null) {
      return ref;
    }
    if (lastSafe != null) {
      return lastSafe.clone();
    }
    double[] mid = new double[actions];
    for (int i = 0; i < actions; i++) {
      mid[i] = limits.middle(i);
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
  public List<StateConstraint> stateConstraints() {
    return c.constraints();
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
