package org.safeloop.shield;

import org.safeloop.env.ForwardingEnvironment;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.StepResult;

/**
 * The environment an action-mapping agent learns in ({@link AdmissibleActionPolicy} is the same map
 * at evaluation and deployment): its observations are the shielded environment's followed by the
 * shield's admissible box ({@link AdmissibleActions#signals}), its actions lie in {@code [-1, 1]}
 * per action ({@link AdmissibleActions#unitSpace}), and each step maps the action onto the box
 * before the shield inside decides on it. Rewards, costs and the shield's diagnostics pass through
 * unchanged, so returns are the scenario's own. Not thread-safe.
 */
public final class AdmissibleActionEnvironment extends ForwardingEnvironment {
  private final ShieldedEnvironment shielded;
  private final ObservationMapping mapping;
  private final SignalSpace observations;
  private final SignalSpace unitActions;
  private Observation last;
  private AdmissibleActions box;
  private AdmissibleActions stepBox;

  /**
   * Wraps {@code environment}, a {@link ShieldedEnvironment} or a wrapper around one (an episode
   * monitor); the box comes from that shield.
   *
   * @throws IllegalArgumentException when there is no shield inside
   */
  public AdmissibleActionEnvironment(ProcessEnvironment environment) {
    super(environment);
    this.shielded = findShielded(environment);
    this.mapping =
        new ObservationMapping(
            environment.observationSpace(), shielded.shield().observationSpace());
    this.observations =
        AdmissibleActions.augmented(environment.observationSpace(), environment.actionSpace());
    this.unitActions = AdmissibleActions.unitSpace(environment.actionSpace());
  }

  private static ShieldedEnvironment findShielded(ProcessEnvironment environment) {
    ProcessEnvironment e = environment;
    while (true) {
      if (e instanceof ShieldedEnvironment s) {
        return s;
      }
      if (!(e instanceof ForwardingEnvironment f)) {
        throw new IllegalArgumentException(
            "choosing inside the shield's box needs a shield in the loop; "
                + environment.name()
                + " has none");
      }
      e = f.unwrapped();
    }
  }

  @Override
  public SignalSpace observationSpace() {
    return observations;
  }

  @Override
  public SignalSpace actionSpace() {
    return unitActions;
  }

  @Override
  public Observation reset(long seed) {
    last = super.reset(seed);
    stepBox = null;
    return withBox(last);
  }

  @Override
  public StepResult step(double[] unit) {
    if (last == null) {
      throw new IllegalStateException("call reset(seed) before step");
    }
    stepBox = box;
    StepResult r = super.step(box.map(unit));
    last = r.observation();
    return new StepResult(
        withBox(last), r.reward(), r.costs(), r.terminated(), r.truncated(), r.info());
  }

  /** The applied action in the unit box of the step that applied it (0 before the first step). */
  @Override
  public double[] lastAppliedAction() {
    double[] applied = shielded.lastAppliedAction();
    return stepBox == null ? new double[applied.length] : stepBox.unmap(applied);
  }

  private Observation withBox(Observation observation) {
    box =
        shielded
            .shield()
            .admissible(mapping.snapshot(observation, 0.0), shielded.lastAppliedAction());
    return box.appendTo(observation);
  }

  /** Returns the box the next action is mapped onto (the box of the latest observation). */
  public AdmissibleActions box() {
    return box;
  }
}
