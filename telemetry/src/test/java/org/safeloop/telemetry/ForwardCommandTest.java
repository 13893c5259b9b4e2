package org.safeloop.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.telemetry.TelemetryUrl;
import picocli.CommandLine;

/** {@code safeloop telemetry forward}'s refusals, before anything is sent (no broker needed). */
class ForwardCommandTest {
  private static String[] run(String... args) {
    CommandLine cli = TelemetryMain.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new String[] {Integer.toString(exit), out.toString(), err.toString()};
  }

  @Test
  void aCheckpointWrittenForAnotherTopicIsRefusedNamingBoth(@TempDir Path dir) throws Exception {
    Path audit = dir.resolve("reactor__shadow__x/audit.jsonl");
    Files.createDirectories(audit.getParent());
    AuditLog.open(audit).close();
    AuditForwarder.writeCheckpoint(
        AuditForwarder.checkpointOf(audit), TelemetryUrl.parse("kafka://127.0.0.1:9/first"), 12);
    String[] r =
        run("telemetry", "forward", audit.toString(), "--telemetry", "kafka://127.0.0.1:9/second");
    assertEquals("2", r[0], r[2]);
    assertTrue(r[2].contains("kafka://127.0.0.1:9/first"), r[2]);
    assertTrue(r[2].contains("kafka://127.0.0.1:9/second"), r[2]);
    assertTrue(r[2].contains("delete the checkpoint"), r[2]);
  }

  @Test
  void aBadUrlOrAMissingLogIsRefusedBeforeAnythingStarts(@TempDir Path dir) {
    String[] bad = run("telemetry", "forward", "x.jsonl", "--telemetry", "http://host:1/t");
    assertEquals("2", bad[0]);
    assertTrue(bad[2].contains("must start with kafka://"), bad[2]);
    String[] missing =
        run(
            "telemetry",
            "forward",
            dir.resolve("none.jsonl").toString(),
            "--telemetry",
            "kafka://127.0.0.1:9/t");
    assertEquals("2", missing[0]);
    assertTrue(missing[2].contains("no audit log at"), missing[2]);
  }

  @Test
  void thePlantIsTheDeploymentFoldersPlantByDefault() {
    assertEquals(
        "cstr-virtual",
        ForwardCommand.defaultPlant(
            Path.of("runs/deploy/cstr-virtual__shadow__20261204T120000Z/audit.jsonl")));
  }
}
