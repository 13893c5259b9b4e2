package org.safeloop.env.control;

import java.util.Objects;
import org.safeloop.env.ForwardingEnvironment;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.StepResult;

/**
 * The environment a residual agent learns in: its action is the correction ({@link
 * ResidualPolicy#correctionSpace}, plus or minus the bound of each action), and each step applies
 * {@link ResidualPolicy#combine} of the base controller's move on the latest observation and that
 * correction to the environment inside (the shield, if any, sees the combined move). The base
 * controller is told the applied action after each step, as in deployment. Rewards, costs and
 * observations pass through unchanged, so a residual run's returns are the scenario's own. Not
 * thread-safe.
 */
public final class ResidualEnvironment extends ForwardingEnvironment {
  private final Policy base;
  private final SignalSpace actuators;
  private final double[] bound;
  private final SignalSpace correctionSpace;
  private Observation last;
  private double[] lastBaseMove;

  /**
   * Wraps {@code inner}.
   *
   * @param inner the environment whose action space is the actuators'
   * @param base the base controller (e.g. the scenario's PID), acting on inner's observations
   * @param bound the largest correction of each action, in its unit
   */
  public ResidualEnvironment(ProcessEnvironment inner, Policy base, double[] bound) {
    super(inner);
    this.base = Objects.requireNonNull(base, "base");
    this.actuators = inner.actionSpace();
    this.bound = ResidualPolicy.requireBound(bound, actuators);
    this.correctionSpace = ResidualPolicy.correctionSpace(actuators, bound);
  }

  @Override
  public SignalSpace actionSpace() {
    return correctionSpace;
  }

  @Override
  public Observation reset(long seed) {
    base.reset();
    last = super.reset(seed);
    lastBaseMove = null;
    return last;
  }

  /**
   * Returns the correction the plant received: the applied action minus the base's move (zero
   * before the first step), in the correction space.
   */
  @Override
  public double[] lastAppliedAction() {
    double[] applied = super.lastAppliedAction();
    double[] out = new double[applied.length];
    if (lastBaseMove != null) {
      for (int i = 0; i < out.length; i++) {
        out[i] = applied[i] - lastBaseMove[i];
      }
    }
    return out;
  }

  @Override
  public StepResult step(double[] correction) {
    if (last == null) {
      throw new IllegalStateException("reset the environment before the first step");
    }
    lastBaseMove = base.act(last);
    double[] move = ResidualPolicy.combine(lastBaseMove, correction, actuators, bound);
    StepResult r = super.step(move);
    base.applied(r.info().appliedAction());
    last = r.observation();
    return r;
  }
}
