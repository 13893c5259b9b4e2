package org.safeloop.experiments.bench;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.StepResult;

/**
 * Measures environment steps per second on one thread: warm-up (so the JIT has compiled the step),
 * then several timed rounds of whole episodes, counting every step and reset. Reports the median
 * round and the spread. Wall-clock time via {@link System#nanoTime()}.
 *
 * <p>Actions come from a precomputed, seeded schedule that jumps to a uniformly random point of the
 * actuator range every five steps: the process keeps moving (a constant action would let an
 * adaptive integrator coast at steady state), and choosing the action costs nothing measurable.
 */
public final class EnvBenchmark {
  private EnvBenchmark() {}

  /**
   * One measured case.
   *
   * @param label what was measured
   * @param medianStepsPerSecond median over rounds
   * @param minStepsPerSecond slowest round
   * @param maxStepsPerSecond fastest round
   * @param rounds rounds measured
   * @param checksum sum of rewards, printed so the JIT cannot drop the work
   */
  public record Result(
      String label,
      double medianStepsPerSecond,
      double minStepsPerSecond,
      double maxStepsPerSecond,
      int rounds,
      double checksum) {}

  /**
   * Runs the benchmark.
   *
   * @param label name of the case
   * @param env environment to step
   * @param warmupSeconds warm-up duration
   * @param rounds number of measured rounds
   * @param roundSeconds duration of each round
   */
  public static Result measure(
      String label, ProcessEnvironment env, double warmupSeconds, int rounds, double roundSeconds) {
    double[][] actions = schedule(env);
    double checksum = 0;
    long seed = 1;
    checksum += runFor(env, actions, seed++, warmupSeconds)[1];
    double[] rates = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long start = System.nanoTime();
      double[] done = runFor(env, actions, seed++, roundSeconds);
      double elapsed = (System.nanoTime() - start) * 1e-9;
      rates[r] = done[0] / elapsed;
      checksum += done[1];
    }
    Arrays.sort(rates);
    double median =
        rounds % 2 == 1 ? rates[rounds / 2] : 0.5 * (rates[rounds / 2 - 1] + rates[rounds / 2]);
    return new Result(label, median, rates[0], rates[rounds - 1], rounds, checksum);
  }

  private static double[][] schedule(ProcessEnvironment env) {
    SplittableRandom random = new SplittableRandom(20261125L);
    double[][] actions = new double[1024][];
    for (int k = 0; k < actions.length; k++) {
      if (k % 5 != 0) {
        actions[k] = actions[k - 1];
        continue;
      }
      actions[k] = new double[env.actionSpace().size()];
      for (int i = 0; i < actions[k].length; i++) {
        SignalSpec a = env.actionSpace().get(i);
        actions[k][i] = a.min() + a.span() * random.nextDouble();
      }
    }
    return actions;
  }

  /** Steps whole episodes until {@code seconds} have passed; returns {steps, reward sum}. */
  private static double[] runFor(
      ProcessEnvironment env, double[][] actions, long seed, double seconds) {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long steps = 0;
    double rewardSum = 0;
    while (System.nanoTime() < deadline) {
      env.reset(seed++);
      // Check the clock once per episode, not per step, to keep timing out of the measurement.
      for (int k = 0; k < env.episodeSteps(); k++) {
        StepResult r = env.step(actions[(int) (steps & (actions.length - 1))]);
        rewardSum += r.reward();
        steps++;
        if (r.done()) {
          break;
        }
      }
    }
    return new double[] {steps, rewardSum};
  }
}
