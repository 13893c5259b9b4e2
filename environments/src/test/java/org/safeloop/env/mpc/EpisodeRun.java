package org.safeloop.env.mpc;

import java.util.Arrays;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.env.control.Policy;

/**
 * One episode of a policy on an environment, recorded for the tests (of this module and, through
 * its test jar, of the agent's PI tuning).
 *
 * @param totalReward the episode's return
 * @param times the time of each sample, from the reset
 * @param states the true state at each sample, from the reset
 * @param anyLimited true when the environment clipped any of the policy's moves
 */
public record EpisodeRun(
    double totalReward, double[] times, double[][] states, boolean anyLimited) {

  /**
   * Runs one episode of {@code policy} on {@code env} from {@code seed}, telling it each applied
   * move.
   */
  public static EpisodeRun of(ProcessEnvironment env, Policy policy, long seed) {
    int steps = env.episodeSteps();
    double[] times = new double[steps + 1];
    double[][] states = new double[steps + 1][];
    policy.reset();
    Observation observation = env.reset(seed);
    states[0] = env.state();
    double total = 0;
    boolean limited = false;
    int k = 0;
    while (true) {
      StepResult r = env.step(policy.act(observation));
      policy.applied(r.info().appliedAction());
      k++;
      total += r.reward();
      limited |= r.info().actionLimited();
      times[k] = r.info().time();
      states[k] = r.info().state();
      observation = r.observation();
      if (r.done()) {
        break;
      }
    }
    return new EpisodeRun(
        total, Arrays.copyOf(times, k + 1), Arrays.copyOf(states, k + 1), limited);
  }

  /** Returns state {@code index} from sample {@code from} (inclusive) to {@code to} (exclusive). */
  public double[] state(int index, int from, int to) {
    double[] out = new double[to - from];
    for (int k = from; k < to; k++) {
      out[k - from] = states[k][index];
    }
    return out;
  }
}
