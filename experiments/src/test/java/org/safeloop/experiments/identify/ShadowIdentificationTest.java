package org.safeloop.experiments.identify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.runtime.Deployment;
import org.safeloop.plc.runtime.Mode;
import org.safeloop.plc.virtualplant.VirtualPlant;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;

/**
 * The shadow period's own data calibrates the model: a virtual CSTR whose truth is 15 % less
 * cooling and a 10 % faster reaction, a bridge in shadow mode over Modbus on loopback logging 300
 * cycles while an operator moves the jacket, and {@code identify} on that audit log.
 */
class ShadowIdentificationTest {
  @TempDir Path dir;

  /** A clock that moves only when told. */
  static final class SteppedClock extends Clock {
    private volatile Instant now;

    SteppedClock(Instant start) {
      this.now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void threeHundredShadowCyclesOfAMismatchedPlantRecoverItsUaAndK0() throws Exception {
    Scenario model = Scenarios.load("cstr-constrained");
    double ua = 5.0e4 * 0.85;
    double k0 = 7.2e10 * 1.10;
    Path audit = dir.resolve("audit.jsonl");
    SteppedClock clock = new SteppedClock(Instant.parse("2026-12-04T08:00:00Z"));
    double speed = 26.0 * 1000.0 / 20.0; // 26 s of process time every 20 ms
    try (VirtualPlant plant =
        VirtualPlant.builder(model)
            .truth(Map.of("UA", ua, "k0", k0))
            .manualStepping()
            .protocols(Protocol.MODBUS)
            .realism(true)
            .seed(3)
            .speed(speed)
            .start()) {
      plant.setOperatorSetpoint("Tc", 290.0);
      // The feed-temperature step of the scenario's realism happens in these first cycles,
      // before the record starts.
      for (int k = 0; k < 30; k++) {
        plant.step();
      }
      Path plantFile = plant.writePlantFiles(dir).get(0);
      try (Deployment d =
          Deployment.builder(plantFile)
              .shield("cstr-constrained")
              .pid()
              .audit(AuditLog.Options.builder(audit).build())
              .mode(Mode.SHADOW)
              .clock(clock)
              .build()) {
        SplittableRandom operator = new SplittableRandom(7);
        for (int cycle = 0; cycle < 300; cycle++) {
          // The plant is stepped by hand: its process time is one control interval a cycle
          // however long the cycle took, so the bridge's clock moves one cycle period a cycle.
          clock.advance(Duration.ofMillis(20));
          if (cycle % 10 == 0) {
            plant.setOperatorSetpoint("Tc", 290.0 + 3.0 * operator.nextDouble());
          }
          d.runtime().runCycle();
          plant.step();
        }
      }
    }
    Identification.Outcome o =
        Identification.run(
            new Identification.Options(
                audit,
                "cstr-constrained",
                List.of("UA", "k0", "Ti"),
                false,
                0.3,
                20,
                3.0,
                100,
                null),
            dir.resolve("identified"),
            e -> {});
    Identification.Estimate uaEstimate = o.estimates().get(0);
    Identification.Estimate k0Estimate = o.estimates().get(1);
    String report = o.estimates() + " " + o.warnings() + " " + o.summary();
    assertEquals(ua, uaEstimate.estimate(), 0.02 * ua, report);
    assertEquals(k0, k0Estimate.estimate(), 0.02 * k0, report);
    assertTrue(uaEstimate.low() <= ua && ua <= uaEstimate.high(), report);
    assertTrue(k0Estimate.low() <= k0 && k0 <= k0Estimate.high(), report);
    for (int i = 0; i < 2; i++) {
      assertTrue(
          5 * o.calibrated().freeRunNrmse()[i] <= o.nominal().freeRunNrmse()[i],
          "state "
              + i
              + ": "
              + o.calibrated().freeRunNrmse()[i]
              + " vs "
              + o.nominal().freeRunNrmse()[i]);
    }
  }
}
