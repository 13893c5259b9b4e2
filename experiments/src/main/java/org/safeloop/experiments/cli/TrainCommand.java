package org.safeloop.experiments.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.safeloop.experiments.config.Experiment;
import org.safeloop.experiments.config.ExperimentSpec;
import org.safeloop.experiments.run.RunDirectory;
import org.safeloop.experiments.run.RunInfo;
import org.safeloop.experiments.run.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code safeloop train}: trains an experiment into run directories, one per seed. One seed trains
 * in this process with a progress bar; several seeds train in parallel child processes (DJL allows
 * one gradient collector per process), at most one per core. Ctrl-C stops every run cleanly,
 * keeping a checkpoint and a consistent {@code metrics.csv}.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train an agent from an experiment file; one run directory per seed.",
      "Run directories are <scenario>__<algorithm>__<seed>__<timestamp> under the file's output."
    })
final class TrainCommand implements Callable<Integer> {
  /** Training budget of {@code --quick}: two PPO updates. */
  static final long QUICK_STEPS = 4096;

  /** Evaluation episodes of {@code --quick}. */
  static final int QUICK_EPISODES = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "CONFIG", description = "Experiment file (YAML).")
  Path config;

  @Option(names = "--seed", paramLabel = "N", description = "Train this one seed.")
  Long seed;

  @Option(
      names = "--seeds",
      paramLabel = "N",
      description = "Train seeds 0..N-1 (in parallel processes).")
  Integer seeds;

  @Option(names = "--steps", paramLabel = "N", description = "Override the training budget.")
  Long steps;

  @Option(
      names = "--quick",
      description =
          "Smoke run: at most "
              + QUICK_STEPS
              + " steps and "
              + QUICK_EPISODES
              + " evaluation episodes.")
  boolean quick;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "DIR",
      description = "Folder for the run directories.")
  Path output;

  /** The old spelling of {@code --output}, accepted for one release. */
  @Option(names = "--out", hidden = true, paramLabel = "DIR")
  void legacyOut(Path value) {
    output = value;
  }

  @Option(
      names = "--jobs",
      paramLabel = "N",
      description = "Parallel training processes (default: the number of cores).")
  Integer jobs;

  @Option(names = "--no-progress", description = "No progress bar (for logs and child processes).")
  boolean noProgress;

  @Option(names = "--run-dir", hidden = true, description = "Exact run directory (child runs).")
  Path runDir;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Experiment experiment = Experiment.load(config);
    ModelWarnings.show(spec, experiment.scenario());
    ExperimentSpec s = experiment.spec();
    if (seed != null && seeds != null) {
      throw new IllegalArgumentException("give --seed or --seeds, not both");
    }
    if (seeds != null && (seeds < 1 || seeds > ExperimentSpec.MAX_SEEDS)) {
      throw new IllegalArgumentException(
          "--seeds must be between 1 and " + ExperimentSpec.MAX_SEEDS + ", got " + seeds);
    }
    if (steps != null && (steps < 1 || steps > ExperimentSpec.MAX_TRAINING_STEPS)) {
      throw new IllegalArgumentException(
          "--steps must be between 1 and " + ExperimentSpec.MAX_TRAINING_STEPS + ", got " + steps);
    }
    if (jobs != null && jobs < 1) {
      throw new IllegalArgumentException("--jobs must be at least 1, got " + jobs);
    }
    List<Long> seedList =
        seed != null
            ? List.of(seed)
            : seeds != null ? LongStream.range(0, seeds).boxed().toList() : s.seeds();
    long budget = steps != null ? steps : s.training().steps();
    if (quick) {
      budget = Math.min(budget, QUICK_STEPS);
    }
    if (budget != s.training().steps() || quick) {
      experiment = experiment.with(budget, quick ? QUICK_EPISODES : null);
    }
    Path folder = output != null ? output : Path.of(s.output());
    if (runDir == null) {
      RunDirectory.requireWritableFolder(
          folder, output != null ? "--output" : config + ": field 'output':");
    }
    Instant now = Instant.now();

    if (seedList.size() == 1) {
      long one = seedList.get(0);
      Path dir =
          runDir != null
              ? runDir
              : folder.resolve(
                  RunDirectory.name(experiment.scenario().name(), s.algorithm(), one, now));
      Trainer.Result result = trainHere(experiment, one, dir, !noProgress);
      out.println(summary(result.runDir(), result.info()));
      out.flush();
      return result.info().status().equals("completed") ? 0 : 1;
    }
    return trainInChildren(experiment, seedList, folder, now, budget, out);
  }

  private Trainer.Result trainHere(Experiment experiment, long one, Path dir, boolean progress) {
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop.set(true);
              try {
                // Let the training loop write its checkpoint and close its files.
                finished.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "safeloop-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return Trainer.run(experiment, one, dir, progress, stop);
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it has been released above
      }
    }
  }

  private int trainInChildren(
      Experiment experiment,
      List<Long> seedList,
      Path folder,
      Instant now,
      long budget,
      PrintWriter out)
      throws IOException, InterruptedException {
    int parallel =
        Math.max(
            1,
            Math.min(
                jobs != null ? jobs : Runtime.getRuntime().availableProcessors(), seedList.size()));
    List<Path> dirs = new ArrayList<>();
    for (long one : seedList) {
      dirs.add(
          folder.resolve(
              RunDirectory.name(
                  experiment.scenario().name(), experiment.spec().algorithm(), one, now)));
    }
    out.printf(
        Locale.ROOT,
        "training %d seeds of %s, %d at a time, %d steps each%n",
        seedList.size(),
        config,
        parallel,
        budget);
    out.flush();
    List<Process> running = new ArrayList<>();
    Thread hook =
        new Thread(
            () -> {
              for (Process p : running) {
                p.destroy(); // SIGTERM: the child stops cleanly through its own hook
              }
              for (Process p : running) {
                try {
                  p.waitFor(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            },
            "safeloop-stop-children");
    Runtime.getRuntime().addShutdownHook(hook);
    int failures = 0;
    try (ProgressBar bar =
        noProgress
            ? null
            : new ProgressBarBuilder()
                .setTaskName("train x" + seedList.size())
                .setInitialMax(budget * seedList.size())
                .setUnit(" steps", 1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(1000)
                .showSpeed()
                .build()) {
      int next = 0;
      List<Process> all = new ArrayList<>();
      while (next < dirs.size() || running.stream().anyMatch(Process::isAlive)) {
        running.removeIf(p -> !p.isAlive());
        while (running.size() < parallel && next < dirs.size()) {
          Process p = startChild(seedList.get(next), dirs.get(next), budget);
          running.add(p);
          all.add(p);
          next++;
        }
        if (bar != null) {
          bar.stepTo(dirs.stream().mapToLong(TrainCommand::stepsDone).sum());
        }
        Thread.sleep(500);
      }
      for (Process p : all) {
        if (p.waitFor() != 0) {
          failures++;
        }
      }
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running
      }
    }
    for (Path dir : dirs) {
      out.println(
          RunDirectory.isRun(dir)
              ? summary(dir, RunDirectory.info(dir))
              : dir + ": did not start (see " + dir.resolve(TrainingProcess.CONSOLE) + ")");
    }
    out.flush();
    return failures == 0 ? 0 : 1;
  }

  private Process startChild(long one, Path dir, long budget) throws IOException {
    return TrainingProcess.start(TrainingProcess.command(config, one, budget, quick, dir), dir);
  }

  /** Environment steps a run has logged so far (the last row of its metrics.csv). */
  private static long stepsDone(Path dir) {
    Path metrics = dir.resolve(RunDirectory.METRICS);
    try {
      if (!Files.isRegularFile(metrics)) {
        return 0;
      }
      List<String> lines = Files.readAllLines(metrics);
      for (int i = lines.size() - 1; i > 0; i--) {
        String[] cells = lines.get(i).split(",", -1);
        if (cells.length > 2 && !cells[2].isEmpty()) {
          return Long.parseLong(cells[2]);
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  private static String summary(Path dir, RunInfo info) {
    return String.format(
        Locale.ROOT,
        "%s: %s, %d steps, %d episodes, %.1f s",
        dir,
        info.status(),
        info.environmentSteps(),
        info.episodes(),
        info.wallSeconds());
  }
}
