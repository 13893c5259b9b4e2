package org.safeloop.experiments.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.safeloop.agent.ppo.PpoConfig;
import org.safeloop.agent.ppo.PpoLag;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.policy.MlpPolicy;

/**
 * Single-observation inference latency of a policy network (64x64 tanh, the default), through DJL
 * and through the bundle's pure-Java forward pass, each call timed on its own; and the process's
 * resident memory (VmRSS) before and after the measured calls and a run of training updates, to
 * show that native memory does not grow.
 */
public final class InferenceBenchmark {
  private InferenceBenchmark() {}

  /**
   * Latency figures of one path.
   *
   * @param path {@code djl} or {@code pure-java}
   * @param calls measured calls
   * @param medianMicros median latency
   * @param p99Micros 99th percentile
   * @param rssBeforeMiB resident memory before the measured calls
   * @param rssQuartersMiB resident memory after each quarter of the calls
   * @param liveArraysBefore native arrays held by the agent before the calls (DJL path)
   * @param liveArraysAfter native arrays held after them
   */
  public record Latency(
      String path,
      int calls,
      double medianMicros,
      double p99Micros,
      double rssBeforeMiB,
      double[] rssQuartersMiB,
      int liveArraysBefore,
      int liveArraysAfter) {}

  /**
   * Training memory figures.
   *
   * @param updates PPO updates run
   * @param gradientSteps minibatch gradient steps they made
   * @param rssAfterWarmupMiB resident memory after the first update
   * @param rssAfterMiB resident memory after the last
   * @param liveArraysAfterWarmup native arrays held after the first update
   * @param liveArraysAfter native arrays held after the last
   */
  public record Training(
      int updates,
      long gradientSteps,
      double rssAfterWarmupMiB,
      double rssAfterMiB,
      int liveArraysAfterWarmup,
      int liveArraysAfter) {}

  /** Measures both paths on a fresh PPO agent for {@code scenario}. */
  public static List<Latency> latency(Scenario scenario, int warmup, int djlCalls, int javaCalls) {
    ProcessEnvironment env = scenario.createEnvironment(false, null);
    try (PpoLag agent = new PpoLag(env, PpoConfig.defaults(), 1)) {
      MlpPolicy java = new MlpPolicy(agent.toBundle(Map.of(), "", "", Map.of()));
      Observation o = env.reset(0);
      double[] raw = o.values();
      double[] out = new double[env.actionSpace().size()];
      double sink = 0;
      // The pure-Java path first, before any DJL call has woken PyTorch's worker threads: that is
      // how a deployed bridge runs it. Warmed long enough for the JIT's optimising compiler to
      // have finished before the first measured call.
      double beforeJava = rssMiB();
      for (int i = 0; i < 10 * warmup; i++) {
        java.act(raw, out);
        sink += out[0];
      }
      long[] pure = new long[javaCalls];
      double[] javaQuarters = new double[4];
      int javaQuarter = Math.max(1, javaCalls / 4);
      for (int i = 0; i < javaCalls; i++) {
        raw[0] += 1e-9; // vary the input so no call can be skipped
        long t = System.nanoTime();
        java.act(raw, out);
        pure[i] = System.nanoTime() - t;
        sink += out[0];
        if ((i + 1) % javaQuarter == 0 && (i + 1) / javaQuarter <= 4) {
          javaQuarters[(i + 1) / javaQuarter - 1] = rssMiB();
        }
      }
      for (int i = 0; i < warmup; i++) {
        sink += agent.deterministicAction(o)[0];
      }
      double before = rssMiB();
      int arraysBefore = agent.liveArrays();
      long[] djl = new long[djlCalls];
      double[] djlQuarters = new double[4];
      int djlQuarter = Math.max(1, djlCalls / 4);
      for (int i = 0; i < djlCalls; i++) {
        long t = System.nanoTime();
        sink += agent.deterministicAction(o)[0];
        djl[i] = System.nanoTime() - t;
        if ((i + 1) % djlQuarter == 0 && (i + 1) / djlQuarter <= 4) {
          djlQuarters[(i + 1) / djlQuarter - 1] = rssMiB();
        }
      }
      int arraysAfter = agent.liveArrays();
      if (Double.isNaN(sink)) {
        throw new IllegalStateException("NaN action");
      }
      return List.of(
          summarise("pure-java", pure, beforeJava, javaQuarters, 0, 0),
          summarise("djl", djl, before, djlQuarters, arraysBefore, arraysAfter));
    }
  }

  /** Runs {@code updates} PPO updates on {@code scenario} and reports resident memory. */
  public static Training training(Scenario scenario, int updates) {
    PpoConfig config = PpoConfig.defaults();
    try (PpoLag agent = new PpoLag(scenario.createEnvironment(false, null), config, 1)) {
      agent.train(config.stepsPerUpdate(), m -> {});
      double warm = rssMiB();
      int warmArrays = agent.liveArrays();
      agent.train((long) config.stepsPerUpdate() * (updates - 1), m -> {});
      long gradientSteps =
          (long) updates * config.epochs() * (config.stepsPerUpdate() / config.minibatchSize());
      return new Training(updates, gradientSteps, warm, rssMiB(), warmArrays, agent.liveArrays());
    }
  }

  private static Latency summarise(
      String path,
      long[] nanos,
      double before,
      double[] quarters,
      int arraysBefore,
      int arraysAfter) {
    double[] q = medianAndP99Micros(nanos);
    return new Latency(path, nanos.length, q[0], q[1], before, quarters, arraysBefore, arraysAfter);
  }

  /** Returns the median and the 99th percentile of call times in nanoseconds, in microseconds. */
  static double[] medianAndP99Micros(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return new double[] {
      sorted[sorted.length / 2] / 1e3,
      sorted[(int) Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] / 1e3
    };
  }

  /** Resident set size of this process from /proc (NaN where there is none). */
  static double rssMiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }
}
