package org.safeloop.experiments.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.safeloop.experiments.compare.Comparison;
import org.safeloop.experiments.config.Experiment;
import org.safeloop.experiments.report.Report;
import org.safeloop.experiments.run.RunDirectory;
import org.safeloop.experiments.run.Trainer;
import org.safeloop.plc.approval.ApprovalKeys;
import org.safeloop.plc.approval.Approvals;
import org.safeloop.plc.approval.DeploymentFiles;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.plc.runtime.Deployment;
import org.safeloop.plc.runtime.Mode;
import org.safeloop.plc.virtualplant.PlantView;
import org.safeloop.plc.virtualplant.VirtualPlant;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;
import org.safeloop.plc.virtualplant.VirtualPlantBuilder;
import org.safeloop.plc.web.DeploymentView;
import org.safeloop.plc.web.HttpAddress;
import org.safeloop.plc.web.WebOptions;

/**
 * The SafeLoop lifecycle in one run ({@code safeloop demo}): train PPO-Lag with the shield in the
 * loop on the constrained CSTR, compare it with the PID and the NMPC oracle, start the virtual
 * plant, deploy the bundle through the shield (shadow, advisory, then closed loop under a signed
 * approval), inject an operator override and a communication loss, and write one run directory with
 * {@code report.html} and {@code deployment.html}.
 *
 * <p>Each stage is one method returning what the next needs; a failure is a {@link StageFailure}
 * naming the stage. Not thread-safe: one demo per instance.
 */
public final class Demo {
  /** The operator's local jacket setpoint in the demo's plant, in K. */
  private static final double OPERATOR_JACKET_K = 298.0;

  /** The scenario the demo trains and deploys on. */
  public static final String SCENARIO = "cstr-constrained";

  /** The built-in shield, as a classpath resource. */
  static final String SHIELD_RESOURCE = "scenarios/cstr-constrained.shield.yaml";

  /** The demo's web views: a free port on the loopback address, no token. */
  static final WebOptions LIVE_VIEW = WebOptions.of(new HttpAddress(HttpAddress.LOOPBACK, 0), null);

  /** The approver named in the demo approval. */
  static final String APPROVER = "SafeLoop demo (operations manager)";

  /** Baselines the agent is compared with. */
  static final List<String> BASELINES = List.of("pid", "oracle");

  /** The built-in scenario, as a classpath resource. */
  static final String SCENARIO_RESOURCE = "scenarios/cstr-constrained.yaml";

  /**
   * What the agent observes beside the plant's signals: the error integral and the extended Kalman
   * filter's estimates, which the bridge computes from the plant's tags (docs/benchmarks.md, 5
   * seeds: -92.2 with the integral against -104.1 without; -90.8 with the estimates too).
   */
  static final String OBSERVATION = "observation:\n  error_integral: {}\n  estimate: true\n";

  /**
   * The experiment, as {@code experiments/configs/cstr-constrained-ppo-lag-shield.yaml} (embedded
   * so that the demo does not depend on the working directory; the scenario, the built-in one with
   * {@link #OBSERVATION}, is written into the run directory and named here); the budget is set by
   * {@link Budget}.
   */
  static final String EXPERIMENT =
      """
      name: cstr-constrained-ppo-lag-shield
      scenario: %s
      algorithm: ppo-lag
      hyperparameters:
        gamma: 0.9
        cost_limit: 0.0
      shield: cstr-constrained
      shield_penalty:
        reward: 1.0
        reward_per_correction: 10.0
        cost: 0.0
      training:
        steps: 51200
        realism: true
        action_mapping: shield
      evaluation:
        episodes: 100
        realism: true
      seeds: [0]
      """;

  /**
   * How much the demo does.
   *
   * @param trainingSteps environment steps of training
   * @param evaluationEpisodes evaluation episodes (realism on) for the agent and each baseline
   * @param shadowCycles deployment cycles in shadow mode
   * @param advisoryCycles deployment cycles in advisory mode
   * @param closedLoopCycles deployment cycles in closed loop before the faults
   * @param faultCycles cycles shown after each fault and after the re-promotion
   * @param stepMillis wall time of one control interval (26 s of plant time), in milliseconds
   */
  public record Budget(
      long trainingSteps,
      int evaluationEpisodes,
      int shadowCycles,
      int advisoryCycles,
      int closedLoopCycles,
      int faultCycles,
      long stepMillis) {

    /** The full demo: a few minutes on two cores. */
    public static final Budget FULL = new Budget(20_480, 20, 30, 30, 60, 12, 200);

    /** {@code --quick}: under a minute. */
    public static final Budget QUICK = new Budget(2_048, 3, 6, 6, 12, 5, 100);

    /** Checks every count is positive. */
    public Budget {
      if (trainingSteps < 1
          || evaluationEpisodes < 1
          || shadowCycles < 1
          || advisoryCycles < 1
          || closedLoopCycles < 1
          || faultCycles < 1
          || stepMillis < 1) {
        throw new IllegalArgumentException("every demo budget entry must be positive: " + this);
      }
    }
  }

  /**
   * What to run.
   *
   * @param outputRoot the folder receiving {@code demo-<timestamp>/}, e.g. {@code runs}
   * @param budget how much to do
   * @param protocol the protocol between the bridge and the virtual plant
   * @param keepPlant leave the virtual plant running until Ctrl-C at the end
   */
  public record Options(Path outputRoot, Budget budget, Protocol protocol, boolean keepPlant) {
    /** Checks nothing is missing. */
    public Options {
      Objects.requireNonNull(outputRoot, "outputRoot");
      Objects.requireNonNull(budget, "budget");
      Objects.requireNonNull(protocol, "protocol");
    }
  }

  /** The trained run: its directory and its bundle. */
  record Trained(Experiment experiment, Path runDir, Path bundle) {}

  /** The virtual plant and the plant file the bridge deploys with. */
  record Plant(VirtualPlant plant, Path plantFile) {}

  private final Options options;
  private final Budget budget;
  private final PrintWriter out;
  private final Path runDir;
  private final Consumer<? super VirtualPlant> afterDeployment;

  private Demo(
      Options options,
      PrintWriter out,
      Path runDir,
      Consumer<? super VirtualPlant> afterDeployment) {
    this.options = options;
    this.budget = options.budget();
    this.out = out;
    this.runDir = runDir;
    this.afterDeployment = afterDeployment;
  }

  /**
   * Runs every stage and returns the report page.
   *
   * @param options what to run
   * @param out where the stage lines go (the progress bar of training goes to standard error)
   * @return {@code <run dir>/report.html}
   * @throws StageFailure naming the stage that failed
   */
  public static Path run(Options options, PrintWriter out) {
    return run(options, out, plant -> {});
  }

  /**
   * As {@link #run(Options, PrintWriter)}, and hands the virtual plant to {@code afterDeployment}
   * once the bridge has disconnected and before the plant stops, so that a test can read the
   * plant's own counters (writes received, steps).
   */
  static Path run(
      Options options, PrintWriter out, Consumer<? super VirtualPlant> afterDeployment) {
    Objects.requireNonNull(afterDeployment, "afterDeployment");
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC)
            .format(Instant.now());
    Path runDir = options.outputRoot().resolve("demo-" + stamp).toAbsolutePath();
    Demo demo = new Demo(options, out, runDir, afterDeployment);
    return demo.runStages();
  }

  private Path runStages() {
    long started = System.nanoTime();
    Budget b = budget;
    out.printf(
        Locale.ROOT,
        "SafeLoop demo: %s, PPO-Lag with the shield, %,d training steps, %d evaluation episodes,"
            + " %s; run directory %s%n",
        SCENARIO,
        b.trainingSteps(),
        b.evaluationEpisodes(),
        options.protocol().label(),
        runDir);
    out.flush();
    try {
      Files.createDirectories(runDir);
    } catch (IOException e) {
      throw new StageFailure(1, "train", "cannot create " + runDir + ": " + e.getMessage(), e);
    }
    Trained trained = stage(1, "train", this::train);
    stage(2, "evaluate", () -> evaluate(trained));
    Plant plant = stage(3, "plant", () -> startPlant(trained));
    Path page;
    // The deployment's live view on a free loopback port, from the first cycle to the end.
    try (VirtualPlant vp = plant.plant();
        DeploymentView view = DeploymentView.start(LIVE_VIEW)) {
      PacedDeployment deployment = stage(4, "deploy", () -> deploy(trained, plant, view));
      try (deployment) {
        stage(5, "faults", () -> faults(deployment));
      }
      afterDeployment.accept(vp);
      page = stage(6, "report", () -> report(trained, deployment));
      out.printf(
          Locale.ROOT,
          "SafeLoop demo done in %.1f s. Report: %s%n",
          (System.nanoTime() - started) * 1e-9,
          page);
      out.flush();
      if (options.keepPlant()) {
        keepPlant(vp, view);
      }
    }
    return page;
  }

  /** Runs one stage, turning any exception into a {@link StageFailure} naming it. */
  private <T> T stage(int number, String name, StageBody<T> body) {
    long started = System.nanoTime();
    out.printf(Locale.ROOT, "%n== stage %d/6 (%s) ==%n", number, name);
    out.flush();
    try {
      T result = body.run();
      out.printf(
          Locale.ROOT,
          "stage %d (%s): ok in %.1f s%n",
          number,
          name,
          (System.nanoTime() - started) * 1e-9);
      out.flush();
      return result;
    } catch (StageFailure e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StageFailure(number, name, "interrupted", e);
    } catch (Exception e) {
      String message = e.getMessage() != null ? e.getMessage() : e.toString();
      throw new StageFailure(number, name, message, e);
    }
  }

  /** A stage's work. */
  @FunctionalInterface
  interface StageBody<T> {
    T run() throws Exception;
  }

  // ---- stage 1 ------------------------------------------------------------------------------

  /** Trains PPO-Lag with the shield in the loop into {@code training/<run>}. */
  Trained train() {
    Path scenarioFile = runDir.resolve("cstr-constrained-integral.yaml");
    try {
      Files.writeString(
          scenarioFile, resourceText(SCENARIO_RESOURCE) + OBSERVATION, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + scenarioFile, e);
    }
    Experiment experiment =
        Experiment.parse(
                EXPERIMENT.formatted(scenarioFile.toAbsolutePath()),
                "demo experiment cstr-constrained-ppo-lag-shield")
            .with(budget.trainingSteps(), budget.evaluationEpisodes());
    Path dir =
        runDir
            .resolve("training")
            .resolve(
                RunDirectory.name(
                    experiment.scenario().name(),
                    experiment.algorithm().algorithmName(),
                    0,
                    Instant.now()));
    out.printf(
        Locale.ROOT,
        "training %s on %s with the shield %s in the loop: %,d steps, then %d evaluation episodes"
            + " with realism on%n",
        experiment.algorithm().algorithmName(),
        experiment.scenario().name(),
        experiment.spec().shield(),
        budget.trainingSteps(),
        budget.evaluationEpisodes());
    out.flush();
    AtomicBoolean stop = new AtomicBoolean();
    Trainer.Result result = Trainer.run(experiment, 0, dir, true, stop);
    if (!"completed".equals(result.info().status()) || result.evaluation() == null) {
      throw new IllegalStateException(
          "training ended " + result.info().status() + ": " + result.info().message());
    }
    out.printf(
        Locale.ROOT,
        "trained %,d steps (%d episodes) in %.1f s; bundle %s%n",
        result.info().environmentSteps(),
        result.info().episodes(),
        result.info().wallSeconds(),
        dir.resolve(RunDirectory.POLICY));
    return new Trained(experiment, dir, dir.resolve(RunDirectory.POLICY));
  }

  // ---- stage 2 ------------------------------------------------------------------------------

  /** Evaluates the agent beside the PID and the NMPC oracle and prints the table. */
  Comparison evaluate(Trained trained) {
    out.printf(
        Locale.ROOT,
        "comparing the agent with %s over %d episodes each (the oracle noise-free and unshielded)%n",
        BASELINES,
        budget.evaluationEpisodes());
    out.flush();
    Path dir = runDir.resolve("comparison");
    Comparison comparison =
        Comparison.of(List.of(trained.runDir()), BASELINES, dir.resolve("trajectories"));
    comparison.write(dir);
    out.println();
    out.print(comparison.toText());
    out.println();
    out.println("comparison written to " + dir);
    return comparison;
  }

  // ---- stage 3 ------------------------------------------------------------------------------

  /**
   * Starts the virtual plant on a free loopback port, stepped by the demo (one PLC scan and one
   * control interval after each bridge cycle, paced at {@link Budget#stepMillis}), and writes its
   * plant file.
   */
  Plant startPlant(Trained trained) throws IOException, InterruptedException {
    double intervalSeconds =
        trained
                .experiment()
                .scenario()
                .model()
                .timeUnit()
                .toMinutes(trained.experiment().scenario().controlInterval())
            * 60.0;
    double speed = intervalSeconds * 1000.0 / budget.stepMillis();
    Path dir = runDir.resolve("plant");
    VirtualPlantBuilder builder =
        VirtualPlant.builder(trained.experiment().scenario())
            .manualStepping()
            .protocols(options.protocol())
            .realism(true)
            .seed(0)
            .speed(speed);
    if (options.protocol() == Protocol.OPCUA) {
      builder.pkiDirectory(dir.resolve("pki"));
    }
    VirtualPlant plant = builder.start();
    try {
      // The operator runs the jacket a little cooler than the scenario's start (300 K), which keeps
      // the reactor inside 321-327 K through the feed-temperature step while the agent only
      // watches: the agent has to earn closed loop against a careful operator.
      plant.setOperatorSetpoint("Tc", OPERATOR_JACKET_K);
      Path plantFile = plant.writePlantFiles(dir).get(0);
      out.printf(
          Locale.ROOT,
          "virtual plant %s serving %s on %s, %.0fx real time (26 s of plant time every %d ms),"
              + " loop in local (operator in charge, jacket at %.0f K)%n",
          plant.plantName(),
          options.protocol().label(),
          endpoint(plant),
          speed,
          budget.stepMillis(),
          OPERATOR_JACKET_K);
      out.println("plant file " + plantFile);
      return new Plant(plant, plantFile);
    } catch (RuntimeException e) {
      plant.close();
      throw e;
    }
  }

  private String endpoint(VirtualPlant plant) {
    return options.protocol() == Protocol.MODBUS
        ? "modbus tcp://127.0.0.1:"
            + plant.modbusPort()
            + " (unit "
            + VirtualPlant.MODBUS_UNIT_ID
            + ")"
        : plant.opcUaEndpoint();
  }

  // ---- stage 4 ------------------------------------------------------------------------------

  /**
   * Deploys the bundle through the shield: shadow, advisory, then (key, shield file, signed
   * approval) closed loop.
   */
  PacedDeployment deploy(Trained trained, Plant plant, DeploymentView view)
      throws IOException, InterruptedException {
    Path shieldFile = runDir.resolve("cstr-constrained.shield.yaml");
    Files.writeString(shieldFile, builtInShieldText(), StandardCharsets.UTF_8);
    Path keys = runDir.resolve("keys");
    Files.createDirectories(keys);
    KeyPair keyPair = ApprovalKeys.generate();
    Path approvalFile = runDir.resolve("approval.json");
    Path auditFile = runDir.resolve("audit.jsonl");
    // Shadow first; the approval is signed after the advisory phase, for the files loaded here.
    Deployment deployment;
    try {
      deployment =
          Deployment.builder(plant.plantFile())
              .shield(shieldFile.toString())
              .bundle(trained.bundle())
              .approval(approvalFile, keyPair.getPublic())
              .audit(AuditLog.Options.builder(auditFile).build())
              .mode(Mode.SHADOW)
              .view(view)
              .build();
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          "cannot deploy on the virtual plant at "
              + endpoint(plant.plant())
              + ": "
              + e.getMessage(),
          e);
    }
    PacedDeployment d =
        new PacedDeployment(plant.plant(), deployment, Duration.ofMillis(budget.stepMillis()), out);
    PlantFile plantFile = deployment.plant();
    DeploymentFiles files = deployment.files();
    try {
      out.printf(
          Locale.ROOT,
          "bridge connected over %s; policy %s (pure-Java forward pass), shield file %s;"
              + " audit log %s%n",
          plantFile.protocol(),
          trained.bundle().getFileName(),
          shieldFile.getFileName(),
          auditFile);
      out.println("live view: " + view.url() + " (the deployment as it runs; metrics at /metrics)");
      out.flush();
      d.runPhase("shadow", budget.shadowCycles());
      d.requirePromotion(Mode.ADVISORY);
      d.runPhase("advisory", budget.advisoryCycles());

      String refused = d.runtime().promote(Mode.CLOSED_LOOP);
      out.println(
          "closed loop without an approval: "
              + (refused == null ? "ACCEPTED (unexpected)" : "refused (" + refused + ")"));
      if (refused == null) {
        throw new IllegalStateException("closed loop started without an approval");
      }
      ApprovalKeys.savePrivateKey(keyPair.getPrivate(), keys.resolve("demo-approver.key"));
      ApprovalKeys.savePublicKey(keyPair.getPublic(), keys.resolve("demo-approver.pub"));
      Instant now = Instant.now();
      Approvals.save(
          Approvals.sign(
              files,
              Mode.CLOSED_LOOP.label(),
              APPROVER,
              now.plus(Duration.ofHours(1)),
              "signed by safeloop demo with a key generated for this run",
              keyPair,
              Clock.fixed(now.minusSeconds(1), ZoneOffset.UTC)),
          approvalFile);
      out.printf(
          Locale.ROOT,
          "demo Ed25519 key %s (fingerprint %s); approval %s signed for closed loop until %s,"
              + " bound to the bundle, shield and plant files%n",
          keys.resolve("demo-approver.pub").getFileName(),
          ApprovalKeys.fingerprint(keyPair.getPublic()),
          approvalFile.getFileName(),
          now.plus(Duration.ofHours(1)));
      plant.plant().setOperatorMode(true);
      out.println("operator switches the loop to remote/auto");
      d.requirePromotion(Mode.CLOSED_LOOP);
      d.runPhase("closed loop", budget.closedLoopCycles());
      if (d.runtime().mode() != Mode.CLOSED_LOOP) {
        throw new IllegalStateException("closed loop did not hold: " + d.lastDemotion());
      }
      return d;
    } catch (InterruptedException | RuntimeException e) {
      d.close();
      throw e;
    }
  }

  static String builtInShieldText() {
    return resourceText(SHIELD_RESOURCE);
  }

  private static String resourceText(String resource) {
    try (InputStream in = Demo.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the built-in resource " + resource + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  // ---- stage 5 ------------------------------------------------------------------------------

  /** An operator override, an explicit re-promotion, then a communication loss. */
  Void faults(PacedDeployment d) throws IOException, InterruptedException {
    VirtualPlant plant = d.plant();
    out.println("fault 1: the operator switches the loop to local/manual");
    plant.setOperatorMode(false);
    d.requireDemotion("operator override");
    d.runPhase("advisory after the override", budget.faultCycles());

    out.println("operator hands the loop back to remote/auto; engineer re-promotes explicitly");
    plant.setOperatorMode(true);
    d.requirePromotion(Mode.CLOSED_LOOP);
    d.runPhase("closed loop again", budget.faultCycles());

    out.println("fault 2: communication loss (the plant's servers stop)");
    plant.stopServers();
    d.requireDemotion("communication");
    d.runPhase("without communication", budget.faultCycles());
    plant.restartServers();
    out.println("the plant's servers are back");
    Duration took = d.awaitReconnection(Duration.ofSeconds(30));
    out.printf(
        Locale.ROOT,
        "connection restored after %.1f s; mode stays %s (promotion is never automatic);"
            + " the PLC's watchdog shed the loop to local %d time(s) while the heartbeat stopped,"
            + " loop now %s%n",
        took.toMillis() / 1000.0,
        d.runtime().mode().label(),
        plant.watchdogSheds(),
        plant.isRemote() ? "remote" : "local");
    if (d.runtime().mode() == Mode.CLOSED_LOOP) {
      throw new IllegalStateException("closed loop came back without an explicit promotion");
    }
    d.runPhase("after reconnection", budget.faultCycles());
    return null;
  }

  // ---- stage 6 ------------------------------------------------------------------------------

  /** {@code report.html} by {@link Report}, linked to {@code deployment.html}. */
  Path report(Trained trained, PacedDeployment d) throws IOException {
    out.println("writing the training and evaluation report (re-evaluates the baselines)");
    out.flush();
    Path page = Report.write(List.of(trained.runDir()), BASELINES, runDir);
    Path deployment = DeploymentPage.write(runDir, d.auditFile(), d.samples(), options.protocol());
    String html = Files.readString(page, StandardCharsets.UTF_8);
    String link =
        "<p><b>Deployment on the virtual plant</b> (shadow, advisory, closed loop, operator"
            + " override, communication loss): <a href=\"deployment.html\">deployment.html</a></p>\n";
    int at = html.indexOf("</h1>");
    html =
        at < 0
            ? html.replace("</body>", link + "</body>")
            : html.substring(0, at + 5) + "\n" + link + html.substring(at + 5);
    Files.writeString(page, html, StandardCharsets.UTF_8);
    out.println("deployment page " + deployment);
    out.println("report " + page);
    return page;
  }

  // ---- --keep-plant -------------------------------------------------------------------------

  /**
   * Keeps stepping the plant (no agent: the PLC's own logic) until Ctrl-C, with the deployment's
   * page (its last cycles and events) and the plant's own live view up.
   */
  private void keepPlant(VirtualPlant plant, DeploymentView view) {
    PlantView plantView;
    try {
      plantView = PlantView.start(plant, LIVE_VIEW);
    } catch (RuntimeException e) {
      plantView = null;
      out.println("the plant's live view could not start: " + e.getMessage());
    }
    out.printf(
        Locale.ROOT,
        "virtual plant kept running at %s; plant file in %s; Ctrl-C to stop%n",
        endpoint(plant),
        runDir.resolve("plant"));
    out.println("deployment's page (stopped; its last cycles and events): " + view.url());
    if (plantView != null) {
      out.println("virtual plant's live view: " + plantView.url());
    }
    out.flush();
    try {
      stepUntilStopped(plant);
    } finally {
      if (plantView != null) {
        plantView.close();
      }
    }
  }

  /** Steps the plant at the demo's pace until Ctrl-C. */
  private void stepUntilStopped(VirtualPlant plant) {
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop.set(true);
              try {
                stopped.await(5, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "safeloop-demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      while (!stop.get() && !Thread.currentThread().isInterrupted()) {
        plant.step();
        Thread.sleep(budget.stepMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stopped.countDown();
    }
  }
}
