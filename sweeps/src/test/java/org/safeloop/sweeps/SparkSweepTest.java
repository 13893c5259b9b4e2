package org.safeloop.sweeps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.experiments.cli.SafeLoopCommand;
import org.safeloop.experiments.run.RunDirectory;
import org.safeloop.experiments.run.RunInfo;
import picocli.CommandLine;

/** Sweeps on a real Spark ({@code local[2]}) with tiny PPO trainings in child JVMs. */
class SparkSweepTest {
  /** A few hundred steps of a small PPO: a run takes seconds. */
  private static final String EXPERIMENT =
      """
      scenario: %s
      algorithm: ppo
      hyperparameters: {steps_per_update: 128, epochs: 1, minibatch_size: 64, hidden: [8]}
      training: {steps: 256}
      evaluation: {episodes: 1}
      """;

  @TempDir Path dir;

  private record Run(int exitCode, String out, String err) {}

  private static Run run(CommandLine cli, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private static Run sweepOnTwoCores(Path sweepFile, Path out, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of("sweep", sweepFile.toString(), "--master", "local[2]", "-o", out.toString()));
    args.addAll(List.of(more));
    return run(SweepMain.commandLine(), args.toArray(String[]::new));
  }

  /** The run directories directly in {@code folder}, by name. */
  private static List<Path> runs(Path folder) throws IOException {
    try (Stream<Path> s = Files.list(folder)) {
      return s.filter(RunDirectory::isRun).sorted().toList();
    }
  }

  /** metrics.csv without its wall-clock column, the one figure that differs between two runs. */
  private static List<String> metricsWithoutWallClock(Path run) throws IOException {
    List<String> lines = Files.readAllLines(run.resolve(RunDirectory.METRICS));
    int wall = List.of(lines.get(0).split(",", -1)).indexOf("wall_seconds");
    assertTrue(wall >= 0, lines.get(0));
    List<String> kept = new ArrayList<>();
    for (String line : lines) {
      List<String> cells = new ArrayList<>(List.of(line.split(",", -1)));
      cells.remove(wall);
      kept.add(String.join(",", cells));
    }
    return kept;
  }

  /** Every file of a run, relative, with checkpoints and policy bundles by name only. */
  private static List<String> files(Path run) throws IOException {
    try (Stream<Path> s = Files.walk(run)) {
      return s.filter(Files::isRegularFile)
          .map(p -> run.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  @Test
  void sweepOfTwoScenariosAndTwoSeedsMakesTheRunsSafeloopTrainMakes() throws IOException {
    Files.writeString(dir.resolve("base.yaml"), EXPERIMENT.formatted("fopdt"));
    Path sweepFile = dir.resolve("grid.yaml");
    Files.writeString(
        sweepFile,
        """
        experiment: base.yaml
        scenarios: [fopdt, first-order]
        seeds: [0, 1]
        """);
    Path out = dir.resolve("sweep");
    Run sweep = sweepOnTwoCores(sweepFile, out);
    assertEquals(0, sweep.exitCode(), sweep.out() + sweep.err());
    assertTrue(sweep.out().contains("4 runs in"), sweep.out());
    List<Path> swept = runs(out);
    assertEquals(4, swept.size(), swept.toString());

    // The same experiments through safeloop train: seeds 0 and 1 in child processes.
    Path trained = dir.resolve("train");
    for (String scenario : List.of("fopdt", "first-order")) {
      Path config = dir.resolve(scenario + ".yaml");
      Files.writeString(config, EXPERIMENT.formatted(scenario));
      Run train =
          run(
              SafeLoopCommand.commandLine(),
              "train",
              config.toString(),
              "--seeds",
              "2",
              "--jobs",
              "2",
              "-o",
              trained.toString(),
              "--no-progress");
      assertEquals(0, train.exitCode(), train.out() + train.err());
    }
    Map<String, Path> byPoint = new TreeMap<>();
    for (Path p : runs(trained)) {
      RunInfo info = RunDirectory.info(p);
      byPoint.put(info.scenario() + "/" + info.seed(), p);
    }
    assertEquals(4, byPoint.size(), byPoint.toString());
    for (Path s : swept) {
      RunInfo info = RunDirectory.info(s);
      assertEquals("completed", info.status(), s.toString());
      Path t = byPoint.get(info.scenario() + "/" + info.seed());
      assertEquals(
          t.getFileName().toString().replaceAll("__[0-9-]+$", ""),
          s.getFileName().toString().replaceAll("__[0-9-]+$", ""),
          "run directories are named as train names them");
      assertEquals(files(t), files(s), "the same files as train's run: " + s);
      assertEquals(
          Files.readString(t.resolve(RunDirectory.CONFIG)),
          Files.readString(s.resolve(RunDirectory.CONFIG)),
          "config.yaml of " + s);
      assertEquals(metricsWithoutWallClock(t), metricsWithoutWallClock(s), "metrics of " + s);
      assertEquals(RunDirectory.info(t).configHash(), info.configHash());
    }
    assertTrue(Files.isRegularFile(out.resolve(Sweep.INDEX)));
    assertEquals(5, Files.readAllLines(out.resolve(Sweep.INDEX)).size());

    // compare and report take the sweep folder as they take a folder of train's runs.
    Run compare =
        run(
            SafeLoopCommand.commandLine(),
            "compare",
            out.toString(),
            "--baselines",
            "pid",
            "-o",
            dir.resolve("compare").toString());
    assertEquals(0, compare.exitCode(), compare.out() + compare.err());
    for (String scenario : List.of("fopdt", "first-order")) {
      assertTrue(
          compare.out().lines().anyMatch(l -> l.matches(scenario + " +ppo +2 .*")), compare.out());
    }
    Run report =
        run(
            SafeLoopCommand.commandLine(),
            "report",
            out.toString(),
            "--baselines",
            "pid",
            "-o",
            dir.resolve("report").toString());
    assertEquals(0, report.exitCode(), report.out() + report.err());
    assertTrue(Files.isRegularFile(dir.resolve("report").resolve("report.html")));
  }

  @Test
  void taskKilledOnItsFirstAttemptIsRetriedAndLeavesOneRunDirectory() throws IOException {
    Files.writeString(dir.resolve("base.yaml"), EXPERIMENT.formatted("first-order"));
    Path sweepFile = dir.resolve("one.yaml");
    Files.writeString(sweepFile, "experiment: base.yaml\nseeds: [3]\n");
    Path out = dir.resolve("sweep");
    System.setProperty(SweepTask.KILL_FIRST_ATTEMPT, "0");
    Run sweep;
    try {
      sweep = sweepOnTwoCores(sweepFile, out, "--quick");
    } finally {
      System.clearProperty(SweepTask.KILL_FIRST_ATTEMPT);
    }
    assertEquals(0, sweep.exitCode(), sweep.out() + sweep.err());
    assertTrue(sweep.out().contains("completed (attempt 2)"), sweep.out());
    List<String> all;
    try (Stream<Path> s = Files.list(out)) {
      all = s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    }
    List<Path> complete = runs(out);
    assertEquals(1, complete.size(), all.toString());
    assertEquals(List.of(Sweep.WORK, complete.get(0).getFileName().toString()), all);
    RunInfo info = RunDirectory.info(complete.get(0));
    assertEquals("completed", info.status());
    assertEquals(3, info.seed());
    assertTrue(Files.isRegularFile(complete.get(0).resolve(RunDirectory.POLICY)));
    assertTrue(
        Files.readString(complete.get(0).resolve(RunDirectory.CONFIG)).contains("episodes: 3"),
        "--quick evaluates 3 episodes, as train --quick");

    // The killed attempt stays in the work folder, for its console, never beside the runs.
    List<Path> attempts;
    try (Stream<Path> s = Files.list(out.resolve(Sweep.WORK).resolve("attempts"))) {
      attempts = s.toList();
    }
    assertEquals(1, attempts.size(), attempts.toString());
    Path killed = attempts.get(0).resolve(complete.get(0).getFileName());
    assertTrue(attempts.get(0).getFileName().toString().startsWith("0-"), attempts.toString());
    assertFalse(
        RunDirectory.isRun(killed) && RunDirectory.info(killed).status().equals("completed"),
        "the killed attempt did not complete");
  }
}
