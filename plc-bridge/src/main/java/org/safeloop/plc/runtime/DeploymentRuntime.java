package org.safeloop.plc.runtime;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.safeloop.env.Observation;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.control.Policy;
import org.safeloop.env.observation.ObservationBuilder;
import org.safeloop.env.observation.ObservationDesign;
import org.safeloop.plc.DataType;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagValue;
import org.safeloop.plc.TagWrite;
import org.safeloop.plc.approval.ApprovalCheck;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.audit.AuditRecord;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;
import org.safeloop.plc.audit.WriteRecord;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.policy.BundlePolicies;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.shield.AdmissibleActionPolicy;
import org.safeloop.shield.Intervention;
import org.safeloop.shield.ObservationMapping;
import org.safeloop.shield.PlantSnapshot;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.ShieldDecision;
import org.safeloop.shield.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployed agent's control cycle: read every tag in one request, ask the policy, pass its
 * proposal and the readings through the shield, record the decision in the audit log, write what
 * the mode allows, and record how the write went. Nothing reaches the plant without the shield's
 * decision, nor before that decision is in the audit log, and no exception leaves a cycle.
 *
 * <p>The shield alone judges the inputs: the runtime reads each observation's value, quality
 * (marked BAD where a reading is missing or outside its instrument range, {@link InputReadings})
 * and the time the PLC last confirmed it, and the shield's input-validity layer decides whether
 * they are fit to act on (quality, finite, range, {@code max_age_s}, frozen) and falls back when
 * they are not. The runtime counts the cycles in which it did, for demotion, and nothing else.
 *
 * <p>Modes ({@link Mode}): in shadow no writer exists at all; advisory writes only the advisory
 * tags and heartbeats; closed loop also writes the setpoints, and only with a verified {@link
 * ClosedLoopAuthority} and a transport the plant file allows. Engagement is bumpless: the shield's
 * rate limits act from the setpoint in force, read each cycle.
 *
 * <p>Closed loop steps back (demotes), at once and logged, to the plant file's demotion mode on: a
 * failed or timed-out read or write; the shield's input-validity layer judging a measurement
 * invalid (bad quality, NaN, out of range, stale, frozen) for the configured number of consecutive
 * cycles; the operator switching to local/manual, changing the setpoint since our last write, or a
 * Good_LocalOverride status; the shield reporting itself degraded (fallbacks above its file's
 * {@code degraded_when}); the approval expiring; the policy throwing; a write the PLC refuses
 * ({@code WRITE_REFUSED}); the heartbeat tag reading a value this bridge did not write (another
 * writer on the plant). The demotion happens before the cycle's writes, so nothing is written after
 * it. An audit log that cannot take a record steps back to shadow, whatever the plant file's
 * demotion mode, and a start whose first record cannot be written is refused. Promotion back only
 * through {@link #promote}; never automatic, and never while the audit log holds unwritten records.
 *
 * <p>Not thread-safe: one thread runs the cycles ({@link #run} or {@link #runCycle}); {@link
 * #requestStop()} may be called from any thread.
 */
public final class DeploymentRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DeploymentRuntime.class);

  /**
   * What one cycle did, for callers and tests.
   *
   * @param cycle the cycle number, from 1
   * @param mode the mode after the cycle
   * @param decision the shield's decision, or null when the inputs could not be read
   * @param wroteSetpoints whether setpoints were written
   * @param demotion why closed loop stepped back in this cycle, or null
   * @param latencyMicros time from the start of the read to the end of the writes, the audit record
   *     of the decision (written before the writes) included
   */
  public record CycleOutcome(
      long cycle,
      Mode mode,
      ShieldDecision decision,
      boolean wroteSetpoints,
      String demotion,
      long latencyMicros) {}

  private final PlantFile plant;
  private final PlcConnection connection;
  private final Policy policy;
  private final SafetyShield shield;
  private final ClosedLoopAuthority authority;
  private final AuditLog audit;
  private final Clock clock;

  private final List<PlantFile.SignalTag> observationTags;
  private final List<PlantFile.SignalTag> actionTags;
  private final Tag[] setpointInForce;
  private final ObservationMapping shieldView;
  private final List<Tag> readTags = new ArrayList<>();
  private final String[] actionNames;
  private final double[] actionMin;
  private final double[] actionMax;

  private Mode mode;
  private PlantWriter writer;
  private long cycle;
  private long heartbeat;
  // The heartbeat the PLC last acknowledged from this bridge; NaN when it has none in force.
  private double heartbeatWritten = Double.NaN;
  private boolean anotherWriterFlagged;
  private int badStreak;
  private boolean connectionLost;
  private double[] lastWritten;
  private double[] lastApplied;
  private volatile boolean stopRequested;
  // Computes a bundle's derived observations from the plant's signals, as in training; or null.
  private final ObservationBuilder derived;

  /**
   * Creates a runtime and records that it started.
   *
   * @param plant the plant file, already checked against the policy and shield ({@link
   *     PlantFile#requireCompatible})
   * @param connection an open connection to the plant
   * @param policy the policy (a bundle's pure-Java policy or a PID)
   * @param observations the policy's observation signals, in its order
   * @param actions the policy's action signals, in its order
   * @param shield the shield every proposal passes
   * @param startMode the mode to start in
   * @param authority what allows closed loop (null: closed loop refused)
   * @param audit the audit log
   * @param clock the clock for timestamps, staleness and approval expiry
   * @throws IllegalStateException when closed loop is asked for and not allowed; the message says
   *     which check failed
   */
  public DeploymentRuntime(
      PlantFile plant,
      PlcConnection connection,
      Policy policy,
      SignalSpace observations,
      SignalSpace actions,
      SafetyShield shield,
      Mode startMode,
      ClosedLoopAuthority authority,
      AuditLog audit,
      Clock clock) {
    this.plant = Objects.requireNonNull(plant, "plant");
    this.connection = Objects.requireNonNull(connection, "connection");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.shield = Objects.requireNonNull(shield, "shield");
    this.authority = authority;
    this.audit = Objects.requireNonNull(audit, "audit");
    this.clock = Objects.requireNonNull(clock, "clock");
    PolicyBundle bundle =
        BundlePolicies.bundleOf(
            policy instanceof AdmissibleActionPolicy inside ? inside.mapped() : policy);
    if (bundle != null) {
      requireMeasuredObservations(bundle, "the policy bundle");
    }
    ObservationDesign design = bundle == null ? null : bundle.observationDesign();
    this.derived = design == null ? null : design.newBuilder();
    // Rate limits and horizons are per control interval: the cycle must be one (PlantFile).
    plant.requireTimeBase(shield.controlIntervalSeconds(), shield.name());
    this.observationTags = plant.observationsInOrder(observations);
    this.actionTags = plant.actionsInOrder(actions);
    int n = actionTags.size();
    this.actionNames = new String[n];
    this.actionMin = new double[n];
    this.actionMax = new double[n];
    this.setpointInForce = new Tag[n];
    for (int i = 0; i < n; i++) {
      actionNames[i] = actions.get(i).name();
      actionMin[i] = actions.get(i).min();
      actionMax[i] = actions.get(i).max();
      setpointInForce[i] = plant.currentSetpoint(actionNames[i]);
    }
    requireJudged(observations, shield);
    // The shield's own mapping of the policy's observations onto what it reads.
    this.shieldView = new ObservationMapping(observations, shield.observationSpace());
    for (PlantFile.SignalTag t : observationTags) {
      readTags.add(t.tag());
    }
    for (Tag t : setpointInForce) {
      if (t != null) {
        readTags.add(t);
      }
    }
    readTags.add(plant.operatorMode());
    if (plant.heartbeat() != null) {
      // Read back to notice another bridge writing to the same plant.
      readTags.add(plant.heartbeat());
    }
    this.mode = Mode.SHADOW;
    recordStart(audit, plant, startMode, clock);
    if (startMode == Mode.CLOSED_LOOP) {
      String refusal = closedLoopRefusal();
      if (refusal != null) {
        event(EventKind.APPROVAL_REFUSED, refusal, Map.of());
        throw new IllegalStateException("closed loop refused: " + refusal);
      }
    }
    changeMode(startMode, EventKind.MODE_CHANGE, "start in " + startMode.label());
  }

  /**
   * Refuses a policy whose derived observations the bridge cannot compute: a set-point preview (the
   * plant's tags give the set point in force, not the schedule ahead), or derived observations
   * without the record of how they are computed ({@link PolicyBundle#observationDesign}). Tracking
   * errors, error integrals, filters and previous actions are computed here from the plant's
   * signals with the same {@code ObservationBuilder} as in training.
   *
   * @param bundle the bundle
   * @param policyName how to name it in the message, e.g. {@code policy bundle ppo.bundle}
   * @throws IllegalArgumentException naming the signals and what to do
   */
  public static void requireMeasuredObservations(PolicyBundle bundle, String policyName) {
    ObservationDesign design;
    try {
      design = bundle.observationDesign();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(policyName + ": " + e.getMessage(), e);
    }
    if (design != null && design.previewSteps() > 0) {
      throw new IllegalArgumentException(
          policyName
              + " reads a set-point preview ("
              + design.previewSteps()
              + " steps); the bridge reads the set point in force from the plant's tags, not the"
              + " schedule ahead, so it refuses this bundle rather than act on a schedule it does"
              + " not know. Deploy a policy trained without `observation.preview`.");
    }
  }

  /**
   * Refuses a policy observation the shield does not read: the shield alone judges the inputs, so
   * one it never sees would reach the policy unjudged.
   */
  private static void requireJudged(SignalSpace observations, SafetyShield shield) {
    List<String> unjudged = new ArrayList<>();
    for (String name : observations.names()) {
      if (shield.observationSpace().indexOf(name) < 0) {
        unjudged.add(name);
      }
    }
    if (!unjudged.isEmpty()) {
      throw new IllegalArgumentException(
          "the policy reads "
              + unjudged
              + ", which shield "
              + shield.name()
              + " does not read ("
              + shield.observationSpace().names()
              + "); the shield alone judges whether an input is fit to act on, so every input of"
              + " the policy must be one of its signals: use a shield whose model measures them");
    }
  }

  /**
   * Records a start that is refused before a runtime exists (for instance a bundle whose hash does
   * not match its approval, refused before it is unpacked): the start event and the refusal, as the
   * constructor would write them.
   *
   * @return the exception to throw, saying why
   * @throws IllegalStateException when the audit log cannot be written
   */
  public static IllegalStateException refuseStart(
      AuditLog audit, PlantFile plant, Mode requested, String refusal, Clock clock) {
    recordStart(audit, plant, requested, clock);
    try {
      audit.append(new EventRecord(clock.instant(), EventKind.APPROVAL_REFUSED, refusal));
    } catch (RuntimeException e) {
      LOG.error("cannot record the refusal in audit log {}", audit.file(), e);
    }
    return new IllegalStateException("closed loop refused: " + refusal);
  }

  /**
   * Writes the start event and forces it to the disk: a deployment whose decisions cannot be
   * recorded must not start.
   */
  private static void recordStart(AuditLog audit, PlantFile plant, Mode requested, Clock clock) {
    try {
      audit.append(
          new EventRecord(
              clock.instant(),
              EventKind.STARTED,
              "deployment of " + plant.name() + " requested in " + requested.label(),
              Map.of(
                  "plant",
                  plant.file().toString(),
                  "instance",
                  audit.instance(),
                  "cycle_period_ms",
                  Long.toString(plant.cyclePeriod().toMillis()),
                  "time_scale",
                  Double.toString(plant.timeScale()))));
      audit.sync();
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "refusing to start: the audit log "
              + audit.file()
              + " cannot be written ("
              + e.getMessage()
              + "); a deployment that cannot record its decisions must not run",
          e);
    }
  }

  /** Returns why closed loop may not run now, or null when it may. */
  private String closedLoopRefusal() {
    if (!plant.closedLoopTransportAllowed()) {
      return "the plant file's OPC UA connection has security mode none; closed loop needs Sign"
          + " or SignAndEncrypt, or allow_insecure_closed_loop: true in the plant file";
    }
    if (authority == null) {
      return "no approval given (safeloop approve, then --approval FILE)";
    }
    ApprovalCheck check = authority.verify();
    if (!check.accepted()) {
      return check.outcome() + ": " + check.message();
    }
    event(EventKind.APPROVAL_ACCEPTED, check.message(), Map.of());
    return null;
  }

  /**
   * Asks for a higher mode (an explicit operator or engineer command); closed loop re-verifies the
   * approval. Never called by the runtime itself.
   *
   * @return null when promoted, else why not
   */
  public String promote(Mode target) {
    if (target.ordinal() <= mode.ordinal()) {
      return "already in " + mode.label();
    }
    if (audit.held() > 0) {
      String refusal =
          "the audit log is not writable ("
              + audit.held()
              + " records wait to be written): no promotion until it is";
      event(EventKind.APPROVAL_REFUSED, refusal, Map.of());
      return refusal;
    }
    if (target == Mode.CLOSED_LOOP) {
      String refusal = closedLoopRefusal();
      if (refusal != null) {
        event(EventKind.APPROVAL_REFUSED, refusal, Map.of());
        return refusal;
      }
    }
    changeMode(target, EventKind.PROMOTION, "promoted to " + target.label() + " on request");
    return null;
  }

  /** Returns the current mode. */
  public Mode mode() {
    return mode;
  }

  /** Returns the names of the actions this runtime writes, in the policy's order. */
  public List<String> actionNames() {
    return List.of(actionNames);
  }

  /** Returns the cycles run so far. */
  public long cycles() {
    return cycle;
  }

  /** Asks {@link #run} to return after the current cycle (any thread). */
  public void requestStop() {
    stopRequested = true;
  }

  /**
   * Runs cycles at the plant file's period until {@code stop} says so or {@link #requestStop()} is
   * called. A cycle that overruns its period starts the next one at once (no catch-up burst).
   */
  public void run(BooleanSupplier stop) {
    long period = plant.cyclePeriod().toNanos();
    long next = System.nanoTime();
    while (!stopRequested && !stop.getAsBoolean() && !Thread.currentThread().isInterrupted()) {
      runCycle();
      next += period;
      long now = System.nanoTime();
      if (next - now > 0) {
        LockSupport.parkNanos(next - now);
      } else {
        next = now;
      }
    }
  }

  /** Runs one cycle: read, decide, shield (which judges the inputs), write as allowed, audit. */
  public CycleOutcome runCycle() {
    long started = System.nanoTime();
    cycle++;
    Instant now = clock.instant();
    Map<String, TagValue> read;
    try {
      read = connection.read(readTags);
      if (read == null) {
        throw new IllegalStateException("the connection returned no values");
      }
    } catch (PlcException e) {
      return communicationFailure("read failed: " + e.getMessage(), now, started);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return communicationFailure("interrupted while reading", now, started);
    } catch (RuntimeException e) {
      return communicationFailure("read failed: " + e, now, started);
    }
    if (connectionLost) {
      connectionLost = false;
      event(EventKind.CONNECTION_RESTORED, "reads succeed again", Map.of());
    }

    // The readings as the shield will judge them, aged from when the read returned.
    InputReadings readings =
        InputReadings.of(observationTags, read, clock.instant(), plant.timeScale());
    double[] values = readings.values();
    Quality[] qualities = readings.qualities();
    Map<String, CycleRecord.Input> inputs = readings.inputs();
    double[] inForce = new double[actionNames.length];
    boolean localOverride = false;
    for (int i = 0; i < actionNames.length; i++) {
      inForce[i] = Double.NaN;
      if (setpointInForce[i] != null) {
        TagValue v = read.get(setpointInForce[i].name());
        if (v != null) {
          inForce[i] = v.quality() == Quality.BAD ? Double.NaN : v.value();
          localOverride |= v.isLocalOverride();
          inputs.put(
              actionNames[i] + ".in_force",
              new CycleRecord.Input(v.value(), v.quality(), v.sourceTime()));
        }
      }
    }
    TagValue modeValue = read.get(plant.operatorMode().name());
    boolean remote =
        modeValue != null
            && modeValue.quality() == Quality.GOOD
            && modeValue.value() == plant.remoteValue();
    if (modeValue != null) {
      localOverride |= modeValue.isLocalOverride();
      inputs.put(
          "operator_mode",
          new CycleRecord.Input(modeValue.value(), modeValue.quality(), modeValue.sourceTime()));
    }

    String anotherWriter = anotherWriter(read);

    // Decide: the policy proposes, the shield decides.
    Observation observation = new Observation(values, qualities);
    double[] previous = previousApplied(inForce);
    PlantSnapshot snapshot =
        shieldView.snapshot(values, qualities, readings.stamps(), readings.time());
    double[] proposed = null;
    String policyFailure = null;
    try {
      Observation seen =
          derived == null ? observation : derived.observe(observation, previous, null);
      // A policy that chooses inside the shield's box asks it with the inputs of this decision.
      proposed =
          policy instanceof AdmissibleActionPolicy inside
              ? inside.act(seen, snapshot, previous)
              : policy.act(seen);
    } catch (RuntimeException e) {
      policyFailure = "the policy threw " + e;
      LOG.warn("policy failed in cycle {}", cycle, e);
    }
    ShieldDecision decision = shield.decide(snapshot, proposed, previous);
    double[] applied = decision.appliedAction();
    lastApplied = applied;
    policy.applied(applied);
    boolean fallback = decision.verdict() == Verdict.FALLBACK;
    // The shield's verdicts on measurements are the bad inputs; its input-validity layer also
    // checks the proposal, and a bad proposal is a fallback, not a bad input.
    List<String> badInputs =
        decision.interventions().stream()
            .filter(Intervention::onMeasurement)
            .map(Intervention::detail)
            .toList();
    badStreak = badInputs.isEmpty() ? 0 : badStreak + 1;

    // Demotion checks come before any write.
    String demotion = null;
    if (mode == Mode.CLOSED_LOOP) {
      demotion =
          anotherWriter != null
              ? anotherWriter
              : demotionReason(
                  remote,
                  localOverride,
                  inForce,
                  badInputs,
                  policyFailure,
                  decision.degraded(),
                  now);
      if (demotion != null) {
        demote(demotion);
      }
    }

    // What the mode allows this cycle to write.
    List<TagWrite> batch = new ArrayList<>();
    if (writer != null) {
      heartbeat = (heartbeat + 1) % 65536;
      if (mode == Mode.CLOSED_LOOP) {
        for (int i = 0; i < actionTags.size(); i++) {
          batch.add(TagWrite.of(actionTags.get(i).tag(), applied[i]));
        }
      }
      for (int i = 0; i < actionNames.length; i++) {
        Tag t = plant.recommended(actionNames[i]);
        if (t != null) {
          batch.add(TagWrite.of(t, applied[i]));
        }
      }
      if (plant.reason() != null) {
        batch.add(
            plant.reason().dataType() == DataType.STRING
                ? TagWrite.text(plant.reason(), decision.reason())
                : TagWrite.of(plant.reason(), decision.verdict().ordinal()));
      }
      if (plant.timestamp() != null) {
        batch.add(TagWrite.of(plant.timestamp(), (double) now.getEpochSecond()));
      }
      if (plant.advisoryHeartbeat() != null) {
        batch.add(TagWrite.of(plant.advisoryHeartbeat(), heartbeat));
      }
      if (plant.heartbeat() != null) {
        batch.add(TagWrite.of(plant.heartbeat(), heartbeat));
      }
    }

    // Record the decision before anything is written: a decision that cannot be recorded must not
    // act on the plant.
    Map<String, Double> planned = new LinkedHashMap<>();
    Map<String, String> plannedText = new LinkedHashMap<>();
    for (TagWrite w : batch) {
      if (w.isText()) {
        plannedText.put(w.tag().name(), w.text());
      } else {
        planned.put(w.tag().name(), w.value());
      }
    }
    Map<String, Double> proposal = new LinkedHashMap<>();
    Map<String, Double> finalAction = new LinkedHashMap<>();
    for (int i = 0; i < actionNames.length; i++) {
      proposal.put(
          actionNames[i], proposed != null && i < proposed.length ? proposed[i] : Double.NaN);
      finalAction.put(actionNames[i], applied[i]);
    }
    List<String> layers = new ArrayList<>();
    for (Intervention i : decision.interventions()) {
      String layer = i.layer().name().toLowerCase(Locale.ROOT);
      if (!layers.contains(layer)) {
        layers.add(layer);
      }
    }
    String reason = decision.reason();
    if (policyFailure != null) {
      reason = (reason.isEmpty() ? "" : reason + "; ") + policyFailure;
    }
    Mode modeBeforeRecord = mode;
    boolean recorded =
        appendAudit(
            new CycleRecord(
                now,
                cycle,
                mode.label(),
                inputs,
                proposal,
                new CycleRecord.ShieldOutcome(
                    finalAction,
                    decision.verdict().name().toLowerCase(Locale.ROOT),
                    reason,
                    layers,
                    fallback),
                planned,
                (System.nanoTime() - started) / 1000,
                plannedText));
    if (!recorded && demotion == null && modeBeforeRecord != Mode.SHADOW) {
      demotion = "audit log not writable";
    }

    // Write what was recorded, if the mode (still) allows it.
    boolean wroteSetpoints = false;
    if (recorded && writer != null && !batch.isEmpty()) {
      PlantWriter.Failure failure = writer.write(batch);
      long latency = (System.nanoTime() - started) / 1000;
      appendAudit(
          new WriteRecord(
              clock.instant(),
              cycle,
              failure == null,
              failure == null ? null : failure.message(),
              failure != null && failure.refused(),
              latency));
      heartbeatWritten = failure == null && plant.heartbeat() != null ? heartbeat : Double.NaN;
      if (failure == null) {
        if (mode == Mode.CLOSED_LOOP) {
          lastWritten = applied;
          wroteSetpoints = true;
        }
      } else if (failure.refused()) {
        event(EventKind.WRITE_REFUSED, "the PLC refused the write: " + failure.message(), Map.of());
        if (mode == Mode.CLOSED_LOOP) {
          demotion = "write refused: " + failure.message();
          demote(demotion);
        }
      } else {
        connectionLostEvent("write failed: " + failure.message());
        if (mode == Mode.CLOSED_LOOP) {
          demotion = "communication: write failed: " + failure.message();
          demote(demotion);
        }
      }
    }
    long latency = (System.nanoTime() - started) / 1000;
    return new CycleOutcome(cycle, mode, decision, wroteSetpoints, demotion, latency);
  }

  /**
   * Returns why another program seems to write to this plant, or null: the heartbeat tag no longer
   * reads what this bridge last wrote to it (two bridges on one plant, say). Flagged in the audit
   * log once per episode.
   */
  private String anotherWriter(Map<String, TagValue> read) {
    if (plant.heartbeat() == null || Double.isNaN(heartbeatWritten)) {
      return null;
    }
    TagValue value = read.get(plant.heartbeat().name());
    if (value == null
        || value.quality() != Quality.GOOD
        || Math.abs(value.value() - heartbeatWritten) <= 0.5) {
      anotherWriterFlagged = false;
      return null;
    }
    String why =
        String.format(
            Locale.ROOT,
            "another writer on the plant: the heartbeat tag %s reads %.0f, but this bridge last"
                + " wrote %.0f (a second bridge or program writes to this PLC)",
            plant.heartbeat().name(),
            value.value(),
            heartbeatWritten);
    if (!anotherWriterFlagged) {
      anotherWriterFlagged = true;
      event(EventKind.ANOTHER_WRITER, why, Map.of("instance", audit.instance()));
    }
    return why;
  }

  private String demotionReason(
      boolean remote,
      boolean localOverride,
      double[] inForce,
      List<String> badInputs,
      String policyFailure,
      boolean shieldDegraded,
      Instant now) {
    if (!remote) {
      return "operator override: the mode tag says local/manual";
    }
    if (localOverride) {
      return "operator override: the PLC reports Good_LocalOverride";
    }
    if (lastWritten != null) {
      for (int i = 0; i < inForce.length; i++) {
        if (setpointInForce[i] != null
            && !sameSetpoint(actionTags.get(i).tag(), inForce[i], lastWritten[i])) {
          return String.format(
              Locale.ROOT,
              "operator override: %s setpoint is %s but we last wrote %s",
              actionNames[i],
              inForce[i],
              lastWritten[i]);
        }
      }
    }
    if (badStreak >= plant.demotion().badInputCycles()) {
      return "bad inputs for " + badStreak + " cycles (the shield's input check): " + badInputs;
    }
    if (shieldDegraded) {
      // The shield alone keeps the fallback window (its file's degraded_when).
      return "shield degraded: it fell back more often than its degraded_when allows over its"
          + " window of recent decisions";
    }
    if (authority != null && !now.isBefore(authority.validUntil())) {
      return "approval expired at " + authority.validUntil();
    }
    if (policyFailure != null) {
      return policyFailure;
    }
    return null;
  }

  /**
   * Two setpoints are the same when they differ by less than what the tag can carry: half a raw
   * count for integer tags, a float's precision for floating ones.
   */
  private static boolean sameSetpoint(Tag tag, double inForce, double written) {
    if (Double.isNaN(inForce)) {
      return true; // unreadable this cycle: the input checks handle it
    }
    double resolution =
        switch (tag.dataType()) {
          case FLOAT32 -> 1e-6 * Math.max(1.0, Math.abs(written));
          case FLOAT64 -> 1e-12 * Math.max(1.0, Math.abs(written));
          default -> 0.5 * Math.abs(tag.scaling().scale());
        };
    return Math.abs(inForce - written) <= resolution + 1e-12;
  }

  private double[] previousApplied(double[] inForce) {
    double[] previous = new double[inForce.length];
    for (int i = 0; i < inForce.length; i++) {
      if (Double.isFinite(inForce[i])) {
        previous[i] = inForce[i];
      } else if (lastApplied != null) {
        previous[i] = lastApplied[i];
      } else {
        previous[i] = 0.5 * (actionMin[i] + actionMax[i]);
      }
    }
    return previous;
  }

  private CycleOutcome communicationFailure(String why, Instant now, long started) {
    connectionLostEvent(why);
    // The PLC may restart while unreachable, with its registers reset: nothing is in force.
    heartbeatWritten = Double.NaN;
    String demotion = null;
    if (mode == Mode.CLOSED_LOOP) {
      demotion = "communication: " + why;
      demote(demotion);
    }
    badStreak++;
    long latency = (System.nanoTime() - started) / 1000;
    appendAudit(
        new CycleRecord(
            now,
            cycle,
            mode.label(),
            Map.of(),
            Map.of(),
            new CycleRecord.ShieldOutcome(Map.of(), "none", "no inputs: " + why, List.of(), false),
            Map.of(),
            latency));
    return new CycleOutcome(cycle, mode, null, false, demotion, latency);
  }

  private void connectionLostEvent(String why) {
    if (!connectionLost) {
      connectionLost = true;
      event(EventKind.CONNECTION_LOST, why, Map.of());
    }
  }

  private void demote(String why) {
    Mode target = plant.demotion().toShadow() ? Mode.SHADOW : Mode.ADVISORY;
    if (why.startsWith("operator override")) {
      event(EventKind.OPERATOR_OVERRIDE, why, Map.of());
    }
    lastWritten = null;
    changeMode(target, EventKind.DEMOTION, why);
  }

  private void changeMode(Mode target, EventKind kind, String why) {
    Mode from = mode;
    mode = target;
    if (target == Mode.SHADOW) {
      heartbeatWritten = Double.NaN;
    }
    writer = target == Mode.SHADOW ? null : new PlantWriter(connection, allowedTags(target));
    event(kind, why, Map.of("from", from.label(), "to", target.label()));
    LOG.info("{}: {} -> {} ({})", kind, from.label(), target.label(), why);
  }

  private Set<Tag> allowedTags(Mode target) {
    Set<Tag> allowed = new HashSet<>();
    for (String a : actionNames) {
      if (plant.recommended(a) != null) {
        allowed.add(plant.recommended(a));
      }
    }
    for (Tag t :
        new Tag[] {
          plant.reason(), plant.timestamp(), plant.advisoryHeartbeat(), plant.heartbeat()
        }) {
      if (t != null) {
        allowed.add(t);
      }
    }
    if (target == Mode.CLOSED_LOOP) {
      for (PlantFile.SignalTag t : actionTags) {
        allowed.add(t.tag());
      }
    }
    return allowed;
  }

  private void event(EventKind kind, String reason, Map<String, String> details) {
    appendAudit(new EventRecord(clock.instant(), kind, reason, details));
  }

  /**
   * Appends a record; when the log cannot take it, steps back to shadow at once (no writer), so
   * that nothing acts on the plant unrecorded. The log holds the record and writes it, and the
   * demotion event, once it takes writes again.
   *
   * @return true when the record is in the log
   */
  private boolean appendAudit(AuditRecord record) {
    try {
      audit.append(record);
      return true;
    } catch (RuntimeException e) {
      if (mode != Mode.SHADOW) {
        LOG.error("cannot write the audit log; stepping back to shadow: {}", e.getMessage());
        Mode from = mode;
        mode = Mode.SHADOW;
        writer = null;
        lastWritten = null;
        heartbeatWritten = Double.NaN;
        // Held by the log with the record, and written after it once the log recovers.
        appendAudit(
            new EventRecord(
                clock.instant(),
                EventKind.AUDIT_FAILED,
                "audit log not writable (" + e.getMessage() + "): stepped back to shadow",
                Map.of("from", from.label(), "to", Mode.SHADOW.label())));
      } else {
        LOG.error("cannot write the audit log: {}", e.getMessage());
      }
      return false;
    }
  }

  /** Records that the runtime stopped. Does not close the connection or the audit log. */
  @Override
  public void close() {
    event(EventKind.STOPPED, "stopped after " + cycle + " cycles in " + mode.label(), Map.of());
  }
}
