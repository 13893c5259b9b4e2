package org.safeloop.experiments.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.safeloop.agent.bundle.MlpPolicy;
import org.safeloop.agent.bundle.PolicyBundle;
import org.safeloop.agent.bundle.PolicyBundles;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.control.Policy;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.experiments.run.RunDirectory;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnections;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.approval.ApprovalCheck;
import org.safeloop.plc.approval.ApprovalKeys;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.plc.runtime.ApprovalAuthority;
import org.safeloop.plc.runtime.ClosedLoopAuthority;
import org.safeloop.plc.runtime.DeploymentInputs;
import org.safeloop.plc.runtime.DeploymentRuntime;
import org.safeloop.plc.runtime.Mode;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.Shields;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code safeloop deploy}: run a shielded policy against a PLC in a deployment mode. */
@Command(
    name = "deploy",
    mixinStandardHelpOptions = true,
    description = {
      "Run a shielded policy against a plant in shadow, advisory or closed-loop mode.",
      "Every cycle: read -> validate -> policy -> shield -> audit -> write (as the mode allows).",
      "shadow writes nothing; advisory writes only the advisory",
      "tags and heartbeat; closed-loop writes setpoints and needs a signed approval.",
      "Closed loop steps back on its own at any fault; Ctrl-C stops."
    })
final class DeployCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--plant", required = true, paramLabel = "FILE", description = "Plant file.")
  Path plant;

  @Option(
      names = "--policy",
      required = true,
      paramLabel = "BUNDLE|pid",
      description = "A policy bundle, or pid (the shield's scenario's PI loops).")
  String policy;

  @Option(
      names = "--shield",
      required = true,
      paramLabel = "FILE|NAME",
      description = "Constraint file (or built-in shield name outside closed loop).")
  String shield;

  @Option(
      names = "--mode",
      defaultValue = "shadow",
      paramLabel = "shadow|advisory|closed-loop",
      description = "Deployment mode (default ${DEFAULT-VALUE}).")
  String mode;

  @Option(names = "--approval", paramLabel = "FILE", description = "Approval (closed loop).")
  Path approval;

  @Option(
      names = "--trusted-key",
      paramLabel = "FILE",
      description = "Public key approvals must be signed with (closed loop).")
  Path trustedKey;

  @Option(names = "--audit", paramLabel = "FILE", description = "Audit log (JSON Lines).")
  Path audit;

  @Option(
      names = "--cycles",
      defaultValue = "0",
      paramLabel = "N",
      description = "Stop after N cycles (default: run until Ctrl-C).")
  long cycles;

  @Option(
      names = "--signing-key",
      paramLabel = "FILE",
      description =
          "Deployment's private key (NAME.key, NAME.pub beside it): signs the audit log's hash"
              + " chain head at stop.")
  Path signingKey;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Mode requested = Mode.of(mode);
    if (cycles < 0) {
      throw new IllegalArgumentException(
          "--cycles must be 0 (run until stopped) or a positive count, got " + cycles);
    }
    Clock clock = Clock.systemUTC();
    boolean pid = policy.equals("pid");
    ClosedLoopAuthority authority = null;
    DeploymentInputs inputs = null;
    PlantFile plantFile;
    SafetyShield safetyShield;
    if (requested == Mode.CLOSED_LOOP) {
      if (pid || !Files.isRegularFile(Path.of(shield))) {
        throw new IllegalArgumentException(
            "closed loop binds its approval to files: give a policy bundle file and a shield"
                + " file (not pid or a built-in name)");
      }
      if (approval == null || trustedKey == null) {
        throw new IllegalArgumentException("closed loop needs --approval and --trusted-key");
      }
      // The bundle is hashed here and unpacked only after the approval check.
      inputs = DeploymentInputs.read(Path.of(policy), Path.of(shield), plant);
      authority =
          new ApprovalAuthority(
              approval, ApprovalKeys.loadPublicKey(trustedKey), inputs.files(), clock);
      plantFile = inputs.plant();
      safetyShield = inputs.shield();
    } else {
      plantFile = PlantFile.load(plant);
      safetyShield = Shields.load(shield);
    }
    Path auditFile =
        audit != null
            ? audit
            : Path.of("runs", "deploy")
                .resolve(
                    RunDirectory.name(plantFile.name(), requested.label(), 0, Instant.now())
                        .replace("__0__", "__"))
                .resolve("audit.jsonl");
    AuditLog.Options.Builder auditOptions = AuditLog.Options.builder(auditFile);
    if (signingKey != null) {
      String pub = signingKey.getFileName().toString().replaceAll("\\.key$", "") + ".pub";
      auditOptions.signingKeys(
          ApprovalKeys.loadKeyPair(signingKey, signingKey.resolveSibling(pub)));
    }
    AuditLog log;
    try {
      log = AuditLog.open(auditOptions.build());
    } catch (UncheckedIOException | IllegalArgumentException e) {
      throw new IllegalStateException("refusing to start: " + e.getMessage(), e);
    }
    CountDownLatch finished = new CountDownLatch(1);
    try (log) {
      Policy agent;
      SignalSpace observations;
      SignalSpace actions;
      String policyName;
      if (pid) {
        Scenario scenario = Shields.modelScenario(shield);
        agent = scenario.baselineController();
        // The PID reads only measurements and setpoints, never derived signals.
        observations = scenario.plantObservationSpace();
        actions = scenario.actionSpace();
        policyName = "PID of scenario " + scenario.name();
      } else {
        PolicyBundle bundle;
        if (inputs != null) {
          ApprovalCheck check = authority.verify();
          if (!check.accepted()) {
            throw DeploymentRuntime.refuseStart(
                log, plantFile, requested, check.outcome() + ": " + check.message(), clock);
          }
          bundle = inputs.bundle();
        } else {
          bundle = PolicyBundles.load(Path.of(policy));
        }
        DeploymentRuntime.requireMeasuredObservations(bundle, "policy bundle " + policy);
        agent = new MlpPolicy(bundle);
        observations = new SignalSpace(bundle.observations());
        actions = new SignalSpace(bundle.actions());
        policyName = "policy bundle " + policy;
      }
      plantFile.requireCompatible(observations, actions, safetyShield, policyName);
      PlcConnection connection;
      try {
        connection = PlcConnections.open(plantFile.connection());
      } catch (PlcException e) {
        throw new IllegalStateException(
            "cannot connect to "
                + plantFile.protocol()
                + " "
                + plantFile.connection().host()
                + ":"
                + plantFile.connection().port()
                + ": "
                + e.getMessage());
      }
      try (connection;
          DeploymentRuntime runtime =
              new DeploymentRuntime(
                  plantFile,
                  connection,
                  agent,
                  observations,
                  actions,
                  safetyShield,
                  requested,
                  authority,
                  log,
                  clock)) {
        out.printf(
            Locale.ROOT,
            "deploying %s on %s (%s) in %s, cycle %d ms%s; audit log %s%n",
            policyName,
            plantFile.name(),
            plantFile.protocol(),
            requested.label(),
            plantFile.cyclePeriod().toMillis(),
            plantFile.timeScale() == 1.0
                ? ""
                : String.format(
                    Locale.ROOT,
                    " (a test bench: the process runs %.4g times real time, %.4g s per cycle)",
                    plantFile.timeScale(),
                    plantFile.processSecondsPerCycle()),
            auditFile);
        out.flush();
        // Ctrl-C or SIGTERM: stop after the current cycle and wait until the runtime has recorded
        // that it stopped and the audit log is closed (and its chain head signed).
        Thread hook =
            new Thread(
                () -> {
                  runtime.requestStop();
                  try {
                    finished.await(10, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "safeloop-deploy-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        Mode[] shown = {runtime.mode()};
        try {
          runtime.run(
              () -> {
                if (runtime.mode() != shown[0]) {
                  out.printf(
                      Locale.ROOT,
                      "cycle %d: %s -> %s (see the audit log for why)%n",
                      runtime.cycles(),
                      shown[0].label(),
                      runtime.mode().label());
                  out.flush();
                  shown[0] = runtime.mode();
                }
                return cycles > 0 && runtime.cycles() >= cycles;
              });
        } finally {
          try {
            Runtime.getRuntime().removeShutdownHook(hook);
          } catch (IllegalStateException shuttingDown) {
            // the hook is running: it waits for `finished` below
          }
        }
        out.printf(
            Locale.ROOT,
            "stopped after %d cycles in %s%n",
            runtime.cycles(),
            runtime.mode().label());
        out.flush();
      }
    } finally {
      finished.countDown();
    }
    return 0;
  }
}
