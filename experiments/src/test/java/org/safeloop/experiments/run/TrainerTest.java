package org.safeloop.experiments.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.SignalSpec;
import org.safeloop.experiments.cli.SafeLoopCommand;
import org.safeloop.experiments.config.Experiment;
import org.safeloop.experiments.evaluate.EvaluationSummary;
import org.safeloop.policy.MlpPolicy;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.policy.PolicyBundles;

/** Training runs: their files, their determinism, and a clean stop. */
class TrainerTest {
  @TempDir Path dir;

  static final String PPO =
      """
      scenario: fopdt
      algorithm: ppo
      hyperparameters: {steps_per_update: 256, minibatch_size: 64, epochs: 2, hidden: [16, 16]}
      training: {steps: 1024, checkpoint_every: 512}
      evaluation: {episodes: 2}
      """;

  static final String SAC =
      """
      scenario: fopdt
      algorithm: sac
      hyperparameters: {hidden: [16, 16], learning_starts: 100, batch_size: 32,
                        metrics_interval: 100}
      training: {steps: 400}
      evaluation: {episodes: 1}
      """;

  @Test
  void aCompletedRunHoldsEveryFileAndAnEvaluationOfItsBundle() throws IOException {
    Path run = dir.resolve("run");
    Trainer.Result r =
        Trainer.run(Experiment.parse(PPO, "ppo.yaml"), 7, run, false, new AtomicBoolean());
    assertEquals("completed", r.info().status());
    assertEquals(1024, r.info().environmentSteps());
    for (String f :
        List.of(
            RunDirectory.CONFIG,
            RunDirectory.RUN,
            RunDirectory.METRICS,
            RunDirectory.POLICY,
            RunDirectory.EVAL,
            RunDirectory.LOG)) {
      assertTrue(Files.isRegularFile(run.resolve(f)), f);
    }
    assertEquals(List.of("step-000000512.bundle"), names(run.resolve(RunDirectory.CHECKPOINTS)));
    RunInfo info = RunDirectory.info(run);
    assertEquals(7, info.seed());
    assertEquals("fopdt", info.scenario());
    assertEquals(64, info.configHash().length());
    assertFalse(info.codeVersion().isEmpty());
    EvaluationSummary eval =
        RunDirectory.readJson(run.resolve(RunDirectory.EVAL), EvaluationSummary.class);
    assertEquals(2, eval.episodes());
    assertEquals(eval.returnMedian(), r.evaluation().returnMedian());
    assertEquals(2, names(run.resolve(RunDirectory.EVAL_DIR)).size());
    PolicyBundle bundle = PolicyBundles.load(run.resolve(RunDirectory.POLICY));
    assertEquals(7, bundle.seed());
    assertEquals("ppo", bundle.algorithm());
    // The resolved config trains the same thing again.
    assertEquals(info.configHash(), Experiment.load(run.resolve(RunDirectory.CONFIG)).configHash());
  }

  @Test
  void aShapedRunReportsTheScenariosOwnRewardAndIsDeterministic() throws IOException {
    String shaped =
        PPO.replace(
            "training: {steps: 1024, checkpoint_every: 512}",
            "training: {steps: 1024, checkpoint_every: 512, shaping: {tracking: 1000000}}");
    Path plainRun = dir.resolve("plain");
    Path shapedRun = dir.resolve("shaped");
    Path again = dir.resolve("again");
    Trainer.run(Experiment.parse(PPO, "ppo.yaml"), 5, plainRun, false, new AtomicBoolean());
    Trainer.run(Experiment.parse(shaped, "s.yaml"), 5, shapedRun, false, new AtomicBoolean());
    Trainer.run(Experiment.parse(shaped, "s.yaml"), 5, again, false, new AtomicBoolean());

    List<String> plain = episodeReturns(plainRun);
    List<String> withShaping = episodeReturns(shapedRun);
    // Before the first update (256 steps) both runs act alike: the same seed, the same untrained
    // network. Their episodes must report the same return: the scenario's, not the shaped one
    // (a million times the tracking penalty would show).
    int beforeUpdate = 256 / Experiment.parse(PPO, "ppo.yaml").scenario().episodeSteps();
    assertTrue(beforeUpdate >= 2, "too few episodes before the first update");
    assertEquals(plain.subList(0, beforeUpdate), withShaping.subList(0, beforeUpdate));
    assertEquals(withShaping, episodeReturns(again), "same config and seed, same metrics");
    assertTrue(
        Files.readString(shapedRun.resolve(RunDirectory.CONFIG)).contains("tracking: 1000000"),
        "the resolved config keeps the shaping");
  }

  @Test
  void aResidualRunRecordsItsBaseAndBoundAndIsDeterministic() throws IOException {
    assertResidualRunRecordsItsBaseAndIsDeterministic("pid", 1024);
  }

  @Test
  void aResidualRunOnTheNmpcRecordsItsBaseAndIsDeterministic() throws IOException {
    // 512 steps and one evaluation episode: the NMPC base optimises at every step.
    assertResidualRunRecordsItsBaseAndIsDeterministic("nmpc", 512);
  }

  /** Trains a residual on {@code base} twice from seed 5 and compares the runs. */
  private void assertResidualRunRecordsItsBaseAndIsDeterministic(String base, long steps)
      throws IOException {
    String residual =
        PPO.replace(
                "training: {steps: 1024, checkpoint_every: 512}",
                "training: {steps: "
                    + steps
                    + ", checkpoint_every: 512, residual: {base: "
                    + base
                    + ", bound: {u: 0.25}}}")
            .replace("evaluation: {episodes: 2}", "evaluation: {episodes: 1}");
    Path run = dir.resolve("residual-" + base);
    Path again = dir.resolve("residual-" + base + "-again");
    Trainer.Result r =
        Trainer.run(Experiment.parse(residual, "r.yaml"), 5, run, false, new AtomicBoolean());
    Trainer.Result second =
        Trainer.run(Experiment.parse(residual, "r.yaml"), 5, again, false, new AtomicBoolean());

    assertEquals("completed", r.info().status());
    PolicyBundle bundle = PolicyBundles.load(run.resolve(RunDirectory.POLICY));
    assertEquals(base, bundle.residualBase());
    assertEquals(0.25, bundle.residualBound()[0], 0.0);
    Experiment e = Experiment.parse(residual, "r.yaml");
    assertEquals(e.scenario().actionSpace().signals(), bundle.actions(), "the actuators' space");
    assertEquals(-0.25, bundle.networkActions().get(0).min(), 0.0);
    assertEquals(episodeReturns(run), episodeReturns(again), "same config and seed, same metrics");
    assertEquals(
        r.evaluation().returnMedian(),
        second.evaluation().returnMedian(),
        "the bundle, run on its base, evaluates the same twice");
    assertTrue(
        Files.readString(run.resolve(RunDirectory.CONFIG)).contains("base: " + base),
        "the resolved config keeps the residual's base");
  }

  @Test
  void aRunThatChoosesInsideTheShieldsBoxIsRarelyCorrectedAndRunsFromItsBundle()
      throws IOException {
    String mapped =
        """
        scenario: cstr-constrained
        algorithm: ppo-lag
        hyperparameters: {steps_per_update: 512, minibatch_size: 64, epochs: 2, hidden: [16, 16]}
        shield: cstr-constrained
        training: {steps: 1024, checkpoint_every: 1024, realism: false, action_mapping: shield}
        evaluation: {episodes: 2, realism: false}
        """;
    String plain = mapped.replace(", action_mapping: shield", "");
    Path run = dir.resolve("mapped");
    Trainer.Result r =
        Trainer.run(Experiment.parse(mapped, "m.yaml"), 3, run, false, new AtomicBoolean());
    Trainer.Result proposing =
        Trainer.run(
            Experiment.parse(plain, "p.yaml"), 3, dir.resolve("plain"), false, new AtomicBoolean());
    Trainer.Result again =
        Trainer.run(
            Experiment.parse(mapped, "m.yaml"),
            3,
            dir.resolve("mapped-again"),
            false,
            new AtomicBoolean());

    assertEquals("completed", r.info().status());
    PolicyBundle bundle = PolicyBundles.load(run.resolve(RunDirectory.POLICY));
    Experiment e = Experiment.parse(mapped, "m.yaml");
    assertEquals("shield", bundle.actionMapping());
    assertEquals("cstr-constrained", bundle.shieldSource());
    assertEquals(e.scenario().observationSpace().signals(), bundle.plantObservations());
    assertEquals(
        List.of("Tc_admissible_low", "Tc_admissible_high"),
        bundle
            .observations()
            .subList(bundle.observations().size() - 2, bundle.observations().size())
            .stream()
            .map(SignalSpec::name)
            .toList());
    assertEquals(-1.0, bundle.networkActions().get(0).min(), 0.0);
    assertEquals(e.scenario().actionSpace().signals(), bundle.actions(), "the actuators' space");
    // Whatever the barely trained network answers, a point of the box is not corrected; a
    // proposing policy at the same budget is corrected on most steps.
    assertTrue(
        r.evaluation().interventionRate() <= 0.05, "mapped: " + r.evaluation().interventionRate());
    assertTrue(
        proposing.evaluation().interventionRate() > 0.2,
        "proposing: " + proposing.evaluation().interventionRate());
    assertEquals(0, r.evaluation().violatingSteps());
    assertEquals(episodeReturns(run), episodeReturns(again.runDir()), "same config and seed");
  }

  private static List<String> episodeReturns(Path run) throws IOException {
    return Files.readAllLines(run.resolve(RunDirectory.METRICS)).stream()
        .filter(l -> l.startsWith("episode,"))
        .map(l -> l.split(",")[5])
        .toList();
  }

  @Test
  void theSameConfigAndSeedGiveTheSameMetrics() throws IOException {
    for (String text : List.of(PPO, SAC)) {
      Experiment e = Experiment.parse(text, "x.yaml");
      Path a = dir.resolve("a" + text.hashCode());
      Path b = dir.resolve("b" + text.hashCode());
      Trainer.run(e, 3, a, false, new AtomicBoolean());
      Trainer.run(e, 3, b, false, new AtomicBoolean());
      List<String> ma = withoutWallClock(a.resolve(RunDirectory.METRICS));
      List<String> mb = withoutWallClock(b.resolve(RunDirectory.METRICS));
      assertTrue(ma.size() > 5, "too few rows: " + ma);
      assertEquals(ma, mb);
      assertEquals(
          withoutTiming(a.resolve(RunDirectory.EVAL)),
          withoutTiming(b.resolve(RunDirectory.EVAL)),
          "evaluation differs");
    }
  }

  @Test
  void aStopRequestLeavesALoadableCheckpointAndConsistentMetrics() throws IOException {
    Path run = dir.resolve("stopped");
    AtomicInteger asked = new AtomicInteger();
    Trainer.Result r =
        Trainer.run(
            Experiment.parse(PPO.replace("steps: 1024", "steps: 100000"), "x.yaml"),
            1,
            run,
            false,
            () -> asked.incrementAndGet() > 3);
    assertEquals("interrupted", r.info().status());
    assertEquals(768, r.info().environmentSteps());
    assertStoppedCleanly(run, 768);
  }

  @Test
  void aTerminatedTrainProcessStopsCleanly() throws Exception {
    Path config = dir.resolve("long.yaml");
    Files.writeString(config, PPO.replace("steps: 1024", "steps: 10000000"));
    Path run = dir.resolve("signalled");
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(a -> a.startsWith("-D") || a.startsWith("-X"))
            .toList());
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            SafeLoopCommand.class.getName(),
            "train",
            config.toString(),
            "--no-progress",
            "--run-dir",
            run.toString()));
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("child.log").toFile())
            .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (updateRows(run.resolve(RunDirectory.METRICS)) < 2) {
        assertTrue(p.isAlive(), () -> "train exited early: " + log());
        assertTrue(System.nanoTime() < deadline, "no update within 120 s");
        Thread.sleep(100);
      }
      p.destroy(); // SIGTERM, like a service manager; Ctrl-C runs the same shutdown hook
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "train did not stop within 60 s");
    } finally {
      p.destroyForcibly();
    }
    RunInfo info = RunDirectory.info(run);
    assertEquals("interrupted", info.status(), log());
    assertStoppedCleanly(run, info.environmentSteps());
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("child.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static void assertStoppedCleanly(Path run, long steps) throws IOException {
    assertFalse(Files.exists(run.resolve(RunDirectory.POLICY)));
    assertFalse(Files.exists(run.resolve(RunDirectory.EVAL)));
    Path checkpoint =
        run.resolve(RunDirectory.CHECKPOINTS).resolve(String.format("step-%09d.bundle", steps));
    assertTrue(Files.isRegularFile(checkpoint), "no checkpoint at " + steps);
    PolicyBundle bundle = PolicyBundles.load(checkpoint);
    double[] observation = new double[bundle.observations().size()];
    double[] action = new double[bundle.actions().size()];
    new MlpPolicy(bundle).act(observation, action);
    assertTrue(Double.isFinite(action[0]));
    try (Stream<Path> files = Files.list(run.resolve(RunDirectory.CHECKPOINTS))) {
      assertTrue(files.noneMatch(f -> f.toString().endsWith(".tmp")));
    }
    List<String> lines = Files.readAllLines(run.resolve(RunDirectory.METRICS));
    assertEquals(String.join(",", MetricsLog.COLUMNS), lines.get(0));
    long lastSteps = 0;
    long lastUpdateSteps = 0;
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      assertEquals(MetricsLog.COLUMNS.size(), cells.length, line);
      long s = Long.parseLong(cells[2]);
      assertTrue(s >= lastSteps, "steps go back at " + line);
      lastSteps = s;
      if (cells[0].equals("update")) {
        lastUpdateSteps = s;
      }
    }
    assertEquals(steps, lastUpdateSteps);
  }

  private static long updateRows(Path metrics) throws IOException {
    if (!Files.isRegularFile(metrics)) {
      return 0;
    }
    return Files.readAllLines(metrics).stream().filter(l -> l.startsWith("update,")).count();
  }

  private static List<String> withoutWallClock(Path metrics) throws IOException {
    int wall = MetricsLog.COLUMNS.indexOf("wall_seconds");
    return Files.readAllLines(metrics).stream()
        .map(
            l -> {
              String[] c = l.split(",", -1);
              c[wall] = "";
              return String.join(",", c);
            })
        .toList();
  }

  private static List<String> withoutTiming(Path eval) throws IOException {
    return Files.readAllLines(eval).stream()
        .filter(l -> !l.contains("seconds_per_episode"))
        .toList();
  }

  private static List<String> names(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aDiskThatFillsDuringTrainingLeavesNoTemporariesAndARunMarkedFailedWithTheReason()
      throws IOException {
    Path full = Path.of("/dev/full");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(full), "needs Linux's /dev/full");
    Path run = dir.resolve("run");
    Files.createDirectories(run);
    // Every write to metrics.csv fails as on a full disk.
    Files.createSymbolicLink(run.resolve(RunDirectory.METRICS), full);
    RuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            RuntimeException.class,
            () -> Trainer.run(Experiment.parse(PPO, "ppo.yaml"), 1, run, false, () -> false));
    RunInfo info = RunDirectory.info(run);
    assertEquals("failed", info.status());
    assertTrue(info.message().contains("No space left on device"), info.message());
    assertTrue(RunDirectory.reason(e).contains("No space left on device"), e.toString());
    try (Stream<Path> files = Files.walk(run)) {
      assertEquals(List.of(), files.filter(p -> p.toString().endsWith(".tmp")).toList());
    }
  }

  @Test
  void aRunObservingModelEstimatesRecordsThemAndIsDeterministic() throws IOException {
    String yaml;
    try (var in =
        org.safeloop.env.scenario.Scenarios.class.getResourceAsStream("/scenarios/fopdt.yaml")) {
      yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    Path scenario = dir.resolve("fopdt-estimate.yaml");
    Files.writeString(
        scenario,
        yaml.replace("name: fopdt", "name: fopdt-estimate") + "\nobservation:\n  estimate: true\n");
    String config = PPO.replace("scenario: fopdt", "scenario: " + scenario);
    Path run = dir.resolve("estimate");
    Path again = dir.resolve("estimate-again");
    Trainer.run(Experiment.parse(config, "e.yaml"), 3, run, false, new AtomicBoolean());
    Trainer.run(Experiment.parse(config, "e.yaml"), 3, again, false, new AtomicBoolean());

    PolicyBundle bundle = PolicyBundles.load(run.resolve(RunDirectory.POLICY));
    List<String> derived = bundle.observationDesign().derivedSignals();
    assertFalse(derived.isEmpty());
    assertTrue(derived.stream().allMatch(n -> n.endsWith("_estimate")), derived.toString());
    assertEquals(
        Experiment.parse(config, "e.yaml").scenario().observationDesign().space().names(),
        bundle.observationDesign().space().names());
    assertEquals(episodeReturns(run), episodeReturns(again), "same config and seed, same metrics");
  }

  @Test
  void aSacResidualRunRecordsItsBaseAndBoundAndIsDeterministic() throws IOException {
    String residual =
        SAC.replace(
            "training: {steps: 400}",
            "training: {steps: 400, residual: {base: pid, bound: {u: 0.25}}}");
    Path run = dir.resolve("sac-residual");
    Path again = dir.resolve("sac-residual-again");
    Trainer.run(Experiment.parse(residual, "r.yaml"), 4, run, false, new AtomicBoolean());
    Trainer.run(Experiment.parse(residual, "r.yaml"), 4, again, false, new AtomicBoolean());

    PolicyBundle bundle = PolicyBundles.load(run.resolve(RunDirectory.POLICY));
    assertEquals("sac", bundle.algorithm());
    assertEquals("pid", bundle.residualBase());
    assertEquals(0.25, bundle.residualBound()[0], 0.0);
    assertEquals(-0.25, bundle.networkActions().get(0).min(), 0.0);
    assertEquals(episodeReturns(run), episodeReturns(again), "same config and seed, same metrics");
  }
}
