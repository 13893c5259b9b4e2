package org.safeloop.shield;

import org.safeloop.env.SignalSpace;

/**
 * Checks every action a policy proposes before it may reach the process: input validity, hard
 * limits, rate limits, state constraints predicted with the process model, and a fallback. A
 * supervisory (BPCS-level) safeguard: it never replaces a plant's trips or safety instrumented
 * system.
 *
 * <p>Guarantees, for every call: the applied action is finite and inside the hard limits; it is
 * within the rate limits of {@code previousApplied} whenever that was itself inside the hard
 * limits; an action whose prediction violates a state constraint is never accepted unrepaired; the
 * same sequence of inputs gives the same decisions. No input makes {@link #decide} throw.
 *
 * <p>A shield keeps history (for frozen-value detection, the dead time and the degraded state), so
 * it serves one control loop; it is not thread-safe.
 */
public interface SafetyShield {

  /** Returns the shield's name. */
  String name();

  /** Returns the actions it checks, with their hard limits as ranges. */
  SignalSpace actionSpace();

  /** Returns the signals a {@link PlantSnapshot} must carry, in order. */
  SignalSpace observationSpace();

  /** Returns the control interval in seconds (for the per-minute rate limits). */
  double controlIntervalSeconds();

  /**
   * Decides what to apply. Never throws: malformed inputs lead to a fallback decision whose reasons
   * say what was wrong.
   *
   * @param plant the latest measurements
   * @param proposed the policy's proposed action, in action-space order
   * @param previousApplied the action applied at the previous step (the actuator's position)
   */
  ShieldDecision decide(PlantSnapshot plant, double[] proposed, double[] previousApplied);

  /**
   * Returns the actions {@link #decide} would accept unchanged at this step: the box of the hard
   * limits, the rate limits around {@code previousApplied} and, for a shield that predicts state
   * constraints, the part of it predicted safe (see {@link AdmissibleActions}). A query: it changes
   * none of the shield's history, so a policy may ask it before proposing, with the same arguments
   * {@link #decide} will get. Never throws; when the measurements a prediction needs are unusable
   * the box is the hard and rate limits alone (the decision then falls back whatever is proposed).
   */
  AdmissibleActions admissible(PlantSnapshot plant, double[] previousApplied);

  /**
   * Returns the state constraints it predicts and keeps (for displays: trends against their
   * bounds); empty for a shield that predicts none.
   */
  default java.util.List<org.safeloop.shield.constraint.StateConstraint> stateConstraints() {
    return java.util.List.of();
  }

  /** Returns how often the shield has acted since it was made. */
  ShieldCounters counters();

  /** Forgets the history of the current episode (counters are kept). */
  void reset();
}
