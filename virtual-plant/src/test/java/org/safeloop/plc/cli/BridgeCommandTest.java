package org.safeloop.plc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.audit.AuditLogReader;
import org.safeloop.plc.audit.AuditRecord;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;
import org.safeloop.plc.virtualplant.VirtualPlant;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;
import org.safeloop.policy.MlpWeights;
import org.safeloop.policy.Normalisation;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.policy.PolicyBundles;

/**
 * {@code safeloop-bridge}, the deployment commands from the plc-bridge module alone (this test's
 * class path has no DJL), against the virtual plant on loopback.
 */
class BridgeCommandTest {
  @TempDir Path dir;

  record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = BridgeCommand.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  /** The virtual plant of {@code scenario} on Modbus, one control interval every 100 ms. */
  private static VirtualPlant shadowPlant(Scenario scenario) throws Exception {
    return VirtualPlant.builder(scenario)
        .protocols(Protocol.MODBUS)
        .speed(260) // one control interval every 100 ms
        .startInRemote(true)
        .watchdogTimeout(Duration.ofMinutes(5))
        .start();
  }

  /** Deploys {@code policy} behind the cstr-constrained shield in shadow mode for 5 cycles. */
  private Run deployInShadow(VirtualPlant plant, String policy, Path audit) throws Exception {
    Path plantFile = dir.resolve("plant.yaml");
    Files.writeString(plantFile, plant.plantFile(Protocol.MODBUS));
    return run(
        "deploy",
        "--plant",
        plantFile.toString(),
        "--policy",
        policy,
        "--shield",
        "cstr-constrained",
        "--cycles",
        "5",
        "--audit",
        audit.toString());
  }

  @Test
  void theBridgesClassPathHasNoDeepLearningEngine() {
    // The enforcer rule keeps DJL out of the module graph; this is what a bridge host runs with.
    assertThrows(ClassNotFoundException.class, () -> Class.forName("ai.djl.engine.Engine"));
    assertThrows(
        ClassNotFoundException.class, () -> Class.forName("org.safeloop.agent.ppo.PpoLag"));
  }

  @Test
  void aShadowDeploymentRunsAndIsReportedFromTheBridgeCommandLine() throws Exception {
    try (VirtualPlant plant = shadowPlant(Scenarios.load("cstr-constrained"))) {
      Path audit = dir.resolve("shadow.jsonl");

      Run shadow = deployInShadow(plant, "pid", audit);

      assertEquals(0, shadow.exitCode(), shadow.err());
      assertTrue(shadow.out().contains("the process runs 260 times real time"), shadow.out());
      List<AuditRecord> records = AuditLogReader.readAll(audit);
      assertEquals(5, records.stream().filter(CycleRecord.class::isInstance).count());
      EventRecord start = (EventRecord) records.get(0);
      assertEquals(EventKind.STARTED, start.kind());
      assertEquals("260.0", start.details().get("time_scale"));
      assertEquals(0, plant.writeCount("Tc.RemoteSP"), "shadow writes nothing");

      Run report = run("shadow-report", audit.toString());
      assertEquals(0, report.exitCode(), report.err());
      assertTrue(report.out().contains("5 cycles"), report.out());
    }
  }

  @Test
  void aResidualBundleOnTheNmpcRunsInAShadowDeploymentFromTheBridgeCommandLine() throws Exception {
    Scenario scenario = Scenarios.load("cstr-constrained");
    // A residual on nmpc whose network outputs a zero correction: the bridge must build the NMPC
    // (optimiser and Kalman filter) from the shield's scenario, without DJL, and run it.
    int n = scenario.plantObservationSpace().size();
    PolicyBundle bundle =
        new PolicyBundle(
            "test",
            Map.of(
                PolicyBundle.RESIDUAL_BASE,
                "nmpc",
                PolicyBundle.RESIDUAL_BOUND,
                List.of(2.0),
                "scenario",
                "cstr-constrained"),
            scenario.plantObservationSpace().signals(),
            scenario.actionSpace().signals(),
            Normalisation.identity(n, 5.0),
            new MlpWeights(
                "tanh", List.<float[][]>of(new float[1][n]), List.<float[]>of(new float[1])),
            PolicyBundle.SQUASH_TANH,
            "",
            "",
            0,
            Map.of());
    Path bundleFile = dir.resolve("residual-nmpc.bundle");
    PolicyBundles.save(bundle, bundleFile);
    try (VirtualPlant plant = shadowPlant(scenario)) {
      Path audit = dir.resolve("residual.jsonl");

      Run shadow = deployInShadow(plant, bundleFile.toString(), audit);

      assertEquals(0, shadow.exitCode(), shadow.err());
      List<CycleRecord> cycles =
          AuditLogReader.readAll(audit).stream()
              .filter(CycleRecord.class::isInstance)
              .map(CycleRecord.class::cast)
              .toList();
      assertEquals(5, cycles.size());
      for (CycleRecord c : cycles) {
        double proposed = c.proposedAction().get("Tc");
        assertTrue(proposed >= 290.0 && proposed <= 310.0, "the nmpc's move " + proposed);
      }
      assertEquals(0, plant.writeCount("Tc.RemoteSP"), "shadow writes nothing");
    }
  }

  @Test
  void aPlantCycleThatIsNotTheShieldsControlIntervalIsRefusedBeforeAnyCycle() throws Exception {
    try (VirtualPlant plant =
        VirtualPlant.builder(Scenarios.load("cstr-constrained"))
            .protocols(Protocol.MODBUS)
            .speed(260)
            .startInRemote(true)
            .start()) {
      // The plant file claims real time: 100 ms cycles would be 0.1 s steps of the process.
      Path plantFile = dir.resolve("plant.yaml");
      Files.writeString(
          plantFile, plant.plantFile(Protocol.MODBUS).replace("time_scale: 260", "time_scale: 1"));
      Path audit = dir.resolve("refused.jsonl");

      Run refused =
          run(
              "deploy",
              "--plant",
              plantFile.toString(),
              "--policy",
              "pid",
              "--shield",
              "cstr-constrained",
              "--mode",
              "advisory",
              "--cycles",
              "5",
              "--audit",
              audit.toString());

      assertEquals(2, refused.exitCode(), refused.out());
      assertTrue(refused.err().contains("field 'cycle_period_ms'"), refused.err());
      assertTrue(refused.err().contains("control interval of 26 s"), refused.err());
      assertTrue(refused.err().contains("factor 260"), refused.err());
      assertEquals(0, plant.writeCount("Agent.Heartbeat"), "no cycle ran, nothing was written");
      assertTrue(
          !Files.exists(audit)
              || AuditLogReader.readAll(audit).stream().noneMatch(CycleRecord.class::isInstance));
    }
  }
}
