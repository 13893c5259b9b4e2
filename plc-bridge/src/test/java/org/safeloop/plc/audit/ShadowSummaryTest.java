package org.safeloop.plc.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safeloop.plc.audit.AuditSamples.START;
import static org.safeloop.plc.audit.AuditSamples.good;
import static org.safeloop.plc.audit.AuditSamples.quality;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.Quality;
import org.safeloop.plc.audit.ShadowSummary.OperatorSetpoint;

/** Shadow-report figures checked against a five-cycle log computed by hand. */
class ShadowSummaryTest {
  private static final OperatorSetpoint TC = new OperatorSetpoint("Tc", "Tc_operator", 0.5);
  private static final OperatorSetpoint NEVER_LOGGED = new OperatorSetpoint("Tc", "Tc_panel", 0.5);

  @TempDir Path dir;

  private static Map<String, CycleRecord.Input> inputs(
      CycleRecord.Input t, CycleRecord.Input operator) {
    Map<String, CycleRecord.Input> inputs = new LinkedHashMap<>();
    inputs.put("T", t);
    inputs.put("Tc_operator", operator);
    return inputs;
  }

  /**
   * Five cycles. Recommendation minus operator setpoint: 0.2, 1.0, 0.0, (operator bad), 0.4.
   * Latencies 100, 300, 200, 1000, 150 us.
   */
  static List<AuditRecord> handComputedLog() {
    return List.of(
        new EventRecord(START, EventKind.STARTED, "shadow"),
        AuditSamples.cycle(
            START, "shadow", inputs(good(330), good(300.0)), 300.2, List.of(), false, 100),
        AuditSamples.cycle(
            START.plusSeconds(1),
            "shadow",
            inputs(quality(Double.NaN, Quality.BAD), good(300.0)),
            301.0,
            List.of("INPUT_VALIDITY", "FALLBACK"),
            true,
            300),
        AuditSamples.cycle(
            START.plusSeconds(2),
            "shadow",
            inputs(quality(331, Quality.UNCERTAIN), good(299.0)),
            299.0,
            List.of("RATE_LIMIT"),
            false,
            200),
        AuditSamples.cycle(
            START.plusSeconds(3),
            "shadow",
            inputs(good(331), quality(Double.NaN, Quality.BAD)),
            299.5,
            List.of("RATE_LIMIT", "HARD_LIMIT"),
            false,
            1000),
        new EventRecord(START.plusSeconds(4), EventKind.DEMOTION, "operator override"),
        AuditSamples.cycle(
            START.plusMillis(4500),
            "advisory",
            inputs(good(332), good(298.0)),
            298.4,
            List.of(),
            false,
            150));
  }

  @Test
  void agreementWithTheOperatorIsTheMeanDifferenceAndShareWithinTolerance() {
    ShadowSummary summary = ShadowSummary.of(handComputedLog(), List.of(TC, NEVER_LOGGED));

    ShadowSummary.Agreement tc = summary.agreement().get(0);
    assertEquals(TC, tc.comparison());
    assertEquals(4, tc.comparedCycles());
    assertEquals(1, tc.skippedCycles());
    assertEquals((0.2 + 1.0 + 0.0 + 0.4) / 4, tc.meanAbsoluteDifference(), 1e-9);
    assertEquals(1.0, tc.maxAbsoluteDifference(), 1e-12);
    assertEquals(75.0, tc.withinTolerancePercent(), 1e-12);

    ShadowSummary.Agreement never = summary.agreement().get(1);
    assertEquals(0, never.comparedCycles());
    assertEquals(5, never.skippedCycles());
    assertTrue(Double.isNaN(never.meanAbsoluteDifference()));
    assertTrue(Double.isNaN(never.withinTolerancePercent()));
  }

  @Test
  void shieldInterventionsAreCountedPerLayerInCycles() {
    ShadowSummary summary = ShadowSummary.of(handComputedLog(), List.of());

    assertEquals(3, summary.interventionCycles());
    assertEquals(
        Map.of("FALLBACK", 1L, "HARD_LIMIT", 1L, "INPUT_VALIDITY", 1L, "RATE_LIMIT", 2L),
        summary.interventionsByLayer());
    assertEquals(
        List.of("FALLBACK", "HARD_LIMIT", "INPUT_VALIDITY", "RATE_LIMIT"),
        List.copyOf(summary.interventionsByLayer().keySet()));
    assertEquals(1, summary.fallbackCycles());
  }

  @Test
  void inputProblemsAreCountedPerCycleAndPerSignal() {
    ShadowSummary summary = ShadowSummary.of(handComputedLog(), List.of());

    assertEquals(3, summary.cyclesWithInputProblems());
    assertEquals(
        Map.of(
            "T", new ShadowSummary.SignalProblems(2, 1, 1, 1),
            "Tc_operator", new ShadowSummary.SignalProblems(1, 0, 1, 1)),
        summary.inputProblemsBySignal());
  }

  @Test
  void latencyPercentilesAreNearestRankAndTheSpanRunsFromFirstToLastCycle() {
    ShadowSummary summary = ShadowSummary.of(handComputedLog(), List.of());

    assertEquals(new ShadowSummary.Latency(5, 200, 1000, 1000, 1000), summary.latency());
    assertEquals(5, summary.cycles());
    assertEquals(2, summary.events());
    assertEquals(START, summary.firstCycle());
    assertEquals(START.plusMillis(4500), summary.lastCycle());
    assertEquals(Duration.ofMillis(4500), summary.span());
    assertEquals(Map.of("shadow", 4L, "advisory", 1L), summary.cyclesByMode());
    assertEquals(Map.of(EventKind.STARTED, 1L, EventKind.DEMOTION, 1L), summary.eventsByKind());
  }

  @Test
  void nearestRankPercentilesPickAValueThatOccurred() {
    long[] oneToHundred = LongStream.rangeClosed(1, 100).toArray();
    assertEquals(50, ShadowSummary.nearestRank(oneToHundred, 50));
    assertEquals(95, ShadowSummary.nearestRank(oneToHundred, 95));
    assertEquals(99, ShadowSummary.nearestRank(oneToHundred, 99));
    long[] four = {10, 20, 30, 40};
    assertEquals(20, ShadowSummary.nearestRank(four, 50));
    assertEquals(40, ShadowSummary.nearestRank(four, 95));
    long[] twenty = LongStream.rangeClosed(1, 20).toArray();
    assertEquals(19, ShadowSummary.nearestRank(twenty, 95));
    assertEquals(7, ShadowSummary.nearestRank(new long[] {7}, 1));
  }

  @Test
  void anEmptyLogGivesZeroCountsAndNoTimeSpan() {
    ShadowSummary summary = ShadowSummary.of(List.of(), List.of(TC));

    assertEquals(0, summary.cycles());
    assertNull(summary.firstCycle());
    assertEquals(Duration.ZERO, summary.span());
    assertEquals(new ShadowSummary.Latency(0, 0, 0, 0, 0), summary.latency());
    assertEquals(0, summary.agreement().get(0).comparedCycles());
  }

  @Test
  void theSummaryStreamedFromTheLogFileEqualsTheOneFromTheRecords() {
    Path file = dir.resolve("audit.jsonl");
    try (AuditLog audit =
        AuditLog.open(AuditLog.Options.builder(file).maxFileBytes(1024).build())) {
      handComputedLog().forEach(audit::append);
    }

    ShadowSummary.Accumulator accumulator = ShadowSummary.accumulator(List.of(TC));
    AuditLogReader.ReadResult read = AuditLogReader.read(file, accumulator);

    assertTrue(read.files().size() > 1, "the log should span rotated files");
    assertEquals(ShadowSummary.of(handComputedLog(), List.of(TC)), accumulator.summary());
  }

  @Test
  void aToleranceThatIsNegativeOrNotANumberIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new OperatorSetpoint("Tc", "op", -0.1));
    assertThrows(
        IllegalArgumentException.class, () -> new OperatorSetpoint("Tc", "op", Double.NaN));
  }
}
