package org.safeloop.env.control;

import org.safeloop.env.Observation;

/**
 * Anything that turns an observation into an action: a PID, a learned policy, a shielded policy.
 *
 * <p>Actions are in the engineering units of the environment's action space, in its order, unless
 * the policy is documented to work on a normalised view. A policy may keep internal state (a PID's
 * integral); {@link #reset()} clears it at the start of an episode. Implementations are not
 * required to be thread-safe.
 */
@FunctionalInterface
public interface Policy {

  /**
   * Returns the action for this observation (a new array the caller may keep).
   *
   * @param observation values and qualities in the order of the observation space
   */
  double[] act(Observation observation);

  /**
   * Tells the policy which action the plant really received after this step's {@link #act}: the
   * shield's decision, clipped by the actuator, or held by a downstream limit. Whoever runs a
   * policy calls it once per step, so that a policy with state (a PID's integral, for anti-windup)
   * tracks the plant rather than its own proposal. The default does nothing.
   *
   * @param appliedAction the applied action, in the action space's order and units
   */
  default void applied(double[] appliedAction) {}

  /** Clears internal state at the start of an episode. The default does nothing. */
  default void reset() {}
}
