package org.safeloop.experiments.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.safeloop.agent.DjlAgent;
import org.safeloop.experiments.config.Experiment;
import org.safeloop.experiments.run.Trainer;

/**
 * Measures what the experiment harness costs: the same training (config, seed, budget) once as raw
 * agent training (the agent's own loop on the bare environment, nothing written) and once through
 * {@link Trainer} (episode monitor, metrics.csv row by row, checkpoints, progress bookkeeping,
 * final bundle), alternating so that JIT warm-up favours neither; plus the evaluation time of a
 * run. Single thread, like training.
 */
public final class HarnessBenchmark {
  /**
   * Wall-clock seconds of each repeat.
   *
   * @param rawSeconds raw training, per repeat
   * @param harnessSeconds training through the harness (without evaluation), per repeat
   * @param evaluationSeconds the harness run's evaluation, per repeat
   * @param rawCpuSeconds CPU time of the training thread, raw, per repeat (robust to other load)
   * @param harnessCpuSeconds CPU time of the training thread through the harness, training and
   *     evaluation, per repeat
   */
  public record Result(
      List<Double> rawSeconds,
      List<Double> harnessSeconds,
      List<Double> evaluationSeconds,
      List<Double> rawCpuSeconds,
      List<Double> harnessCpuSeconds) {}

  private HarnessBenchmark() {}

  /**
   * Runs {@code repeats} pairs (raw, then harness) of {@code experiment} with {@code seed}.
   *
   * @param workDir folder for the harness's run directories
   */
  public static Result measure(Experiment experiment, long seed, int repeats, Path workDir) {
    List<Double> raw = new ArrayList<>();
    List<Double> harness = new ArrayList<>();
    List<Double> evaluation = new ArrayList<>();
    List<Double> rawCpu = new ArrayList<>();
    List<Double> harnessCpu = new ArrayList<>();
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    long steps = experiment.spec().training().steps();
    for (int r = 0; r < repeats; r++) {
      long c0 = threads.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      try (DjlAgent agent = experiment.newAgent(experiment.trainingEnvironment(), seed)) {
        agent.train(steps, m -> {});
      }
      raw.add((System.nanoTime() - t0) * 1e-9);
      rawCpu.add((threads.getCurrentThreadCpuTime() - c0) * 1e-9);

      Path dir = workDir.resolve("run-" + r);
      long c1 = threads.getCurrentThreadCpuTime();
      long t1 = System.nanoTime();
      Trainer.Result result = Trainer.run(experiment, seed, dir, false, () -> false);
      double total = (System.nanoTime() - t1) * 1e-9;
      harness.add(result.info().wallSeconds());
      evaluation.add(total - result.info().wallSeconds());
      harnessCpu.add((threads.getCurrentThreadCpuTime() - c1) * 1e-9);
    }
    return new Result(raw, harness, evaluation, rawCpu, harnessCpu);
  }

  /** Creates a temporary work folder. */
  public static Path tempDir() {
    try {
      return Files.createTempDirectory("safeloop-bench-harness");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
