package org.safeloop.plc.runtime;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.control.Policy;
import org.safeloop.env.observation.ObservationDesign;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnections;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.approval.ApprovalCheck;
import org.safeloop.plc.approval.DeploymentFiles;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.plc.telemetry.TelemetryForwarder;
import org.safeloop.plc.telemetry.TelemetryUrl;
import org.safeloop.plc.web.DeploymentControls;
import org.safeloop.plc.web.DeploymentView;
import org.safeloop.plc.web.ViewLayout;
import org.safeloop.policy.BundlePolicies;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.policy.PolicyBundles;
import org.safeloop.shield.AdmissibleActionPolicy;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.Shields;

/**
 * One deployment, assembled in one place: the plant file, the shield, the policy (a bundle's
 * pure-Java forward pass or the shield scenario's PID), the approval, the audit log, the connection
 * and the {@link DeploymentRuntime} that cycles them. {@code safeloop deploy}, the demo and the
 * deployment benchmark all build theirs here, so every check runs for each of them:
 *
 * <ol>
 *   <li>closed loop needs a bundle file, a shield file, an approval and a trusted key;
 *   <li>with an approval, every file is read once ({@link DeploymentInputs}) and the bundle is
 *       unpacked only after the approval accepted its hash (a closed-loop start);
 *   <li>the audit log opens before anything else runs, and a refusal is recorded in it;
 *   <li>the bundle reads no derived observations the bridge cannot compute (a set-point preview);
 *   <li>the plant file fits the policy and the shield: signals, units, tag ranges, and one cycle
 *       per control interval of the shield's model ({@link PlantFile#requireTimeBase});
 *   <li>the connection opens, and the runtime records its start.
 * </ol>
 *
 * <p>{@link #close()} stops in the safe order: the runtime records that it stopped, the audit log
 * closes (signing its chain head when a key is given), then the connection. Not thread-safe, as the
 * runtime.
 */
public final class Deployment implements AutoCloseable {
  /** How long the telemetry forwarder may go on sending after the deployment stops: 10 s. */
  public static final Duration DEFAULT_TELEMETRY_DRAIN_WAIT = Duration.ofSeconds(10);

  private final PlantFile plant;
  private final SafetyShield shield;
  private final String policyName;
  private final DeploymentFiles files;
  private final AuditLog audit;
  private final PlcConnection connection;
  private final DeploymentRuntime runtime;
  private final TelemetryForwarder telemetry;
  private final DeploymentView view;

  private Deployment(
      PlantFile plant,
      SafetyShield shield,
      String policyName,
      DeploymentFiles files,
      AuditLog audit,
      PlcConnection connection,
      DeploymentRuntime runtime,
      TelemetryForwarder telemetry,
      DeploymentView view) {
    this.plant = plant;
    this.shield = shield;
    this.policyName = policyName;
    this.files = files;
    this.audit = audit;
    this.connection = connection;
    this.runtime = runtime;
    this.telemetry = telemetry;
    this.view = view;
  }

  /** Returns the web view showing this deployment, or null. */
  public DeploymentView view() {
    return view;
  }

  /** Returns the telemetry forwarder, or null when the deployment sends no telemetry. */
  public TelemetryForwarder telemetry() {
    return telemetry;
  }

  /**
   * Starts describing a deployment.
   *
   * @param plantFile the plant file
   * @return a builder
   */
  public static Builder builder(Path plantFile) {
    return new Builder(plantFile);
  }

  /** Returns the runtime, started in the requested mode. */
  public DeploymentRuntime runtime() {
    return runtime;
  }

  /** Returns the plant file as loaded. */
  public PlantFile plant() {
    return plant;
  }

  /** Returns the shield as loaded (before any measuring wrapper). */
  public SafetyShield shield() {
    return shield;
  }

  /** Returns how the policy is named in messages, e.g. {@code policy bundle ppo.bundle}. */
  public String policyName() {
    return policyName;
  }

  /**
   * Returns the files as loaded, with their hashes (what an approval binds), or null when the
   * deployment was built without an approval.
   */
  public DeploymentFiles files() {
    return files;
  }

  /** Returns the audit log's active file. */
  public Path auditFile() {
    return audit.file();
  }

  @Override
  public void close() {
    if (view != null) {
      // The view outlives the deployment (its owner closes it) but offers no step back now.
      view.detach();
    }
    try {
      runtime.close();
    } finally {
      try {
        if (telemetry != null) {
          // After the runtime's STOPPED record, before the audit log closes: the forwarder
          // sends what is left and its TELEMETRY_STOPPED event goes into the file.
          telemetry.close();
        }
        audit.close();
      } finally {
        connection.close();
      }
    }
  }

  /** What a deployment is made of; {@link #build()} checks and assembles it. Not thread-safe. */
  public static final class Builder {
    private final Path plantFile;
    private String shield;
    private Path bundle;
    private Path approvedNote;
    private boolean pid;
    private Policy custom;
    private SignalSpace customObservations;
    private SignalSpace customActions;
    private String customName;
    private Mode mode = Mode.SHADOW;
    private Path approvalFile;
    private PublicKey trustedKey;
    private Function<PlantFile, AuditLog.Options> audit;
    private Clock clock = Clock.systemUTC();
    private TelemetryUrl telemetryUrl;
    private Duration telemetryDrainWait = DEFAULT_TELEMETRY_DRAIN_WAIT;
    private DeploymentView view;
    private UnaryOperator<PlcConnection> connectionWrapper = UnaryOperator.identity();
    private UnaryOperator<SafetyShield> shieldWrapper = UnaryOperator.identity();
    private UnaryOperator<ClosedLoopAuthority> authorityWrapper = UnaryOperator.identity();

    private Builder(Path plantFile) {
      this.plantFile = Objects.requireNonNull(plantFile, "plantFile");
    }

    /**
     * The shield: a constraint file, or a built-in shield's name (not with an approval, which binds
     * files).
     */
    public Builder shield(String fileOrBuiltInName) {
      this.shield = Objects.requireNonNull(fileOrBuiltInName, "shield");
      return this;
    }

    /** The policy: a bundle file, run with the pure-Java forward pass. */
    public Builder bundle(Path bundleFile) {
      this.bundle = Objects.requireNonNull(bundleFile, "bundle");
      this.pid = false;
      this.custom = null;
      return this;
    }

    /** The policy: the PI(D) loops of the shield's scenario. */
    public Builder pid() {
      this.pid = true;
      this.bundle = null;
      this.custom = null;
      return this;
    }

    /**
     * The policy: an object in this process (a test's policy, an embedding application's), reading
     * {@code observations} and writing {@code actions}. It passes the same shield and checks as a
     * bundle.
     */
    public Builder policy(
        Policy policy, SignalSpace observations, SignalSpace actions, String name) {
      this.custom = Objects.requireNonNull(policy, "policy");
      this.customObservations = Objects.requireNonNull(observations, "observations");
      this.customActions = Objects.requireNonNull(actions, "actions");
      this.customName = Objects.requireNonNull(name, "name");
      this.pid = false;
      this.bundle = null;
      return this;
    }

    /**
     * For a policy that is not a bundle file (the PID, an object): the file an approval binds in
     * the bundle's place, a text naming the controller. The PID's tuning is in the scenario, which
     * the approval binds among the shield's dependencies.
     */
    public Builder approvedAs(Path note) {
      this.approvedNote = Objects.requireNonNull(note, "note");
      return this;
    }

    /** The mode to start in (default shadow). */
    public Builder mode(Mode startMode) {
      this.mode = Objects.requireNonNull(startMode, "mode");
      return this;
    }

    /**
     * The approval closed loop needs: the signed file ({@code safeloop approve}) and the public key
     * it must be signed with. The file may be written after {@link #build()} (the demo signs it
     * after the shadow phase); it is verified when closed loop starts or is promoted to.
     */
    public Builder approval(Path approval, PublicKey trusted) {
      this.approvalFile = Objects.requireNonNull(approval, "approval");
      this.trustedKey = Objects.requireNonNull(trusted, "trusted");
      return this;
    }

    /** The audit log's options. */
    public Builder audit(AuditLog.Options options) {
      Objects.requireNonNull(options, "options");
      this.audit = p -> options;
      return this;
    }

    /** The audit log's options, from the plant file as loaded (e.g. a folder named after it). */
    public Builder audit(Function<PlantFile, AuditLog.Options> options) {
      this.audit = Objects.requireNonNull(options, "options");
      return this;
    }

    /**
     * Also produce every audit record to Kafka ({@code deploy --telemetry}); off by default. A
     * forwarder process beside the bridge follows the audit log, so the cycle does no telemetry
     * work: see {@link TelemetryForwarder}.
     */
    public Builder telemetry(TelemetryUrl url) {
      this.telemetryUrl = url;
      return this;
    }

    /**
     * Shows the deployment on a web view ({@code deploy --http}), started beforehand with {@link
     * DeploymentView#start}; off by default. The view taps the audit log and never slows the cycle;
     * the caller closes it (it may outlive the deployment).
     */
    public Builder view(DeploymentView webView) {
      this.view = webView;
      return this;
    }

    /**
     * How long the telemetry forwarder may go on sending after the deployment stops (default {@link
     * #DEFAULT_TELEMETRY_DRAIN_WAIT}); what it has not sent by then waits in the audit log.
     */
    public Builder telemetryDrainWait(Duration wait) {
      this.telemetryDrainWait = Objects.requireNonNull(wait, "wait");
      return this;
    }

    /** The clock for timestamps, staleness and approval expiry (default the system's, UTC). */
    public Builder clock(Clock c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /**
     * Wraps the connection, the shield and the approval authority (a benchmark's timers). The
     * wrappers see every call and must pass each one on unchanged.
     */
    public Builder measuredBy(
        UnaryOperator<PlcConnection> connection,
        UnaryOperator<SafetyShield> shieldWrapper,
        UnaryOperator<ClosedLoopAuthority> authority) {
      this.connectionWrapper = Objects.requireNonNull(connection, "connection");
      this.shieldWrapper = Objects.requireNonNull(shieldWrapper, "shield");
      this.authorityWrapper = Objects.requireNonNull(authority, "authority");
      return this;
    }

    /**
     * Checks and assembles the deployment, and starts its runtime in the requested mode.
     *
     * @return the deployment; the caller closes it
     * @throws IllegalArgumentException for a missing or contradictory part, naming it
     * @throws org.safeloop.env.config.ConfigException for a file that does not load or fit, with
     *     its file, line and field
     * @throws IllegalStateException when the audit log cannot be written, the approval refuses a
     *     closed-loop start (recorded in the audit log) or the PLC cannot be reached
     */
    public Deployment build() {
      if (shield == null) {
        throw new IllegalArgumentException("name the shield (a constraint file)");
      }
      if (!pid && bundle == null && custom == null) {
        throw new IllegalArgumentException("name the policy: a bundle file, or pid");
      }
      if (audit == null) {
        throw new IllegalArgumentException("name the audit log");
      }
      Path policyFile = bundle != null ? bundle : approvedNote;
      boolean approved = approvalFile != null;
      if ((approved || mode == Mode.CLOSED_LOOP)
          && (policyFile == null || !Files.isRegularFile(Path.of(shield)))) {
        throw new IllegalArgumentException(
            "closed loop binds its approval to files: give a policy bundle file and a shield"
                + " file (not pid or a built-in name)");
      }
      if (mode == Mode.CLOSED_LOOP && !approved) {
        throw new IllegalArgumentException("closed loop needs --approval and --trusted-key");
      }

      // Load: with an approval, every file once, hashed as read; the bundle not yet unpacked.
      DeploymentInputs inputs =
          approved ? DeploymentInputs.read(policyFile, Path.of(shield), plantFile) : null;
      PlantFile plant = approved ? inputs.plant() : PlantFile.load(plantFile);
      SafetyShield loadedShield = approved ? inputs.shield() : Shields.load(shield);
      ApprovalAuthority approvalAuthority =
          approved ? new ApprovalAuthority(approvalFile, trustedKey, inputs.files(), clock) : null;
      ClosedLoopAuthority authority = approved ? authorityWrapper.apply(approvalAuthority) : null;

      AuditLog log;
      try {
        log = AuditLog.open(audit.apply(plant));
      } catch (UncheckedIOException | IllegalArgumentException e) {
        throw new IllegalStateException("refusing to start: " + e.getMessage(), e);
      }
      PlcConnection connection = null;
      TelemetryForwarder telemetry = null;
      try {
        if (telemetryUrl != null) {
          telemetry =
              TelemetryForwarder.start(telemetryUrl, plant.name(), log, clock, telemetryDrainWait);
        }
        if (view != null) {
          log.tap(view.tap());
        }
        // The plant's model: the PID's scenario, a residual's base, a state observer's model. With
        // an approval, the scenario from the bytes the approval was checked against.
        Scenario modelScenario = approved ? inputs.modelScenario() : Shields.modelScenario(shield);
        Policy policy;
        SignalSpace observations;
        SignalSpace actions;
        String policyName;
        if (custom != null) {
          policy = custom;
          observations = customObservations;
          actions = customActions;
          policyName = customName;
        } else if (pid) {
          Scenario scenario = modelScenario;
          policy = scenario.baselineController();
          // The PID reads only measurements and setpoints, never derived signals.
          observations = scenario.plantObservationSpace();
          actions = scenario.actionSpace();
          policyName = "PID of scenario " + scenario.name();
        } else {
          PolicyBundle loaded;
          if (approved && mode == Mode.CLOSED_LOOP) {
            // The bundle's hash is checked before its bytes are unpacked.
            ApprovalCheck check = authority.verify();
            if (!check.accepted()) {
              throw DeploymentRuntime.refuseStart(
                  log, plant, mode, check.outcome() + ": " + check.message(), clock);
            }
          }
          loaded = approved ? inputs.bundle() : PolicyBundles.load(bundle);
          policyName = "policy bundle " + bundle;
          DeploymentRuntime.requireMeasuredObservations(loaded, policyName);
          policy = BundlePolicies.of(loaded, () -> modelScenario);
          // What the policy reads; the runtime computes its derived observations, if any.
          SignalSpace read = new SignalSpace(loaded.plantObservations());
          ObservationDesign design = loaded.observationDesign();
          observations = design == null ? read : design.plantSpace();
          actions = new SignalSpace(loaded.actions());
          if (loaded.actionMapping() != null) {
            // It chooses inside the box of the shield that decides its moves.
            policy =
                new AdmissibleActionPolicy(
                    policy, loadedShield, read, middle(loadedShield.actionSpace()));
          }
        }
        plant.requireCompatible(observations, actions, loadedShield, policyName);
        try {
          connection = connectionWrapper.apply(PlcConnections.open(plant.connection()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while connecting to the PLC", e);
        } catch (PlcException e) {
          throw new IllegalStateException(
              "cannot connect to "
                  + plant.protocol()
                  + " "
                  + plant.connection().host()
                  + ":"
                  + plant.connection().port()
                  + ": "
                  + e.getMessage(),
              e);
        }
        DeploymentRuntime runtime =
            new DeploymentRuntime(
                plant,
                connection,
                policy,
                observations,
                actions,
                shieldWrapper.apply(loadedShield),
                mode,
                authority,
                log,
                clock,
                modelScenario);
        if (view != null) {
          view.attach(
              layout(plant, policyName, loadedShield, observations, actions),
              controls(runtime, approvalAuthority));
        }
        return new Deployment(
            plant,
            loadedShield,
            policyName,
            approved ? inputs.files() : null,
            log,
            connection,
            runtime,
            telemetry,
            view);
      } catch (RuntimeException e) {
        try {
          if (telemetry != null) {
            telemetry.close();
          }
          log.close();
        } finally {
          if (connection != null) {
            connection.close();
          }
        }
        throw e;
      }
    }
  }

  /** What the web view draws: the plant, the signals with their ranges, the shield's bounds. */
  private static ViewLayout layout(
      PlantFile plant,
      String policyName,
      SafetyShield shield,
      SignalSpace observations,
      SignalSpace actions) {
    java.util.List<ViewLayout.Signal> observed = new java.util.ArrayList<>();
    for (var s : observations.signals()) {
      observed.add(new ViewLayout.Signal(s.name(), s.unit(), s.min(), s.max()));
    }
    java.util.List<ViewLayout.Signal> moved = new java.util.ArrayList<>();
    for (var a : actions.signals()) {
      moved.add(new ViewLayout.Signal(a.name(), a.unit(), a.min(), a.max()));
    }
    java.util.List<ViewLayout.Limit> limits = new java.util.ArrayList<>();
    for (var c : shield.stateConstraints()) {
      limits.add(new ViewLayout.Limit(c.name(), c.variable(), c.min(), c.max()));
    }
    return new ViewLayout(
        plant.name(),
        plant.protocol(),
        plant.cyclePeriod().toMillis(),
        plant.timeScale(),
        policyName,
        shield.name(),
        observed,
        moved,
        limits);
  }

  /** The view's handle on the runtime: its mode, approval and step back. */
  private static DeploymentControls controls(
      DeploymentRuntime runtime, ApprovalAuthority authority) {
    return new DeploymentControls() {
      @Override
      public String mode() {
        return runtime.mode().label();
      }

      @Override
      public long cycles() {
        return runtime.cycles();
      }

      @Override
      public org.safeloop.plc.approval.Approval approval() {
        return authority == null ? null : authority.approval();
      }

      @Override
      public java.util.concurrent.CompletableFuture<String> requestStepBack(
          String who, String why) {
        return runtime.requestStepBack(who, why);
      }
    };
  }

  private static double[] middle(SignalSpace actions) {
    double[] mid = new double[actions.size()];
    for (int i = 0; i < mid.length; i++) {
      mid[i] = 0.5 * (actions.get(i).min() + actions.get(i).max());
    }
    return mid;
  }
}
