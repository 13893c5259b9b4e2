package org.safeloop.shield;

import org.safeloop.env.Observation;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.control.Policy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A policy wrapped in a shield, looking like any other policy to its caller: every action it
 * returns is the shield's decision on what the wrapped policy proposed. An exception from the
 * wrapped policy becomes a fallback decision, never an exception out of the loop. Not thread-safe.
 */
public final class ShieldedPolicy implements Policy {
  private static final Logger LOG = LoggerFactory.getLogger(ShieldedPolicy.class);

  private final Policy inner;
  private final SafetyShield shield;
  private final ObservationMapping mapping;
  private final double[] initialAction;
  private double[] lastApplied;
  private long step;
  private ShieldDecision lastDecision;

  /**
   * Wraps {@code inner}.
   *
   * @param inner the policy whose proposals are checked
   * @param shield the shield
   * @param observationSpace the space of the observations {@link #act} receives
   * @param initialAction the actuator position at the start of an episode
   * @throws IllegalArgumentException if the shield needs a signal the observations lack
   */
  public ShieldedPolicy(
      Policy inner, SafetyShield shield, SignalSpace observationSpace, double[] initialAction) {
    this.inner = inner;
    this.shield = shield;
    this.mapping = new ObservationMapping(observationSpace, shield.observationSpace());
    this.initialAction = initialAction.clone();
    this.lastApplied = initialAction.clone();
  }

  @Override
  public double[] act(Observation observation) {
    double[] proposed;
    try {
      proposed = inner.act(observation);
    } catch (RuntimeException e) {
      LOG.warn("policy failed; the shield falls back", e);
      proposed = null;
    }
    double time = step * shield.controlIntervalSeconds();
    step++;
    lastDecision = shield.decide(mapping.snapshot(observation, time), proposed, lastApplied);
    lastApplied = lastDecision.appliedAction();
    inner.applied(lastApplied);
    return lastDecision.appliedAction();
  }

  @Override
  public void reset() {
    inner.reset();
    shield.reset();
    lastApplied = initialAction.clone();
    step = 0;
    lastDecision = null;
  }

  /** Returns the decision behind the last action, or null before the first. */
  public ShieldDecision lastDecision() {
    return lastDecision;
  }

  /** Returns the shield. */
  public SafetyShield shield() {
    return shield;
  }
}
