package org.safeloop.env.scenario;

import java.util.Objects;
import org.safeloop.env.ForwardingEnvironment;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;

/**
 * Potential-based reward shaping (Ng, Harada and Russell, 1999): the agent is trained on {@code r +
 * F} with {@code F = gamma * phi(s') - phi(s)}, which leaves the optimal policies of the problem
 * unchanged while giving the agent a denser signal. {@code phi(terminal) = 0}: a terminated episode
 * ends the sum; a truncated one (time limit) is bootstrapped by the algorithms, so its last {@code
 * phi(s')} stays.
 *
 * <p>The potential is a weighted sum of named terms over the true state and the step (the setpoint
 * schedule makes the step part of the state):
 *
 * <ul>
 *   <li>{@code tracking}: {@code phi = -trackingWeight * (the scenario's own tracking penalty)}, so
 *       moving toward the setpoint is paid for at once rather than over the following steps;
 *   <li>{@code constraint margin}: {@code phi = -marginWeight * sum_c (max(0, 1 - d_c / margin))^2}
 *       with {@code d_c} the distance of the state inside constraint {@code c}: zero farther than
 *       {@code margin} from the bound, growing to the weight at the bound and beyond.
 * </ul>
 *
 * Shaping is for training only: the wrapped environment's own reward is what every return in a
 * table, a learning curve or an evaluation reports, so shaped and unshaped runs compare honestly.
 *
 * @param trackingWeight weight of the tracking potential, at least 0 (0: off)
 * @param marginWeight weight of the constraint-margin potential, at least 0 (0: off)
 * @param margin distance from a constraint bound, in the constrained variable's unit, inside which
 *     the margin potential acts; above 0
 * @param gamma the algorithm's discount, in (0, 1]
 */
public record PotentialShaping(
    double trackingWeight, double marginWeight, double margin, double gamma) {

  /** Checks every field. */
  public PotentialShaping {
    if (!(trackingWeight >= 0) || !Double.isFinite(trackingWeight)) {
      throw new IllegalArgumentException(
          "tracking weight must be 0 or more, got " + trackingWeight);
    }
    if (!(marginWeight >= 0) || !Double.isFinite(marginWeight)) {
      throw new IllegalArgumentException("margin weight must be 0 or more, got " + marginWeight);
    }
    if (!(margin > 0) || !Double.isFinite(margin)) {
      throw new IllegalArgumentException("margin must be above 0, got " + margin);
    }
    if (!(gamma > 0 && gamma <= 1)) {
      throw new IllegalArgumentException("gamma must be in (0, 1], got " + gamma);
    }
  }

  /**
   * Returns the shaping term {@code F = gamma * phi(s') - phi(s)}, with {@code phi(s') = 0} when
   * the episode terminated.
   */
  public static double shapingTerm(
      double potential, double nextPotential, double gamma, boolean terminated) {
    return gamma * (terminated ? 0.0 : nextPotential) - potential;
  }

  /** Returns the potential of {@code state} at {@code step} (0-based) in {@code scenario}. */
  public double potential(Scenario scenario, int step, double[] state) {
    double phi = 0.0;
    if (trackingWeight > 0) {
      phi -= trackingWeight * scenario.trackingPenalty(step, state);
    }
    if (marginWeight > 0) {
      for (int c = 0; c < scenario.constraints().size(); c++) {
        double inside = Math.max(0.0, 1.0 - scenario.constraintDistance(c, state) / margin);
        phi -= marginWeight * inside * inside;
      }
    }
    return phi;
  }

  /** Returns {@code environment} with this shaping added to the reward it gives the agent. */
  public ProcessEnvironment wrap(ProcessEnvironment environment, Scenario scenario) {
    return new Shaped(environment, scenario, this);
  }

  /** The shaped view: the same process, the reward plus {@code F}. Not thread-safe. */
  private static final class Shaped extends ForwardingEnvironment {
    private final Scenario scenario;
    private final PotentialShaping shaping;
    private double potential;
    private int steps;

    Shaped(ProcessEnvironment inner, Scenario scenario, PotentialShaping shaping) {
      super(inner);
      this.scenario = Objects.requireNonNull(scenario, "scenario");
      this.shaping = shaping;
    }

    @Override
    public Observation reset(long seed) {
      Observation first = super.reset(seed);
      steps = 0;
      potential = shaping.potential(scenario, 0, state());
      return first;
    }

    @Override
    public StepResult step(double[] action) {
      StepResult r = super.step(action);
      steps++;
      double next = shaping.potential(scenario, steps, r.info().state());
      double f = shapingTerm(potential, next, shaping.gamma(), r.terminated());
      potential = next;
      return new StepResult(
          r.observation(),
          r.reward() + f,
          r.costs(),
          r.terminated(),
          r.truncated(),
          r.info().with(r.info().requestedAction(), java.util.Map.of("shaping", f)));
    }
  }
}
