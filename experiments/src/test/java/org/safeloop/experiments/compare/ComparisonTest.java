package org.safeloop.experiments.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.experiments.config.Experiment;
import org.safeloop.experiments.evaluate.Stats;
import org.safeloop.experiments.run.Trainer;

/** The comparison table across seeds and baselines. */
class ComparisonTest {
  @TempDir static Path dir;

  static final String PPO =
      """
      scenario: fopdt
      algorithm: ppo
      hyperparameters: {steps_per_update: 256, epochs: 2, hidden: [16, 16]}
      training: {steps: 512}
      evaluation: {episodes: 3, realism: true}
      """;

  static Trainer.Result first;
  static Trainer.Result second;

  @BeforeAll
  static void trainTwoSeeds() {
    Experiment e = Experiment.parse(PPO, "ppo.yaml");
    first = Trainer.run(e, 0, dir.resolve("runs/a"), false, new AtomicBoolean());
    second = Trainer.run(e, 1, dir.resolve("runs/b"), false, new AtomicBoolean());
  }

  @Test
  void learnedRowsAggregateSeedsAndBaselinesShareTheEvaluationConditions() {
    Comparison c = Comparison.of(List.of(dir.resolve("runs")), List.of("pid", "oracle"), null);
    List<Comparison.Row> rows = c.rows();
    assertEquals(
        List.of("ppo", "pid", "oracle"), rows.stream().map(Comparison.Row::label).toList());
    Comparison.Row ppo = rows.get(0);
    assertEquals(2, ppo.runs());
    double[] medians = {first.evaluation().returnMedian(), second.evaluation().returnMedian()};
    assertEquals(Stats.median(medians), ppo.medianReturn(), 1e-12);
    assertEquals(Stats.mad(medians), ppo.madReturn(), 1e-12);
    Comparison.Row pid = rows.get(1);
    Comparison.Row oracle = rows.get(2);
    assertEquals(0.0, oracle.gapPerStep(), 1e-12);
    assertEquals((oracle.medianReturn() - pid.medianReturn()) / 90, pid.gapPerStep(), 1e-12);
    assertEquals((oracle.medianReturn() - ppo.medianReturn()) / 90, ppo.gapPerStep(), 1e-12);
    // The PID ran with the runs' noise and episodes, the oracle noise-free.
    var pidEval = c.baselines().get("fopdt").get("pid");
    assertTrue(pidEval.realism());
    assertEquals(3, pidEval.episodes());
    assertTrue(!c.baselines().get("fopdt").get("oracle").realism());
    assertTrue(oracle.medianReturn() > pid.medianReturn(), "the oracle should beat the PID");
    assertEquals(List.of(0L, 1L), ppo.seeds());
  }

  @Test
  void theTableIsWrittenAsCsvAndMarkdown() throws IOException {
    Comparison c = Comparison.of(List.of(first.runDir(), second.runDir()), List.of("pid"), null);
    Path out = dir.resolve("compare");
    c.write(out);
    List<String> csv = Files.readAllLines(out.resolve("compare.csv"));
    assertEquals(3, csv.size());
    assertTrue(csv.get(0).startsWith("scenario,policy,baseline,runs,median_return"));
    assertTrue(csv.get(1).startsWith("fopdt,ppo,false,2,"), csv.get(1));
    String md = Files.readString(out.resolve("compare.md"));
    assertTrue(md.contains("| fopdt | ppo | 2 |"), md);
    assertTrue(c.toText().contains("gap/step"));
    // Without an oracle there is no gap.
    assertTrue(md.contains("n/a"), md);
  }

  @Test
  void nothingToCompareIsAClearError() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Comparison.of(List.of(dir.resolve("runs/a/eval")), List.of(), null));
    assertTrue(e.getMessage().contains("no completed runs"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> Comparison.of(List.of(dir.resolve("runs")), List.of("lqr"), null));
  }

  @Test
  void runsEvaluatedUnderDifferentConditionsAreFlagged() {
    assertTrue(
        Comparison.of(List.of(dir.resolve("runs")), List.of(), null).warnings().isEmpty(),
        "same conditions flagged");
    Experiment other =
        Experiment.parse(PPO.replace("episodes: 3, realism: true", "episodes: 2"), "other.yaml");
    Trainer.run(other, 2, dir.resolve("mixed/c"), false, new AtomicBoolean());
    Comparison c =
        Comparison.of(List.of(first.runDir(), dir.resolve("mixed/c")), List.of("pid"), null);
    assertEquals(1, c.warnings().size(), c.warnings().toString());
    assertTrue(c.warnings().get(0).contains("different conditions"), c.warnings().get(0));
  }
}
