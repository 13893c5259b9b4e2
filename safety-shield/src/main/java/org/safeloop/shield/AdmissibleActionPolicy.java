package org.safeloop.shield;

import java.util.Objects;
import org.safeloop.env.Observation;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.control.Policy;

/**
 * An action-mapping policy: before each move it asks the shield for the box of actions it would
 * accept unchanged ({@link SafetyShield#admissible}), shows the box to the learned policy as extra
 * observations ({@link AdmissibleActions#signals}), and maps the learned policy's answer in {@code
 * [-1, 1]} onto the box ({@link AdmissibleActions#map}). The learned part chooses where inside the
 * shield's limits to move rather than proposing a move for the shield to cut back; the shield still
 * decides every action afterwards, so nothing about safety depends on this class.
 *
 * <p>Ask the same shield instance that decides (it holds the bias and dead-time history the box
 * depends on); the previous applied action comes from {@link #applied}, or, when no one reports it,
 * is taken to be the action returned. Not thread-safe.
 */
public final class AdmissibleActionPolicy implements Policy {
  private final Policy mapped;
  private final SafetyShield shield;
  private final ObservationMapping mapping;
  private final double[] initialAction;
  private double[] lastApplied;
  private AdmissibleActions lastBox;

  /**
   * Wraps a learned policy.
   *
   * @param mapped the learned policy: it reads the observations followed by the box and answers one
   *     value in {@code [-1, 1]} per action
   * @param shield the shield whose box is used (the one that decides the moves)
   * @param observationSpace the space of the observations {@link #act} receives
   * @param initialAction the actuator position at the start of an episode
   * @throws IllegalArgumentException if the shield needs a signal the observations lack
   */
  public AdmissibleActionPolicy(
      Policy mapped, SafetyShield shield, SignalSpace observationSpace, double[] initialAction) {
    this.mapped = Objects.requireNonNull(mapped, "mapped");
    this.shield = Objects.requireNonNull(shield, "shield");
    this.mapping = new ObservationMapping(observationSpace, shield.observationSpace());
    this.initialAction = initialAction.clone();
    this.lastApplied = initialAction.clone();
  }

  @Override
  public double[] act(Observation observation) {
    return act(observation, mapping.snapshot(observation, 0.0), lastApplied);
  }

  /**
   * Chooses inside the box of exactly the inputs the shield's next decision gets: for a runner
   * whose previous action is not the one it last reported (the bridge reads the set point in force
   * back from the PLC) and whose readings carry their own timestamps.
   *
   * @param observation the observation, in the space given at construction
   * @param plant the snapshot the shield will decide on
   * @param previousApplied the previous action the shield will be given
   */
  public double[] act(Observation observation, PlantSnapshot plant, double[] previousApplied) {
    lastBox = shield.admissible(plant, previousApplied);
    double[] action = lastBox.map(mapped.act(lastBox.appendTo(observation)));
    lastApplied = action.clone();
    return action;
  }

  @Override
  public void applied(double[] appliedAction) {
    lastApplied = appliedAction.clone();
    mapped.applied(lastBox == null ? appliedAction : lastBox.unmap(appliedAction));
  }

  @Override
  public void reset() {
    mapped.reset();
    lastApplied = initialAction.clone();
    lastBox = null;
  }

  /** Returns the learned policy that chooses inside the box. */
  public Policy mapped() {
    return mapped;
  }

  /** Returns the box behind the last action, or null before the first. */
  public AdmissibleActions lastBox() {
    return lastBox;
  }
}
