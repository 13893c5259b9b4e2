package org.safeloop.experiments.simulate;

import java.util.function.Consumer;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.env.control.Policy;

/** Runs closed-loop episodes of a policy in an environment. */
public final class Episodes {
  private Episodes() {}

  /**
   * Runs one episode from {@code reset(seed)} for at most {@code maxSteps} steps.
   *
   * @param onStep called with every step result (e.g. a recorder), may be a no-op
   */
  public static EpisodeSummary run(
      ProcessEnvironment env, Policy policy, long seed, int maxSteps, Consumer<StepResult> onStep) {
    policy.reset();
    Observation observation = env.reset(seed);
    double reward = 0;
    double cost = 0;
    int violating = 0;
    int limited = 0;
    int steps = 0;
    boolean terminated = false;
    String failure = "";
    while (steps < maxSteps) {
      double[] action = policy.act(observation);
      StepResult r = env.step(action);
      policy.applied(r.info().appliedAction());
      onStep.accept(r);
      steps++;
      reward += r.reward();
      double c = r.totalCost();
      cost += c;
      violating += c > 0 ? 1 : 0;
      limited += r.info().actionLimited() ? 1 : 0;
      observation = r.observation();
      if (r.done()) {
        terminated = r.terminated();
        failure = r.info().failure();
        break;
      }
    }
    return new EpisodeSummary(steps, reward, cost, violating, limited, terminated, failure);
  }
}
