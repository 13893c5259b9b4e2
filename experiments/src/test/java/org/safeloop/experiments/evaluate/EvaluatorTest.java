package org.safeloop.experiments.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/** Closed-loop evaluation: its figures agree with the trajectories it writes. */
class EvaluatorTest {
  @TempDir Path dir;

  @Test
  void summaryFiguresAgreeWithTheWrittenTrajectories() throws IOException {
    Scenario fopdt = Scenarios.load("fopdt");
    EvaluationSummary s =
        Evaluator.evaluate(
            fopdt, PolicySource.of("pid", fopdt), new Evaluator.Settings(3, 10, true, null, dir));
    assertEquals(3, s.episodes());
    assertEquals(90, s.episodeSteps());
    double iae = 0;
    double travel = 0;
    for (int e = 0; e < 3; e++) {
      List<CSVRecord> rows = read(dir.resolve("pid__episode-" + (10 + e) + ".csv"));
      assertEquals(90, rows.size());
      double reward = 0;
      double previous = fopdt.initialInput()[0];
      for (CSVRecord r : rows) {
        reward += Double.parseDouble(r.get("reward"));
        // The error of a step is the state at its end against the set point in force during it
        // (as the reward counts it; the observation already shows the next step's set point).
        int step = Integer.parseInt(r.get("step")) - 1;
        iae += Math.abs(Double.parseDouble(r.get("x")) - fopdt.setpoint(0, step)) * 0.1;
        double u = Double.parseDouble(r.get("u"));
        travel += Math.abs(u - previous);
        previous = u;
      }
      assertEquals(reward, s.returns()[e], 1e-9);
    }
    assertEquals(iae / 3, s.tracking().get("x").iae(), 1e-9);
    assertEquals(travel / 3, s.actuatorTravel().get("u"), 1e-9);
    assertEquals(Stats.median(s.returns()), s.returnMedian());
    // With noise on, the episodes differ.
    assertTrue(s.returnMad() > 0);
    // Three set-point steps per episode (the first from the initial value).
    assertEquals(9, s.tracking().get("x").steps().size());
    assertFalse(s.shielded());
    assertEquals(0, s.interventions());
  }

  @Test
  void settlingAndOvershootOfThePidMatchWhatTheTrajectoryShows() throws IOException {
    Scenario fopdt = Scenarios.load("fopdt");
    EvaluationSummary s =
        Evaluator.evaluate(
            fopdt, PolicySource.of("pid", fopdt), new Evaluator.Settings(1, 0, false, null, dir));
    EvaluationSummary.SetpointStep second = s.tracking().get("x").steps().get(1);
    assertEquals(3.0, second.time(), 1e-9);
    assertEquals(0.4, second.to());
    List<CSVRecord> rows = read(dir.resolve("pid__episode-0.csv"));
    double from = Double.parseDouble(rows.get(29).get("x"));
    assertEquals(from, second.from(), 1e-12);
    double lowest = Double.MAX_VALUE;
    int lastOutside = -1;
    for (int k = 30; k < 60; k++) {
      double x = Double.parseDouble(rows.get(k).get("x"));
      lowest = Math.min(lowest, x);
      if (Math.abs((x - 0.4) / (0.4 - from)) > Evaluator.SETTLING_BAND) {
        lastOutside = k;
      }
    }
    assertEquals(Math.max(0, (0.4 - lowest) / (from - 0.4)), second.overshoot(), 1e-9);
    assertEquals((lastOutside - 30 + 2) * 0.1, second.settlingTime(), 1e-9);
  }

  @Test
  void aShieldedEvaluationCountsInterventionsByLayerAndKeepsConstraints() {
    Scenario cstr = Scenarios.load("cstr-constrained");
    // A policy that always asks for the hottest jacket: the shield must hold T in range.
    double hot = cstr.actionSpace().get(0).max();
    EvaluationSummary s =
        Evaluator.evaluate(
            cstr,
            PolicySource.of("hot", () -> observation -> new double[] {hot}),
            new Evaluator.Settings(3, 0, true, "cstr-constrained", null));
    assertTrue(s.shielded());
    assertTrue(s.interventions() > 0);
    assertTrue(s.interventionsByLayer().values().stream().mapToLong(Long::longValue).sum() > 0);
    assertEquals(0, s.violatingSteps(), "the shield let a violation through");
    EvaluationSummary unshielded =
        Evaluator.evaluate(
            cstr,
            PolicySource.of("hot", () -> observation -> new double[] {hot}),
            new Evaluator.Settings(3, 0, true, null, null));
    assertTrue(unshielded.violatingSteps() > 0, "the test policy is not aggressive enough");
  }

  @Test
  void theOracleRefusesNoisyOrShieldedEvaluation() {
    Scenario cstr = Scenarios.load("cstr-tracking");
    for (String name : List.of("oracle", "oracle-no-preview")) {
      PolicySource oracle = PolicySource.of(name, cstr);
      assertTrue(oracle.oracle(), name + " reads the true state");
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Evaluator.evaluate(cstr, oracle, new Evaluator.Settings(1, 0, true, null, null)));
      assertTrue(e.getMessage().contains("realism off"), e.getMessage());
    }
  }

  @Test
  void thePreviewNmpcSeesWhatTheAgentsObservationPreviewsOrItsWholeHorizon() {
    Scenario plain = Scenarios.load("cstr-tracking");
    Scenario previewed =
        Scenarios.load(Path.of("configs/observation-study/cstr-tracking-obs-preview.yaml"));
    assertEquals(10, PolicySource.previewSteps(plain), "no preview shown: the whole horizon");
    assertEquals(5, PolicySource.previewSteps(previewed), "the 5 steps the agent sees");
    assertFalse(PolicySource.of("nmpc-preview", plain).oracle(), "deployable: noisy, shielded");
  }

  @Test
  void anUnknownPolicyNameListsTheBaselines() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PolicySource.of("no-such.bundle", Scenarios.load("fopdt")));
    assertTrue(
        e.getMessage().contains("[pid, pid-simc, nmpc, nmpc-preview, oracle, oracle-no-preview]"),
        e.getMessage());
  }

  @Test
  void robustStatisticsOfSmallSamples() {
    assertEquals(2.0, Stats.median(new double[] {3, 1, 2}));
    assertEquals(2.5, Stats.median(new double[] {4, 1, 2, 3}));
    assertEquals(1.0, Stats.mad(new double[] {1, 2, 3, 4, 100}));
    assertEquals(2.5, Stats.quantile(new double[] {1, 2, 3, 4}, 0.5));
    assertTrue(Double.isNaN(Stats.median(new double[0])));
  }

  private static List<CSVRecord> read(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file)) {
      return CSVFormat.DEFAULT
          .builder()
          .setHeader()
          .setSkipHeaderRecord(true)
          .get()
          .parse(r)
          .getRecords();
    }
  }
}
