package org.safeloop.experiments.run;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.safeloop.agent.DjlAgent;
import org.safeloop.agent.ppo.PpoConfig;
import org.safeloop.env.SignalSpec;
import org.safeloop.experiments.config.Experiment;
import org.safeloop.experiments.evaluate.EvaluationSummary;
import org.safeloop.experiments.evaluate.Evaluator;
import org.safeloop.experiments.evaluate.PolicySource;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.policy.PolicyBundles;
import org.safeloop.shield.AdmissibleActions;

/**
 * Trains one seed of an experiment into a run directory ({@link RunDirectory}): snapshot of the
 * resolved config, {@code run.json}, {@code metrics.csv} row by row, a checkpoint bundle every
 * {@code checkpoint_every} steps, then the final bundle and its evaluation. A stop request (Ctrl-C)
 * is honoured between two updates: the run writes a checkpoint of where it got to, marks itself
 * {@code interrupted} and leaves every file complete. Not thread-safe; one training per process
 * (DJL allows one gradient collector at a time).
 */
public final class Trainer {
  /** SAC steps between two looks at the stop flag; PPO looks after every update. */
  private static final long SAC_STOP_CHECK_STEPS = 250;

  /**
   * The outcome of a run.
   *
   * @param runDir its directory
   * @param info its final {@code run.json}
   * @param evaluation the evaluation of the final policy, or null when the run did not complete
   */
  public record Result(Path runDir, RunInfo info, EvaluationSummary evaluation) {}

  private Trainer() {}

  /**
   * Trains {@code experiment} with {@code seed} into {@code runDir} (created if missing).
   *
   * @param progress show a progress bar on standard error
   * @param stop set by a signal handler to stop cleanly
   * @throws IllegalStateException if {@code runDir} already holds a run
   */
  public static Result run(
      Experiment experiment, long seed, Path runDir, boolean progress, AtomicBoolean stop) {
    return run(experiment, seed, runDir, progress, stop::get);
  }

  /**
   * Trains {@code experiment} with {@code seed} into {@code runDir}, asking {@code stopRequested}
   * between updates whether to stop.
   *
   * @throws IllegalStateException if {@code runDir} already holds a run
   */
  public static Result run(
      Experiment experiment,
      long seed,
      Path runDir,
      boolean progress,
      BooleanSupplier stopRequested) {
    if (RunDirectory.isRun(runDir)) {
      throw new IllegalStateException("run directory " + runDir + " already holds a run");
    }
    try {
      Files.createDirectories(runDir.resolve(RunDirectory.CHECKPOINTS));
      Files.writeString(runDir.resolve(RunDirectory.CONFIG), experiment.resolvedYaml(seed));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + runDir, e);
    }
    Instant started = Instant.now();
    long budget = experiment.spec().training().steps();
    RunInfo info =
        new RunInfo(
            experiment.spec().name(),
            experiment.scenario().name(),
            experiment.spec().scenario(),
            experiment.algorithm().algorithmName(),
            seed,
            experiment.shielded(),
            experiment.configHash(),
            experiment.scenarioHash(),
            experiment.shieldHash(),
            CodeVersion.describe(),
            started.toString(),
            "",
            "running",
            budget,
            0,
            0,
            0,
            "");
    RunDirectory.writeJson(runDir.resolve(RunDirectory.RUN), info);

    RunInfo initial = info;
    try (PrintWriter log = openLog(runDir.resolve(RunDirectory.LOG));
        MetricsLog metrics = new MetricsLog(runDir.resolve(RunDirectory.METRICS))) {
      log(log, "run " + runDir.getFileName() + " (" + CodeVersion.describe() + ")");
      log(log, "config hash " + experiment.configHash() + ", seed " + seed);
      Progress state = new Progress();
      long startNanos = System.nanoTime();
      EpisodeMonitor env =
          new EpisodeMonitor(
              experiment.trainingEnvironment(),
              experiment.scenario().constraints().size(),
              episode -> {
                state.episodes++;
                if (episode.failed()) {
                  // The episode ended there and the agent learnt the failure reward; its return
                  // is no result, so it stays out of the recent figures.
                  state.failed++;
                  log(
                      log,
                      "training episode "
                          + state.episodes
                          + " failed: "
                          + episode.failure()
                          + " (failed episodes so far: "
                          + state.failed
                          + ")");
                } else {
                  state.recent(episode.episodeReturn(), episode.cost());
                }
                metrics.episode(
                    episode.environmentSteps(), state.episodes, seconds(startNanos), episode);
              });
      String status = "completed";
      String message = "";
      EvaluationSummary evaluation = null;
      // The agent learns from the shaped view, if any; the monitor inside it records the
      // scenario's own reward.
      try (DjlAgent agent = experiment.newAgent(experiment.agentView(env), seed);
          ProgressBar bar = progress ? progressBar(experiment, budget) : null) {
        long chunk =
            experiment.algorithmConfig() instanceof PpoConfig ppo
                ? ppo.stepsPerUpdate()
                : SAC_STOP_CHECK_STEPS;
        long every = experiment.spec().training().checkpointEvery();
        long done = 0;
        long nextCheckpoint = every;
        while (done < budget) {
          if (stopRequested.getAsBoolean()) {
            status = "interrupted";
            message = "stopped by request after " + done + " steps";
            break;
          }
          agent.train(Math.min(chunk, budget - done), m -> metrics.update(m, seconds(startNanos)));
          done = env.totalSteps();
          if (bar != null) {
            bar.stepTo(done);
            bar.setExtraMessage(" | " + state.describe(seconds(startNanos)));
          }
          if (done >= nextCheckpoint && done < budget) {
            checkpoint(experiment, agent, runDir, done, state, log);
            nextCheckpoint = (done / every + 1) * every;
          }
        }
        double trainSeconds = seconds(startNanos);
        if (status.equals("interrupted")) {
          checkpoint(experiment, agent, runDir, done, state, log);
          log(log, message);
        } else {
          agent.freezeNormalisation();
          PolicyBundle bundle = bundle(experiment, agent, state, done);
          PolicyBundles.save(bundle, runDir.resolve(RunDirectory.POLICY));
          log(log, String.format(Locale.ROOT, "trained %d steps in %.1f s", done, trainSeconds));
          if (state.failed > 0) {
            log(log, state.failed + " of " + state.episodes + " training episodes failed");
          }
          evaluation = evaluate(experiment, runDir);
          RunDirectory.writeJson(runDir.resolve(RunDirectory.EVAL), evaluation);
          log(
              log,
              String.format(
                  Locale.ROOT,
                  "evaluation: median return %.3f (MAD %.3f) over %d episodes, %d violating"
                      + " steps, intervention rate %.3f, %d failed episodes",
                  evaluation.returnMedian(),
                  evaluation.returnMad(),
                  evaluation.episodes(),
                  evaluation.violatingSteps(),
                  evaluation.interventionRate(),
                  evaluation.failedEpisodes()));
          for (String failure : evaluation.failures()) {
            log(log, "evaluation episode failed: " + failure);
          }
        }
        info =
            info.finished(
                Instant.now().toString(), status, done, state.episodes, trainSeconds, message);
      } catch (RuntimeException e) {
        log(log, "failed: " + RunDirectory.reason(e));
        throw new Failed(
            info.finished(
                Instant.now().toString(),
                "failed",
                env.totalSteps(),
                state.episodes,
                seconds(startNanos),
                RunDirectory.reason(e)),
            e);
      }
      RunDirectory.writeJson(runDir.resolve(RunDirectory.RUN), info);
      return new Result(runDir, info, evaluation);
    } catch (Failed f) {
      markFailed(runDir, f.info, f.cause);
      throw f.cause;
    } catch (RuntimeException e) {
      // Opening or closing the log or the metrics failed, or the final run.json could not be
      // written (a full disk): the run must still not look as if it were running.
      markFailed(
          runDir,
          initial.finished(Instant.now().toString(), "failed", 0, 0, 0, RunDirectory.reason(e)),
          e);
      throw e;
    }
  }

  /** Carries the failed run's figures from the training loop to the clean-up. */
  private static final class Failed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient RunInfo info;
    private final RuntimeException cause;

    Failed(RunInfo info, RuntimeException cause) {
      super(cause.getMessage(), cause, false, false);
      this.info = info;
      this.cause = cause;
    }
  }

  /**
   * Leaves a failed run consistent: temporary files (a half-written checkpoint or run.json) are
   * deleted first, which also frees the space a full disk needs for the last write, then {@code
   * run.json} says {@code failed} with the reason. Problems while cleaning up are attached to
   * {@code failure} rather than hiding it.
   */
  private static void markFailed(Path runDir, RunInfo info, RuntimeException failure) {
    try (var files = Files.walk(runDir)) {
      for (Path tmp : files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException | UncheckedIOException e) {
      failure.addSuppressed(e);
    }
    try {
      RunDirectory.writeJson(runDir.resolve(RunDirectory.RUN), info);
    } catch (UncheckedIOException e) {
      failure.addSuppressed(e);
      try {
        // No room for a temporary copy: overwrite in place (truncating frees the old blocks).
        Files.writeString(
            runDir.resolve(RunDirectory.RUN),
            RunDirectory.JSON.writeValueAsString(info),
            StandardCharsets.UTF_8);
      } catch (IOException again) {
        failure.addSuppressed(again);
      } finally {
        try {
          Files.deleteIfExists(runDir.resolve(RunDirectory.RUN + ".tmp"));
        } catch (IOException leftOver) {
          failure.addSuppressed(leftOver);
        }
      }
    }
  }

  /** Evaluates the final bundle as deployed: pure-Java forward pass, through the shield if any. */
  static EvaluationSummary evaluate(Experiment experiment, Path runDir) {
    var spec = experiment.spec().evaluation();
    PolicySource source =
        PolicySource.of(runDir.resolve(RunDirectory.POLICY).toString(), experiment.scenario());
    return Evaluator.evaluate(
        experiment.scenario(),
        source,
        new Evaluator.Settings(
            spec.episodes(),
            spec.seed(),
            spec.realism(),
            experiment.spec().shield(),
            runDir.resolve(RunDirectory.EVAL_DIR)));
  }

  private static void checkpoint(
      Experiment experiment,
      DjlAgent agent,
      Path runDir,
      long steps,
      Progress state,
      PrintWriter log) {
    Path dir = runDir.resolve(RunDirectory.CHECKPOINTS);
    Path file = dir.resolve(String.format(Locale.ROOT, "step-%09d.bundle", steps));
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    PolicyBundles.save(bundle(experiment, agent, state, steps), tmp);
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint " + file, e);
    }
    log(log, "checkpoint " + file.getFileName());
  }

  private static PolicyBundle bundle(
      Experiment experiment, DjlAgent agent, Progress state, long steps) {
    Map<String, Object> config = new LinkedHashMap<>(experiment.resolvedHyperparameters());
    config.put("scenario", experiment.scenario().name());
    // Built-in name or file path; environmentHash is the SHA-256 of its bytes.
    config.put(PolicyBundle.SCENARIO_SOURCE, experiment.spec().scenario());
    config.put("config_hash", experiment.configHash());
    List<String> derived = experiment.scenario().observationDesign().derivedSignals();
    if (!derived.isEmpty()) {
      // The bridge reads observations as plant tags; it must know which ones are not.
      config.put(PolicyBundle.DERIVED_OBSERVATIONS, derived);
      config.put(
          PolicyBundle.OBSERVATION_DESIGN, experiment.scenario().observationDesign().toRecord());
    }
    Map<String, Double> figures = new LinkedHashMap<>();
    figures.put("environment_steps", (double) steps);
    figures.put("episodes", (double) state.episodes);
    figures.put("failed_episodes", (double) state.failed);
    figures.put("recent_return", state.recentReturn());
    figures.put("recent_cost", state.recentCost());
    double[] bound = experiment.residualBound();
    if (bound != null) {
      config.put(PolicyBundle.RESIDUAL_BASE, experiment.spec().training().residual().base());
      config.put(PolicyBundle.RESIDUAL_BOUND, java.util.Arrays.stream(bound).boxed().toList());
    }
    if (experiment.spec().training().actionMapping() != null) {
      config.put(PolicyBundle.ACTION_MAPPING, experiment.spec().training().actionMapping());
      config.put(
          PolicyBundle.SHIELD_OBSERVATIONS,
          AdmissibleActions.signals(experiment.scenario().actionSpace()).stream()
              .map(SignalSpec::name)
              .toList());
    }
    if (experiment.shielded()) {
      config.put(PolicyBundle.SHIELD_SOURCE, experiment.spec().shield());
    }
    PolicyBundle learned =
        agent.toBundle(config, experiment.scenarioHash(), experiment.shieldHash(), figures);
    if (bound == null && experiment.spec().training().actionMapping() == null) {
      return learned;
    }
    // The agent acted in the correction space or the unit box; the bundle keeps the actuators'
    // space, and the network's output spans the bound or the box (PolicyBundle.networkActions).
    return new PolicyBundle(
        learned.algorithm(),
        learned.config(),
        learned.observations(),
        experiment.scenario().actionSpace().signals(),
        learned.normalisation(),
        learned.network(),
        learned.outputSquashing(),
        learned.environmentHash(),
        learned.shieldHash(),
        learned.seed(),
        learned.metrics());
  }

  private static ProgressBar progressBar(Experiment experiment, long budget) {
    return new ProgressBarBuilder()
        .setTaskName(experiment.scenario().name() + " " + experiment.algorithm().algorithmName())
        .setInitialMax(budget)
        .setUnit(" steps", 1)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(500)
        .showSpeed()
        .setMaxRenderedLength(120)
        .build();
  }

  private static PrintWriter openLog(Path file) {
    try {
      return new PrintWriter(
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
          true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static void log(PrintWriter log, String line) {
    log.println(Instant.now() + " " + line);
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) * 1e-9;
  }

  /** Training progress as the monitor and the update listener see it. */
  private static final class Progress {
    private static final int WINDOW = 10;
    long episodes;
    long failed;
    private final Deque<double[]> recent = new ArrayDeque<>();

    void recent(double episodeReturn, double cost) {
      recent.addLast(new double[] {episodeReturn, cost});
      if (recent.size() > WINDOW) {
        recent.removeFirst();
      }
    }

    double recentReturn() {
      return recent.stream().mapToDouble(r -> r[0]).average().orElse(Double.NaN);
    }

    double recentCost() {
      return recent.stream().mapToDouble(r -> r[1]).average().orElse(Double.NaN);
    }

    String describe(double seconds) {
      return String.format(
          Locale.ROOT,
          "%.1f ep/s | return %.2f | cost %.3f",
          seconds > 0 ? episodes / seconds : 0.0,
          recentReturn(),
          recentCost());
    }
  }
}
