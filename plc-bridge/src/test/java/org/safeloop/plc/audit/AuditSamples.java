package org.safeloop.plc.audit;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.env.Quality;

/** Audit records for tests, shaped like a CSTR loop's. */
final class AuditSamples {
  static final Instant START = Instant.parse("2025-06-02T08:00:00Z");

  private AuditSamples() {}

  /** A closed-loop cycle numbered {@code n}, one second apart, with a written setpoint. */
  static CycleRecord cycle(long n) {
    Map<String, CycleRecord.Input> inputs = new LinkedHashMap<>();
    inputs.put(
        "T",
        new CycleRecord.Input(325.0 + n * 0.01, Quality.GOOD, START.plusMillis(n * 1000 - 40)));
    inputs.put("Ca", new CycleRecord.Input(0.87, Quality.GOOD, START.plusMillis(n * 1000 - 40)));
    inputs.put("Tc_operator", new CycleRecord.Input(300.0, Quality.GOOD, null));
    return new CycleRecord(
        START.plusSeconds(n),
        n,
        "closed-loop",
        inputs,
        Map.of("Tc", 300.5),
        new CycleRecord.ShieldOutcome(
            Map.of("Tc", 300.25),
            "REPAIRED",
            "RATE_LIMIT Tc: step 0.50 K above limit 0.25 K",
            List.of("RATE_LIMIT"),
            false),
        Map.of("Tc_sp", 300.25),
        800 + n % 7);
  }

  /** A cycle whose inputs are the given signals, with the shield accepting {@code tc}. */
  static CycleRecord cycle(
      Instant at,
      String mode,
      Map<String, CycleRecord.Input> inputs,
      double tc,
      List<String> layers,
      boolean fallback,
      long latencyMicros) {
    return new CycleRecord(
        at,
        0,
        mode,
        inputs,
        Map.of("Tc", tc),
        new CycleRecord.ShieldOutcome(
            Map.of("Tc", tc),
            fallback ? "FALLBACK" : layers.isEmpty() ? "ACCEPTED" : "REPAIRED",
            "",
            layers,
            fallback),
        Map.of(),
        latencyMicros);
  }

  static CycleRecord.Input good(double value) {
    return new CycleRecord.Input(value, Quality.GOOD, null);
  }

  static CycleRecord.Input quality(double value, Quality quality) {
    return new CycleRecord.Input(value, quality, null);
  }
}
