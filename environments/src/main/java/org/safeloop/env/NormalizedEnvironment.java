package org.safeloop.env;

/**
 * The view an agent sees: observations mapped onto [-1, 1] over each signal's range, actions taken
 * in [-1, 1] and mapped back onto the actuator limits. Rewards, costs, states and diagnostics stay
 * in engineering units. A NaN observation (a dropout) stays NaN with its BAD quality.
 *
 * <p>Not thread-safe, like the environment it wraps.
 */
public final class NormalizedEnvironment extends ForwardingEnvironment {
  private final ProcessEnvironment inner;
  private final SignalSpace observationSpace;
  private final SignalSpace actionSpace;

  /** Wraps {@code inner}. */
  public NormalizedEnvironment(ProcessEnvironment inner) {
    super(inner);
    this.inner = inner;
    this.observationSpace = inner.observationSpace().normalisedView();
    this.actionSpace = inner.actionSpace().normalisedView();
  }

  @Override
  public SignalSpace observationSpace() {
    return observationSpace;
  }

  @Override
  public SignalSpace actionSpace() {
    return actionSpace;
  }

  @Override
  public Observation reset(long seed) {
    return normalise(inner.reset(seed));
  }

  /**
   * Applies a normalised action: each entry is clipped to [-1, 1] and mapped onto the actuator
   * range.
   */
  @Override
  public StepResult step(double[] normalisedAction) {
    actionSpace.checkLength(normalisedAction);
    double[] clipped = new double[normalisedAction.length];
    for (int i = 0; i < clipped.length; i++) {
      double a = normalisedAction[i];
      if (!Double.isFinite(a)) {
        throw new IllegalArgumentException(
            "action " + actionSpace.get(i).name() + " is " + a + "; actions must be finite");
      }
      clipped[i] = Math.max(-1.0, Math.min(1.0, a));
    }
    StepResult r = inner.step(inner.actionSpace().denormalise(clipped));
    return new StepResult(
        normalise(r.observation()), r.reward(), r.costs(), r.terminated(), r.truncated(), r.info());
  }

  @Override
  public double[] lastAppliedAction() {
    return inner.actionSpace().normalise(inner.lastAppliedAction());
  }

  private Observation normalise(Observation o) {
    return new Observation(inner.observationSpace().normalise(o.values()), o.qualities());
  }
}
