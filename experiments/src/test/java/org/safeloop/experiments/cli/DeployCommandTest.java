package org.safeloop.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.approval.ApprovalKeys;
import org.safeloop.plc.audit.AuditLog;
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

/** {@code keygen}, {@code approve}, {@code deploy} and {@code shadow-report} against the plant. */
class DeployCommandTest {
  @TempDir Path dir;

  record Run(int exitCode, String out, String err) {}

  /** {@code deploy} of the scenario's PID through the built-in shield, then {@code more}. */
  private static String[] pidDeploy(Path plantFile, Path audit, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "deploy",
                "--plant",
                plantFile.toString(),
                "--policy",
                "pid",
                "--shield",
                "cstr-constrained",
                "--audit",
                audit.toString()));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  /** The virtual CSTR over Modbus, in remote, one control interval every 100 ms. */
  private static VirtualPlant fastPlant() throws IOException, InterruptedException {
    return VirtualPlant.builder(Scenarios.load("cstr-constrained"))
        .protocols(Protocol.MODBUS)
        .speed(260)
        .startInRemote(true)
        .watchdogTimeout(Duration.ofMinutes(5))
        .start();
  }

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
    try (VirtualPlant plant = fastPlant()) {
      Path plantFile = dir.resolve("plant.yaml");
      Files.writeString(plantFile, plant.plantFile(Protocol.MODBUS));
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

      Run keys = run("keygen", "--name", "engineer", "--output", dir.toString());
      assertEquals(0, keys.exitCode(), keys.err());
      assertTrue(Files.isRegularFile(dir.resolve("engineer.key")));
      Path notABundle = Files.writeString(dir.resolve("notes.bundle"), "not a bundle");
      Path shieldFile = writeShield();
      Path approval = dir.resolve("approval.json");
      Run swapped = approve(notABundle, shieldFile, plantFile, approval);
      assertEquals(2, swapped.exitCode(), swapped.out());
      assertTrue(swapped.err().contains(notABundle.toString()), swapped.err());
      Run shieldAsPlant = approve(writeBundle(), shieldFile, shieldFile, approval);
      assertEquals(2, shieldAsPlant.exitCode(), shieldAsPlant.out());
      assertTrue(shieldAsPlant.err().contains(shieldFile.toString()), shieldAsPlant.err());

      Path bundle = writeBundle();
      Run approve = approve(bundle, shieldFile, plantFile, approval);
      assertEquals(0, approve.exitCode(), approve.err());
      assertTrue(approve.out().contains("approval for closed-loop by A. Engineer"), approve.out());
      assertTrue(approve.out().contains("bound to 4 files"), approve.out());
      assertTrue(Files.readString(approval).contains("\"depends_on\""));

      // A zip bomb in place of the approved bundle: refused on its hash, never unpacked, audited.
      writeZipBomb(bundle, 300L * 1024 * 1024);
      Path refusedAudit = dir.resolve("refused.jsonl");
      Run bomb =
          run(
              "deploy",
              "--plant",
              plantFile.toString(),
              "--policy",
              bundle.toString(),
              "--shield",
              shieldFile.toString(),
              "--mode",
              "closed-loop",
              "--approval",
              approval.toString(),
              "--trusted-key",
              dir.resolve("engineer.pub").toString(),
              "--audit",
              refusedAudit.toString());
      assertEquals(2, bomb.exitCode(), bomb.out());
      assertTrue(bomb.err().contains("BUNDLE_MISMATCH"), bomb.err());
      assertTrue(
          AuditLogReader.readAll(refusedAudit).stream()
              .anyMatch(r -> r instanceof EventRecord e && e.kind() == EventKind.APPROVAL_REFUSED));
      assertEquals(0, plant.writeCount("Tc.RemoteSP"));

      // An audit log that cannot be written: refused at start, with a clear message.
      Run full =
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
              "--audit",
              "/dev/full");
      assertEquals(2, full.exitCode(), full.out());
      assertTrue(full.err().contains("refusing to start"), full.err());
      assertTrue(full.err().contains("not a regular file"), full.err());
    }
  }

  @Test
  void sigtermStopsADeploymentCleanlyWithAStoppedEventAndASignedChainHead() throws Exception {
    try (VirtualPlant plant = fastPlant()) {
      Path plantFile = dir.resolve("plant.yaml");
      Files.writeString(plantFile, plant.plantFile(Protocol.MODBUS));
      assertEquals(0, run("keygen", "--name", "bridge", "--output", dir.toString()).exitCode());
      Path audit = dir.resolve("audit.jsonl");
      Process child =
          new ProcessBuilder(
                  Stream.concat(
                          Stream.of(
                              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                              "-cp",
                              System.getProperty("java.class.path"),
                              SafeLoopCommand.class.getName()),
                          Stream.of(
                              pidDeploy(
                                  plantFile,
                                  audit,
                                  "--signing-key",
                                  dir.resolve("bridge.key").toString())))
                      .toList())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("child.log").toFile())
              .start();
      try {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (cycles(audit) < 5) {
          assertTrue(child.isAlive(), () -> "the deployment ended early: " + log());
          assertTrue(System.nanoTime() < deadline, () -> "no cycles within 60 s: " + log());
          Thread.sleep(50);
        }
        child.destroy(); // SIGTERM
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "still running 30 s after SIGTERM");
      } finally {
        child.destroyForcibly();
      }

      List<AuditRecord> records = new ArrayList<>();
      AuditLogReader.ReadResult read = AuditLogReader.read(audit, records::add);
      EventRecord stopped =
          (EventRecord)
              records.stream()
                  .filter(r -> r instanceof EventRecord e && e.kind() == EventKind.STOPPED)
                  .findFirst()
                  .orElseThrow(() -> new AssertionError("no STOPPED event: " + records));
      assertTrue(stopped.reason().startsWith("stopped after"), stopped.reason());
      assertTrue(read.chainIntact(), read.chainBreaks().toString());
      assertEquals(1, read.signedHeads().size());
      assertTrue(
          AuditLogReader.signatureValid(
              read.signedHeads().get(0), ApprovalKeys.loadPublicKey(dir.resolve("bridge.pub"))));
      Run report =
          run(
              "shadow-report",
              audit.toString(),
              "--trusted-key",
              dir.resolve("bridge.pub").toString());
      assertTrue(report.out().contains("audit chain: intact"), report.out());
      assertTrue(report.out().contains("valid, by the trusted key"), report.out());
    }
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("child.log"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static long cycles(Path audit) {
    if (!Files.exists(audit)) {
      return 0;
    }
    try {
      return AuditLogReader.readAll(audit).stream().filter(CycleRecord.class::isInstance).count();
    } catch (RuntimeException stillBeingWritten) {
      return 0;
    }
  }

  /** Runs approve with the usual options; {@code more} adds or replaces option-value pairs. */
  private Run approve(Path bundle, Path shield, Path plant, Path out, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "approve",
                "--policy",
                bundle.toString(),
                "--shield",
                shield.toString(),
                "--plant",
                plant.toString(),
                "--approver",
                "A. Engineer",
                "--valid-until",
                "1h",
                "--key",
                dir.resolve("engineer.key").toString(),
                "-o",
                out.toString()));
    for (int i = 0; i + 1 < more.length; i += 2) {
      int at = args.indexOf(more[i]);
      if (at >= 0) {
        args.set(at + 1, more[i + 1]);
      } else {
        args.add(more[i]);
        args.add(more[i + 1]);
      }
    }
    return run(args.toArray(String[]::new));
  }

  /** The built-in shield of cstr-constrained as a file (its model: the built-in scenario). */
  private Path writeShield() throws IOException {
    Path file = dir.resolve("shield.yaml");
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("scenarios/cstr-constrained.shield.yaml")) {
      Files.write(file, in.readAllBytes());
    }
    return file;
  }

  /** A one-layer bundle for cstr-constrained: enough for the approval to bind. */
  private Path writeBundle() {
    Scenario scenario = Scenarios.load("cstr-constrained");
    float[][] w = new float[1][scenario.observationSpace().size()];
    PolicyBundle bundle =
        new PolicyBundle(
            "test",
            Map.of(),
            scenario.observationSpace().signals(),
            scenario.actionSpace().signals(),
            Normalisation.identity(scenario.observationSpace().size(), 5.0),
            new MlpWeights("tanh", List.<float[][]>of(w), List.<float[]>of(new float[] {0f})),
            PolicyBundle.SQUASH_TANH,
            "",
            "",
            0,
            Map.of());
    Path file = dir.resolve("policy.bundle");
    PolicyBundles.save(bundle, file);
    return file;
  }

  private static void writeZipBomb(Path file, long bytes) throws IOException {
    try (OutputStream out = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry("weights.bin"));
      byte[] zeros = new byte[1 << 20];
      for (long written = 0; written < bytes; written += zeros.length) {
        zip.write(zeros);
      }
      zip.closeEntry();
    }
  }

  @Test
  void keygenWritesOnlyIntoItsFolder() {
    Run escape = run("keygen", "--name", "../outside", "--output", dir.resolve("keys").toString());

    assertEquals(2, escape.exitCode());
    assertTrue(escape.err().contains("--name must be a plain file name"), escape.err());
    assertFalse(Files.exists(dir.resolve("outside.key")));
  }

  @Test
  void approveRefusesShadowUnknownModesLongValidityAndAKeyOthersCanRead() throws Exception {
    assertEquals(0, run("keygen", "--name", "engineer", "--output", dir.toString()).exitCode());
    Path bundle = writeBundle();
    Path shieldFile = writeShield();
    Path plantFile = dir.resolve("plant.yaml");
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("plants/cstr-virtual-modbus.yaml")) {
      Files.write(plantFile, in.readAllBytes());
    }
    Path out = dir.resolve("approval.json");

    Run shadow = approve(bundle, shieldFile, plantFile, out, "--mode", "shadow");
    Run unknown = approve(bundle, shieldFile, plantFile, out, "--mode", "closed_loop");
    Run tooLong = approve(bundle, shieldFile, plantFile, out, "--valid-until", "365d");
    Files.setPosixFilePermissions(
        dir.resolve("engineer.key"), PosixFilePermissions.fromString("rw-r--r--"));
    Run readable = approve(bundle, shieldFile, plantFile, out);

    assertTrue(shadow.err().contains("shadow needs no approval"), shadow.err());
    assertTrue(unknown.err().contains("unknown mode 'closed_loop'"), unknown.err());
    assertTrue(tooLong.err().contains("more than 92 days"), tooLong.err());
    assertTrue(readable.err().contains("accessible to others"), readable.err());
    for (Run r : List.of(shadow, unknown, tooLong, readable)) {
      assertEquals(2, r.exitCode(), r.out());
    }
    assertFalse(Files.exists(out), "no approval written");
  }

  @Test
  void shadowReportOfALogWithoutCyclesPrintsNoNaN() throws IOException {
    Path audit = dir.resolve("audit.jsonl");
    try (AuditLog log = AuditLog.open(audit)) {
      log.append(
          new EventRecord(java.time.Instant.now(), EventKind.STARTED, "started and stopped"));
    }

    Run report = run("shadow-report", audit.toString());

    assertEquals(0, report.exitCode(), report.err());
    assertTrue(report.out().contains("0 cycles"), report.out());
    assertFalse(report.out().contains("NaN"), report.out());
    assertTrue(report.out().contains("audit chain: intact over 1 records"), report.out());
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

  @Test
  void aWebViewBeyondLoopbackWithoutATokenIsRefusedBeforeAnythingStarts() throws Exception {
    Path audit = dir.resolve("refused.jsonl");
    String[] deploy =
        pidDeploy(dir.resolve("no-such-plant.yaml"), audit, "--cycles", "5", "--http", "0.0.0.0:0");
    Run r = run(deploy);
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains("--http-token-file"), r.err());
    assertFalse(Files.exists(audit), "nothing started");
    StringWriter err = new StringWriter();
    picocli.CommandLine bridge = org.safeloop.plc.cli.BridgeCommand.commandLine();
    bridge.setErr(new PrintWriter(err));
    bridge.setOut(new PrintWriter(new StringWriter()));
    assertEquals(2, bridge.execute(deploy));
    assertTrue(err.toString().contains("--http-token-file"), err.toString());
    Run plant = run("plant", "--scenario", "cstr-constrained", "--http", "0.0.0.0:0");
    assertEquals(2, plant.exitCode(), plant.err());
    assertTrue(plant.err().contains("--http-token-file"), plant.err());
  }

  @Test
  void deployWithHttpPrintsTheLiveViewsAddress() throws Exception {
    try (VirtualPlant plant = fastPlant()) {
      Path plantFile = dir.resolve("plant.yaml");
      Files.writeString(plantFile, plant.plantFile(Protocol.MODBUS));
      Run r =
          run(
              pidDeploy(
                  plantFile, dir.resolve("web.jsonl"), "--cycles", "5", "--http", "127.0.0.1:0"));
      assertEquals(0, r.exitCode(), r.err());
      assertTrue(r.out().contains("live view: http://127.0.0.1:"), r.out());
    }
  }
}
