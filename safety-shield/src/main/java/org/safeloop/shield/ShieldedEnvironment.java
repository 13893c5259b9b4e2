package org.safeloop.shield;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.env.ForwardingEnvironment;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.StepResult;

/**
 * An environment whose every action passes the shield first: the agent trains with the shield in
 * the loop, exactly as it will be deployed. The step's info carries {@code shield_intervened} (0 or
 * 1), {@code shield_correction} (distance between proposed and applied action, normalised by the
 * action ranges) and {@code shield_verdict} (0 accepted, 1 repaired, 2 fallback); the {@link
 * ShieldPenalty} is charged to the reward and, if configured, to an extra cost entry.
 *
 * <p>Unlike a bare environment, a NaN or malformed action does not throw here: the shield replaces
 * it by its fallback. Not thread-safe.
 */
public final class ShieldedEnvironment extends ForwardingEnvironment {
  /** Name of the extra cost entry when {@link ShieldPenalty#cost()} is positive. */
  public static final String INTERVENTION_COST = "shield_intervention";

  private final ProcessEnvironment inner;
  private final SafetyShield shield;
  private final ShieldPenalty penalty;
  private final ObservationMapping mapping;
  private final List<String> constraintNames;
  private Observation lastObservation;
  private long step;
  private ShieldDecision lastDecision;

  /**
   * Wraps {@code inner}.
   *
   * @throws IllegalArgumentException if the shield needs a signal the environment does not observe
   *     or the two disagree on the actions
   */
  public ShieldedEnvironment(ProcessEnvironment inner, SafetyShield shield, ShieldPenalty penalty) {
    super(requireSameActions(inner, shield));
    this.inner = inner;
    this.shield = shield;
    this.penalty = penalty;
    this.mapping = new ObservationMapping(inner.observationSpace(), shield.observationSpace());
    List<String> names = new ArrayList<>(inner.constraintNames());
    if (penalty.cost() > 0) {
      names.add(INTERVENTION_COST);
    }
    this.constraintNames = List.copyOf(names);
  }

  @Override
  public Observation reset(long seed) {
    shield.reset();
    step = 0;
    lastDecision = null;
    lastObservation = inner.reset(seed);
    return lastObservation;
  }

  @Override
  public StepResult step(double[] action) {
    if (lastObservation == null) {
      throw new IllegalStateException("call reset(seed) before step");
    }
    double time = step * shield.controlIntervalSeconds();
    lastDecision =
        shield.decide(
            mapping.snapshot(lastObservation, time),
            action == null ? null : action.clone(),
            inner.lastAppliedAction());
    StepResult r = inner.step(lastDecision.appliedAction());
    step++;
    lastObservation = r.observation();

    boolean intervened = lastDecision.intervened();
    double correction = correction(action, lastDecision.appliedAction());
    double reward = r.reward();
    if (intervened) {
      reward -= penalty.reward() + penalty.rewardPerCorrection() * correction;
    }
    double[] costs = r.costs();
    if (penalty.cost() > 0) {
      double[] extended = new double[costs.length + 1];
      System.arraycopy(costs, 0, extended, 0, costs.length);
      extended[costs.length] = intervened ? penalty.cost() : 0.0;
      costs = extended;
    }
    Map<String, Double> diagnostics = new LinkedHashMap<>();
    diagnostics.put("shield_intervened", intervened ? 1.0 : 0.0);
    diagnostics.put("shield_correction", correction);
    diagnostics.put("shield_verdict", (double) lastDecision.verdict().ordinal());
    double[] requested = action == null ? new double[0] : action;
    return new StepResult(
        r.observation(),
        reward,
        costs,
        r.terminated(),
        r.truncated(),
        r.info().with(requested, diagnostics));
  }

  private double correction(double[] proposed, double[] applied) {
    SignalSpace space = shield.actionSpace();
    double sum = 0;
    for (int i = 0; i < applied.length; i++) {
      double p = proposed != null && i < proposed.length ? proposed[i] : Double.NaN;
      double d = Double.isFinite(p) ? (p - applied[i]) / space.get(i).span() : 1.0;
      sum += d * d;
    }
    return Math.sqrt(sum);
  }

  private static ProcessEnvironment requireSameActions(
      ProcessEnvironment inner, SafetyShield shield) {
    if (!inner.actionSpace().names().equals(shield.actionSpace().names())) {
      throw new IllegalArgumentException(
          "the shield checks actions "
              + shield.actionSpace().names()
              + " but the environment takes "
              + inner.actionSpace().names());
    }
    return inner;
  }

  /** Returns the decision behind the last step, or null before the first. */
  public ShieldDecision lastDecision() {
    return lastDecision;
  }

  /** Returns the shield. */
  public SafetyShield shield() {
    return shield;
  }

  @Override
  public List<String> constraintNames() {
    return constraintNames;
  }
}
