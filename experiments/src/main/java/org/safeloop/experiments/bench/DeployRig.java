package org.safeloop.experiments.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.approval.ApprovalKeys;
import org.safeloop.plc.approval.Approvals;
import org.safeloop.plc.approval.DeploymentFiles;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.runtime.Deployment;
import org.safeloop.plc.runtime.DeploymentInputs;
import org.safeloop.plc.runtime.DeploymentRuntime;
import org.safeloop.plc.runtime.Mode;
import org.safeloop.plc.telemetry.TelemetryUrl;
import org.safeloop.plc.virtualplant.VirtualPlant;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;
import org.safeloop.plc.web.DeploymentView;
import org.safeloop.plc.web.WebOptions;

/**
 * The plant, its files, the connection, the audit log and the runtime of one {@link
 * DeployBenchmark} measurement, with timing decorators around the connection, the shield and the
 * approval authority, and the loop that steps the plant and runs a cycle. Not thread-safe.
 */
final class DeployRig implements AutoCloseable {
  final MicrosHistogram cycle = new MicrosHistogram();
  final MicrosHistogram runCycle = new MicrosHistogram();
  final MicrosHistogram plantStep = new MicrosHistogram();
  final MicrosHistogram rest = new MicrosHistogram();
  final MicrosHistogram audit = new MicrosHistogram();
  final CycleCounters counters = new CycleCounters();
  final Path directory;
  final Path auditDirectory;
  VirtualPlant plant;
  TimedConnection connection;
  TimedShield shield;
  TimedAuthority authority;
  Deployment deployment;
  DeploymentRuntime runtime;
  DeploymentView view;

  DeployRig(Protocol protocol) throws IOException, InterruptedException {
    this(protocol, null, null);
  }

  /**
   * A rig whose deployment also produces its audit records to {@code telemetry} (null: none) and
   * shows itself on a web view with {@code web} (null: none).
   */
  DeployRig(Protocol protocol, TelemetryUrl telemetry, WebOptions web)
      throws IOException, InterruptedException {
    directory = Files.createTempDirectory("safeloop-bench-deploy");
    auditDirectory = directory.resolve("audit");
    try {
      Scenario scenario = Scenarios.load(DeployBenchmark.SCENARIO);
      plant =
          VirtualPlant.builder(scenario)
              .protocols(protocol)
              .realism(true)
              .manualStepping()
              .startInRemote(true)
              .pkiDirectory(directory.resolve("pki"))
              .start();
      Path plantPath = directory.resolve(plant.plantName() + "-" + protocol.label() + ".yaml");
      Files.writeString(plantPath, plant.plantFile(protocol), StandardCharsets.UTF_8);
      // The approval binds the shield file and, as the PID has no bundle, a small file that
      // names the policy.
      Path shieldPath = directory.resolve(DeployBenchmark.SHIELD + ".shield.yaml");
      Files.writeString(shieldPath, builtInShieldText(), StandardCharsets.UTF_8);
      Path policyPath = directory.resolve("policy.txt");
      Files.writeString(
          policyPath,
          "the PID loops of scenario " + DeployBenchmark.SCENARIO + "\n",
          StandardCharsets.UTF_8);
      // The "bundle" of a PID deployment is a text file: hashed for the approval, never unpacked.
      // The approval is signed for the files as they are now; the deployment reads them again
      // and its closed-loop start verifies that they still match.
      DeploymentFiles files = DeploymentInputs.read(policyPath, shieldPath, plantPath).files();
      Clock clock = Clock.systemUTC();
      KeyPair keys = ApprovalKeys.generate();
      Path approvalPath = directory.resolve("approval.json");
      Approvals.save(
          Approvals.sign(
              files,
              Mode.CLOSED_LOOP.label(),
              "safeloop bench deploy",
              clock.instant().plus(Duration.ofDays(1)),
              "benchmark on the virtual plant",
              keys,
              clock),
          approvalPath);
      view = web == null ? null : DeploymentView.start(web);
      deployment =
          Deployment.builder(plantPath)
              .shield(shieldPath.toString())
              .pid()
              .approvedAs(policyPath)
              .mode(Mode.CLOSED_LOOP)
              .approval(approvalPath, keys.getPublic())
              .audit(
                  AuditLog.Options.builder(auditDirectory.resolve("audit.jsonl"))
                      .maxFileBytes(DeployBenchmark.AUDIT_MAX_FILE_BYTES)
                      .keepRotatedFiles(DeployBenchmark.AUDIT_KEEP_ROTATED_FILES)
                      .build())
              .clock(clock)
              .telemetry(telemetry)
              .view(view)
              .measuredBy(
                  c -> connection = new TimedConnection(c),
                  sh -> shield = new TimedShield(sh),
                  a -> authority = new TimedAuthority(a))
              .build();
      runtime = deployment.runtime();
    } catch (IOException | InterruptedException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** One process step, then one control cycle; a demotion is counted and promoted back. */
  void iterate() {
    connection.read.last = 0;
    connection.write.last = 0;
    shield.decide.last = 0;
    authority.validUntil.last = 0;
    long t0 = System.nanoTime();
    plant.step();
    long t1 = System.nanoTime();
    DeploymentRuntime.CycleOutcome outcome = runtime.runCycle();
    long t2 = System.nanoTime();
    long wall = (t2 - t1) / 1000;
    plantStep.record((t1 - t0) / 1000);
    runCycle.record(wall);
    cycle.record(outcome.latencyMicros());
    audit.record(wall - outcome.latencyMicros());
    rest.record(
        outcome.latencyMicros()
            - connection.read.last
            - connection.write.last
            - shield.decide.last
            - authority.validUntil.last);
    counters.count(outcome);
    if (runtime.mode() != Mode.CLOSED_LOOP) {
      promoteBack(outcome);
    }
  }

  /** The engineer's explicit command after a demotion; the loop must be measured closed. */
  private void promoteBack(DeploymentRuntime.CycleOutcome outcome) {
    if (outcome.demotion() == null) {
      counters.demoted("left closed loop without a demotion reason", "mode " + runtime.mode());
    }
    if (!plant.isRemote()) {
      plant.setOperatorMode(true);
    }
    String refusal = runtime.promote(Mode.CLOSED_LOOP);
    if (refusal != null) {
      throw new IllegalStateException(
          "cannot promote back to closed loop after a demotion ("
              + outcome.demotion()
              + "): "
              + refusal);
    }
  }

  void clearHistograms() {
    cycle.clear();
    runCycle.clear();
    plantStep.clear();
    rest.clear();
    audit.clear();
    authority.validUntil.clear();
    connection.read.clear();
    connection.write.clear();
    shield.decide.clear();
  }

  DeployBenchmark.SoakPoint soakPoint(long cycles, double fraction, double cyclesPerSecond) {
    long heap = heapAfterGc();
    int threads = ManagementFactory.getThreadMXBean().getThreadCount();
    double rss = InferenceBenchmark.rssMiB();
    long bytes = 0;
    int files = 0;
    try (Stream<Path> list = Files.list(auditDirectory)) {
      for (Path p : list.toList()) {
        bytes += Files.size(p);
        files++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the audit folder " + auditDirectory, e);
    }
    return new DeployBenchmark.SoakPoint(
        cycles,
        fraction,
        heap / MIB,
        Runtime.getRuntime().totalMemory() / MIB,
        threads,
        rss,
        cyclesPerSecond,
        cycle.percentiles(),
        files,
        bytes / MIB,
        counters.health());
  }

  /** Stops the runtime, closes the connection, the log and the plant; deletes the folder. */
  @Override
  public void close() {
    try {
      if (deployment != null) {
        deployment.close();
      }
    } finally {
      if (view != null) {
        view.close();
      }
      if (plant != null) {
        plant.close();
      }
      deleteTree(directory);
    }
  }

  private static final double MIB = 1024.0 * 1024.0;

  private static String builtInShieldText() throws IOException {
    String resource = "scenarios/" + DeployBenchmark.SHIELD + ".shield.yaml";
    try (InputStream in = DeployRig.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "the built-in shield " + resource + " is not on the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static long heapAfterGc() {
    System.gc();
    System.gc();
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  private static void deleteTree(Path directory) {
    if (directory == null || !Files.exists(directory)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(directory)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the benchmark folder " + directory, e);
    }
  }
}
