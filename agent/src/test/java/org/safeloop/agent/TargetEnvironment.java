package org.safeloop.agent;

import java.util.List;
import java.util.SplittableRandom;
import org.safeloop.env.Observation;
import org.safeloop.env.PredictiveModel;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.StepInfo;
import org.safeloop.env.StepResult;
import org.safeloop.env.process.ModelTimeUnit;

/**
 * The trivial one-dimensional target-tracking task of learning tests (in the spirit of
 * Stable-Baselines3's identity environments): each step shows a random target in [-0.8, 0.8] and
 * rewards {@code -(u - target)^2}; the optimal return is 0. A cost of {@code max(0, u - 0.5)} per
 * step lets constrained learners be tested too.
 */
public final class TargetEnvironment implements ProcessEnvironment {
  static final int STEPS = 10;
  private final SignalSpace observations =
      new SignalSpace(List.of(new SignalSpec("target", "", -1, 1)));
  private final SignalSpace actions = new SignalSpace(List.of(new SignalSpec("u", "", -1, 1)));
  private SplittableRandom random;
  private double target;
  private int step;
  private double last;

  @Override
  public String name() {
    return "target";
  }

  @Override
  public SignalSpace observationSpace() {
    return observations;
  }

  @Override
  public SignalSpace actionSpace() {
    return actions;
  }

  @Override
  public SignalSpace stateSpace() {
    return observations;
  }

  @Override
  public List<String> constraintNames() {
    return List.of("u_above_half");
  }

  @Override
  public List<String> setpointNames() {
    return List.of();
  }

  @Override
  public double controlInterval() {
    return 1.0;
  }

  @Override
  public ModelTimeUnit timeUnit() {
    return ModelTimeUnit.SECOND;
  }

  @Override
  public int episodeSteps() {
    return STEPS;
  }

  @Override
  public Observation reset(long seed) {
    random = new SplittableRandom(seed);
    step = 0;
    target = -0.8 + 1.6 * random.nextDouble();
    return Observation.good(new double[] {target});
  }

  @Override
  public StepResult step(double[] action) {
    double u = Math.max(-1, Math.min(1, action[0]));
    double reward = -(u - target) * (u - target);
    double cost = Math.max(0.0, u - 0.5);
    step++;
    last = u;
    double shown = target;
    target = -0.8 + 1.6 * random.nextDouble();
    StepInfo info =
        new StepInfo(
            step,
            step,
            new double[] {shown},
            action,
            new double[] {u},
            u != action[0],
            new double[0],
            new double[0],
            java.util.Map.of());
    return new StepResult(
        Observation.good(new double[] {target}),
        reward,
        new double[] {cost},
        false,
        step >= STEPS,
        info);
  }

  @Override
  public double[] state() {
    return new double[] {target};
  }

  @Override
  public double[] lastAppliedAction() {
    return new double[] {last};
  }

  @Override
  public PredictiveModel predictiveModel() {
    throw new UnsupportedOperationException("no model behind a random target");
  }
}
