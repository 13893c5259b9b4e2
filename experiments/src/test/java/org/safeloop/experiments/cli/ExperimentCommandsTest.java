package org.safeloop.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.experiments.evaluate.EvaluationSummary;
import org.safeloop.experiments.run.RunDirectory;
import org.safeloop.experiments.run.RunInfo;

/** {@code train}, {@code evaluate} and {@code compare} as a user runs them. */
class ExperimentCommandsTest {
  @TempDir Path dir;

  record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = SafeLoopCommand.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void severalSeedsTrainInParallelProcessesIntoOneRunDirectoryEach() throws IOException {
    Path config = dir.resolve("fopdt.yaml");
    Files.writeString(
        config,
        """
        scenario: fopdt
        algorithm: ppo
        hyperparameters: {steps_per_update: 256, epochs: 1, hidden: [8]}
        training: {steps: 256}
        evaluation: {episodes: 1}
        """);
    Path runs = dir.resolve("runs");
    Run r =
        run(
            "train",
            config.toString(),
            "--seeds",
            "2",
            "--jobs",
            "2",
            "--output",
            runs.toString(),
            "--no-progress");
    assertEquals(0, r.exitCode(), r.out() + r.err());
    List<Path> dirs;
    try (Stream<Path> s = Files.list(runs)) {
      dirs = s.sorted().toList();
    }
    assertEquals(2, dirs.size(), dirs.toString());
    for (int seed = 0; seed < 2; seed++) {
      Path d = dirs.get(seed);
      assertTrue(d.getFileName().toString().startsWith("fopdt__ppo__" + seed + "__"), d.toString());
      RunInfo info = RunDirectory.info(d);
      assertEquals("completed", info.status(), Files.readString(d.resolve("console.log")));
      assertEquals(seed, info.seed());
      assertTrue(Files.isRegularFile(d.resolve(RunDirectory.POLICY)));
      assertTrue(r.out().contains(d + ": completed"), r.out());
    }

    Path evalDir = dir.resolve("eval");
    Run e =
        run(
            "evaluate",
            "--policy",
            dirs.get(0).resolve(RunDirectory.POLICY).toString(),
            "--episodes",
            "2",
            "--realism",
            "on",
            "--output",
            evalDir.toString());
    assertEquals(0, e.exitCode(), e.err());
    assertTrue(e.out().contains("ppo on fopdt, 2 episodes (realism on)"), e.out());
    EvaluationSummary summary =
        RunDirectory.readJson(evalDir.resolve("summary.json"), EvaluationSummary.class);
    assertEquals(2, summary.returns().length);
    assertEquals(2, summary.episodes());
    assertTrue(summary.realism(), "--realism on reached the evaluation");
    assertEquals("fopdt", summary.scenario());
    assertTrue(Files.isRegularFile(evalDir.resolve("trajectories/ppo__episode-1000001.csv")));

    Path compareDir = dir.resolve("compare");
    Run c = run("compare", runs.toString(), "--output", compareDir.toString());
    assertEquals(0, c.exitCode(), c.err());
    assertTrue(Files.isRegularFile(compareDir.resolve("compare.md")));
    // One row per policy: the two seeds of ppo together, and each baseline.
    List<String> csv = Files.readAllLines(compareDir.resolve("compare.csv"));
    List<String> columns = List.of(csv.get(0).split(","));
    Map<String, String[]> rows = new LinkedHashMap<>();
    for (String line : csv.subList(1, csv.size())) {
      String[] cells = line.split(",");
      assertEquals("fopdt", cells[columns.indexOf("scenario")], line);
      rows.put(cells[columns.indexOf("policy")], cells);
    }
    assertEquals(Set.of("ppo", "pid", "nmpc", "oracle"), rows.keySet(), csv.toString());
    assertEquals("2", rows.get("ppo")[columns.indexOf("runs")], "both seeds compared");
    for (String[] cells : rows.values()) {
      double median = Double.parseDouble(cells[columns.indexOf("median_return")]);
      assertTrue(Double.isFinite(median) && median <= 0, String.join(",", cells));
    }
  }

  @Test
  void aBundleOnTheWrongScenarioIsRefusedNamingBothSides() throws IOException {
    Path config = dir.resolve("fopdt.yaml");
    Files.writeString(
        config,
        "scenario: fopdt\nalgorithm: ppo\nhyperparameters: {steps_per_update: 64,"
            + " minibatch_size: 32, epochs: 1, hidden: [4]}\ntraining: {steps: 64}\n"
            + "evaluation: {episodes: 1}\n");
    Path run = dir.resolve("run");
    assertEquals(
        0,
        run("train", config.toString(), "--run-dir", run.toString(), "--no-progress").exitCode());
    Run e =
        run(
            "evaluate",
            "--policy",
            run.resolve(RunDirectory.POLICY).toString(),
            "--scenario",
            "cstr-tracking");
    assertEquals(2, e.exitCode());
    assertTrue(e.err().contains("does not fit scenario cstr-tracking"), e.err());
    assertTrue(e.err().contains("'u' in the bundle but 'Tc'"), e.err());
  }

  @Test
  void aBundleTrainedOnAScenarioFileIsEvaluatedOnThatFileAndRefusedWhenItChangesOrIsGone()
      throws IOException {
    String scenarioText;
    try (var in = getClass().getClassLoader().getResourceAsStream("scenarios/fopdt.yaml")) {
      scenarioText = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    Path scenarioFile = dir.resolve("my-loop.yaml");
    Files.writeString(scenarioFile, scenarioText.replace("name: fopdt", "name: my-loop"));
    Path config = dir.resolve("experiment.yaml");
    Files.writeString(
        config,
        "scenario: my-loop.yaml\nalgorithm: ppo\nhyperparameters: {steps_per_update: 64,"
            + " minibatch_size: 32, epochs: 1, hidden: [4]}\ntraining: {steps: 64}\n"
            + "evaluation: {episodes: 1}\n");
    Path run = dir.resolve("run");
    assertEquals(
        0,
        run("train", config.toString(), "--run-dir", run.toString(), "--no-progress").exitCode());
    RunInfo info = RunDirectory.info(run);
    assertEquals(scenarioFile.toAbsolutePath().normalize().toString(), info.scenarioSource());
    String bundle = run.resolve(RunDirectory.POLICY).toString();

    Run e =
        run(
            "evaluate",
            "--policy",
            bundle,
            "--episodes",
            "1",
            "--output",
            dir.resolve("e1").toString());
    assertEquals(0, e.exitCode(), e.err());
    assertTrue(e.out().contains("ppo on my-loop, 1 episodes"), e.out());

    String trainedHash = info.scenarioHash();
    Files.writeString(
        scenarioFile, scenarioText.replace("name: fopdt", "name: my-loop") + "\n# edited\n");
    Run changed = run("evaluate", "--policy", bundle, "--episodes", "1");
    assertEquals(2, changed.exitCode(), changed.out());
    assertTrue(
        changed.err().contains("scenario file " + scenarioFile.toAbsolutePath().normalize()),
        changed.err());
    assertTrue(changed.err().contains("sha256 at training " + trainedHash), changed.err());
    assertTrue(changed.err().contains(", now "), changed.err());
    assertTrue(!changed.err().contains("unknown scenario"), changed.err());

    Files.delete(scenarioFile);
    Run gone = run("evaluate", "--policy", bundle, "--episodes", "1");
    assertEquals(2, gone.exitCode(), gone.out());
    assertTrue(
        gone.err()
            .contains(
                scenarioFile.toAbsolutePath().normalize()
                    + " (sha256 "
                    + trainedHash
                    + "), which no longer exists"),
        gone.err());
  }

  /** The heated tank with a division by zero at the scenario's level of 1 m, in dT/dt. */
  private Path singularTankScenario() throws IOException {
    String model;
    try (var in = getClass().getClassLoader().getResourceAsStream("models/heated-tank.yaml")) {
      model = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    Files.writeString(
        dir.resolve("singular-tank.yaml"),
        model
            .replace("name: heated-tank", "name: singular-tank")
            .replace("initial: 1.0,", "initial: 0.5,")
            .replace(
                "T: F_in / V * (T_in - T) + Q / (rho * cp * V)",
                "T: F_in / V * (T_in - T) + Q / (rho * cp * V) + 1 / (h - 1.0)"));
    Path scenario = dir.resolve("singular.yaml");
    Files.writeString(
        scenario,
        """
        name: singular
        process: singular-tank.yaml
        steps: 20
        time_step: 3
        initial_state: {h: 1.0}
        initial_input: {F_in: 0.002, Q: 60}
        setpoints:
          h: [{value: 1.0}]
        reward:
          tracking:
            h: {weight: 1.0}
        controller:
          - {process_variable: h, input: F_in, kp: 0.001, ti: 100}
        """);
    return scenario;
  }

  @Test
  void aModelFailureFailsSimulateAndCountsAsAFailedEpisodeInEvaluateNamingTheEquationAndStep()
      throws IOException {
    Path scenario = singularTankScenario();
    Run sim =
        run(
            "simulate",
            scenario.toString(),
            "--realism",
            "off",
            "-o",
            dir.resolve("t.csv").toString());
    assertEquals(1, sim.exitCode(), sim.out() + sim.err());
    assertTrue(sim.err().contains("FAILED after 1 steps: state T (equation dT/dt)"), sim.err());
    assertTrue(sim.err().contains("during step 0"), sim.err());
    assertTrue(!sim.out().contains("return"), "no return printed: " + sim.out());

    Path out = dir.resolve("eval");
    Run e =
        run(
            "evaluate",
            "--policy",
            "pid",
            "--scenario",
            scenario.toString(),
            "--episodes",
            "2",
            "--output",
            out.toString());
    assertEquals(0, e.exitCode(), e.err());
    assertTrue(e.out().contains("FAILED episodes 2 of 2"), e.out());
    assertTrue(e.out().contains("state T (equation dT/dt)"), e.out());
    EvaluationSummary summary =
        RunDirectory.readJson(out.resolve("summary.json"), EvaluationSummary.class);
    assertEquals(2, summary.failedEpisodes());
    assertEquals(0, summary.returns().length, "a failed episode has no return");
    assertEquals(2, summary.failures().size());
    assertTrue(
        summary.failures().get(0).startsWith("seed 1000000: state T"),
        summary.failures().toString());
  }
}
