package org.safeloop.plc.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.safeloop.plc.approval.ApprovalKeys;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.plc.runtime.Deployment;
import org.safeloop.plc.runtime.DeploymentRuntime;
import org.safeloop.plc.runtime.Mode;
import org.safeloop.plc.telemetry.TelemetryForwarder;
import org.safeloop.plc.telemetry.TelemetryUrl;
import org.safeloop.plc.web.DeploymentView;
import org.safeloop.plc.web.WebOptions;
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
public final class DeployCommand implements Callable<Integer> {
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

  @Option(
      names = "--telemetry",
      paramLabel = "kafka://HOST:PORT/TOPIC",
      description =
          "Also produce every audit record to this Kafka topic (off by default), by a forwarder"
              + " process that follows the audit log: the cycle does no telemetry work, and while"
              + " the broker is down the records wait in the log.")
  String telemetry;

  @CommandLine.Mixin HttpOptions http = new HttpOptions();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    // Checked first: a view beyond loopback without a token is refused before anything starts.
    WebOptions web = http.webOptions();
    Mode requested = Mode.of(mode);
    TelemetryUrl telemetryUrl = telemetry == null ? null : TelemetryUrl.parse(telemetry);
    if (cycles < 0) {
      throw new IllegalArgumentException(
          "--cycles must be 0 (run until stopped) or a positive count, got " + cycles);
    }
    Instant started = Instant.now();
    Deployment.Builder builder =
        Deployment.builder(plant)
            .shield(shield)
            .mode(requested)
            .audit(
                loaded -> {
                  AuditLog.Options.Builder options =
                      AuditLog.Options.builder(
                          audit != null
                              ? audit
                              : defaultAuditFile(loaded.name(), requested, started));
                  if (signingKey != null) {
                    String pub =
                        signingKey.getFileName().toString().replaceAll("\\.key$", "") + ".pub";
                    options.signingKeys(
                        ApprovalKeys.loadKeyPair(signingKey, signingKey.resolveSibling(pub)));
                  }
                  return options.build();
                });
    if (telemetryUrl != null) {
      builder.telemetry(telemetryUrl);
    }
    if (policy.equals("pid")) {
      builder.pid();
    } else {
      builder.bundle(Path.of(policy));
    }
    if (approval != null || trustedKey != null) {
      if (approval == null || trustedKey == null) {
        throw new IllegalArgumentException("--approval and --trusted-key go together");
      }
      builder.approval(approval, ApprovalKeys.loadPublicKey(trustedKey));
    }
    CountDownLatch finished = new CountDownLatch(1);
    TelemetryForwarder[] sent = {null};
    // The view binds its port before the deployment starts, and outlives it to the end.
    try (DeploymentView view = web == null ? null : DeploymentView.start(web);
        Deployment deployment = builder.view(view).build()) {
      DeploymentRuntime runtime = deployment.runtime();
      PlantFile plantFile = deployment.plant();
      out.printf(
          Locale.ROOT,
          "deploying %s on %s (%s) in %s, cycle %d ms%s; audit log %s%s%n",
          deployment.policyName(),
          plantFile.name(),
          plantFile.protocol(),
          requested.label(),
          plantFile.cyclePeriod().toMillis(),
          plantFile.timeScale() == 1.0 ? "" : " (" + plantFile.describeTimeScale() + ")",
          deployment.auditFile(),
          telemetryUrl == null ? "" : "; telemetry " + telemetryUrl);
      if (view != null) {
        out.printf(
            Locale.ROOT,
            "live view: %s%s (metrics %smetrics)%n",
            view.url(),
            web.token() == null ? "" : "?token=<the token>",
            view.url());
      }
      out.flush();
      // Ctrl-C or SIGTERM: stop after the current cycle and wait until the runtime has recorded
      // that it stopped and the audit log is closed (and its chain head signed).
      Thread hook =
          new Thread(
              () -> {
                runtime.requestStop();
                try {
                  // Long enough for the telemetry forwarder's drain before the log closes.
                  finished.await(
                      10 + Deployment.DEFAULT_TELEMETRY_DRAIN_WAIT.toSeconds(), TimeUnit.SECONDS);
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
          Locale.ROOT, "stopped after %d cycles in %s%n", runtime.cycles(), runtime.mode().label());
      sent[0] = deployment.telemetry();
      out.flush();
    } finally {
      finished.countDown();
    }
    if (sent[0] != null) {
      out.printf(
          Locale.ROOT,
          "telemetry: %d records acknowledged, up to seq %d; the broker stalled %d time(s)%n",
          sent[0].acknowledged(),
          sent[0].lastSeq(),
          sent[0].stalls());
      out.flush();
    }
    return 0;
  }

  /**
   * The audit log when {@code --audit} is not given: {@code runs/deploy/<plant>__<mode>__<UTC
   * start>/audit.jsonl}, one folder per start.
   */
  static Path defaultAuditFile(String plantName, Mode mode, Instant started) {
    return Path.of("runs", "deploy")
        .resolve(plantName + "__" + mode.label() + "__" + STAMP.format(started))
        .resolve("audit.jsonl");
  }

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
}
