package org.safeloop.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.audit.AuditLogReader;
import org.safeloop.plc.audit.AuditRecord;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.virtualplant.VirtualPlant;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;

/** {@code keygen}, {@code approve}, {@code deploy} and {@code shadow-report} against the plant. */
class DeployCommandTest {
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
  void aShadowDeploymentAuditsEveryCycleAndClosedLoopNeedsASignedApproval() throws Exception {
    try (VirtualPlant plant =
        VirtualPlant.builder(Scenarios.load("cstr-constrained"))
            .protocols(Protocol.MODBUS)
            .speed(260) // one control interval every 100 ms
            .startInRemote(true)
            .watchdogTimeout(Duration.ofMinutes(5))
            .start()) {
      Path plantFile = dir.resolve("plant.yaml");
      Files.writeString(
          plantFile,
          plant
              .plantFile(Protocol.MODBUS)
              .replace("cycle_period_ms: 2600", "cycle_period_ms: 100"));
      Path audit = dir.resolve("shadow.jsonl");
      Run shadow =
          run(
              "deploy",
              "--plant",
              plantFile.toString(),
              "--policy",
              "pid",
              "--shield",
              "cstr-constrained",
              "--mode",
              "shadow",
              "--cycles",
              "20",
              "--audit",
              audit.toString());
      assertEquals(0, shadow.exitCode(), shadow.err());
      assertTrue(shadow.out().contains("stopped after 20 cycles in shadow"), shadow.out());
      List<AuditRecord> records = AuditLogReader.readAll(audit);
      assertEquals(20, records.stream().filter(CycleRecord.class::isInstance).count());
      assertEquals(0, plant.writeCount("Tc.RemoteSP"));

      Run report = run("shadow-report", audit.toString());
      assertEquals(0, report.exitCode(), report.err());
      assertTrue(report.out().contains("20 cycles"), report.out());
      assertTrue(report.out().contains("agreement Tc vs Tc.in_force"), report.out());

      // Closed loop: refused for the PID (approvals bind files), then with a bundle-less approval.
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
              "closed-loop");
      assertEquals(2, refused.exitCode());
      assertTrue(refused.err().contains("closed loop binds its approval to files"), refused.err());

      Run keys = run("keygen", "--name", "engineer", "--out", dir.toString());
      assertEquals(0, keys.exitCode(), keys.err());
      assertTrue(Files.isRegularFile(dir.resolve("engineer.key")));
      Path bundle = dir.resolve("policy.bundle");
      Files.writeString(bundle, "not a bundle");
      Path shieldFile = dir.resolve("shield.yaml");
      Files.writeString(shieldFile, "not a shield");
      Path approval = dir.resolve("approval.json");
      Run approve =
          run(
              "approve",
              "--policy",
              bundle.toString(),
              "--shield",
              shieldFile.toString(),
              "--plant",
              plantFile.toString(),
              "--approver",
              "A. Engineer",
              "--valid-until",
              "1h",
              "--key",
              dir.resolve("engineer.key").toString(),
              "-o",
              approval.toString());
      assertEquals(0, approve.exitCode(), approve.err());
      assertTrue(approve.out().contains("approval for closed-loop by A. Engineer"), approve.out());
      assertTrue(Files.readString(approval).contains("\"approver\""));
    }
  }

  @Test
  void aBadValidUntilIsAClearError() {
    Run r =
        run(
            "approve",
            "--policy",
            "a",
            "--shield",
            "b",
            "--plant",
            "c",
            "--approver",
            "x",
            "--valid-until",
            "soon",
            "--key",
            "k");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--valid-until"), r.err());
  }
}
