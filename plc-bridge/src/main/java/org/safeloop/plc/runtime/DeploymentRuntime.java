package org.safeloop.plc.runtime;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.safeloop.env.Observation;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.control.Policy;
import org.safeloop.env.estimation.ModelStateObserver;
import org.safeloop.env.observation.ObservationBuilder;
import org.safeloop.env.observation.ObservationDesign;
import org.safeloop.env.scenario.Scenario;
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
import org.safeloop.plc.audit.TapQueue;
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
 * <p>This class runs the cycle and keeps the mode; {@link InputReadings} and {@link
 * OperatorReadings} read the plant, {@link Demotions} says when closed loop steps back, {@link
 * CycleWrites} what each mode writes through its {@link PlantWriter}, {@link Heartbeat} counts the
 * heartbeat and notices another writer, {@link CycleRecords} assembles a cycle's audit record, and
 * {@link DeploymentStart} checks and records the start.
 *
 * <p>An operator may ask from any thread to step back from closed loop to advisory ({@link
 * #requestStepBack}, the web view's one write): the request is queued and carried out by the
 * cycle's thread at the start of its next cycle, as a demotion that names who asked and why.
 * Nothing outside the cycle's thread changes the mode, and no request raises it.
 *
 * <p>Not thread-safe: one thread runs the cycles ({@link #run} or {@link #runCycle}); {@link
 * #requestStop()} and {@link #requestStepBack} may be called from any thread.
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

  /** Step-back requests waiting for the next cycle; a few at most (more are refused). */
  private final TapQueue<StepBack> stepBacks = new TapQueue<>(16);

  private final List<PlantFile.SignalTag> observationTags;
  private final List<PlantFile.SignalTag> actionTags;
  private final Tag[] setpointInForce;
  private final ObservationMapping shieldView;
  private final List<Tag> readTags = new ArrayList<>();
  private final String[] actionNames;
  private final double[] actionMin;
  private final double[] actionMax;
  private final Demotions demotions;
  private final CycleWrites writes;
  private final Heartbeat heartbeat;
  // Computes a bundle's derived observations from the plant's signals, as in training; or null.
  private final ObservationBuilder derived;

  // Written by the cycle's thread only; read by the web view's.
  private volatile Mode mode;
  private PlantWriter writer;
  private volatile long cycle;
  private boolean connectionLost;
  private double[] lastApplied;
  private volatile boolean stopRequested;

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
    this(
        plant,
        connection,
        policy,
        observations,
        actions,
        shield,
        startMode,
        authority,
        audit,
        clock,
        null);
  }

  /**
   * Creates a runtime as above, with the plant's model for a bundle that observes model-based
   * estimates ({@code observation.estimate}): the runtime runs the model's state observer on the
   * plant's tags each cycle, as training ran it in simulation.
   *
   * @param model the scenario of the plant's model (the shield's), or null when the policy needs
   *     none
   * @throws IllegalArgumentException when the bundle observes estimates and no model is given, or
   *     the model's estimates are not the ones the bundle was trained with
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
      Clock clock,
      Scenario model) {
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
    if (design != null && design.options().estimate() && model == null) {
      throw new IllegalArgumentException(
          "the policy bundle observes model-based estimates (observation.estimate), which need"
              + " the plant's model: deploy it with its shield's scenario");
    }
    this.derived =
        design == null
            ? null
            : design.options().estimate()
                ? design.newBuilder(new ModelStateObserver(model))
                : design.newBuilder();
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
    this.demotions = new Demotions(plant, actionTags, actionNames, setpointInForce, authority);
    this.writes = new CycleWrites(plant, actionTags, actionNames);
    this.heartbeat =
        new Heartbeat(
            plant.heartbeat(),
            why -> event(EventKind.ANOTHER_WRITER, why, Map.of("instance", audit.instance())));
    DeploymentStart.requireJudged(observations, shield);
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
    DeploymentStart.recordStart(audit, plant, startMode, clock);
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
    DeploymentStart.requireMeasuredObservations(bundle, policyName);
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
    return DeploymentStart.refuseStart(audit, plant, requested, refusal, clock);
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

  /** An operator's request to step back to advisory, and its answer. */
  private record StepBack(String who, String why, CompletableFuture<String> answer) {}

  /**
   * Asks the cycle's thread to step back from closed loop to advisory at the start of its next
   * cycle (any thread; never waits for the cycle). The demotion event names who asked and why;
   * outside closed loop nothing changes (stepping "back" from shadow to advisory would be a
   * promotion).
   *
   * @param who who asks, e.g. {@code "J. Meyer (shift lead)"}; not blank
   * @param why why, for the audit log; not blank
   * @return completes with null once stepped back, or with why not (not in closed loop, stopped,
   *     too many requests waiting)
   * @throws IllegalArgumentException when who or why is blank
   */
  public CompletableFuture<String> requestStepBack(String who, String why) {
    if (who == null || who.isBlank() || why == null || why.isBlank()) {
      throw new IllegalArgumentException("a step back needs who asks and why");
    }
    CompletableFuture<String> answer = new CompletableFuture<>();
    if (stopRequested) {
      answer.complete("the deployment is stopping");
    } else if (!stepBacks.offer(new StepBack(who.strip(), why.strip(), answer))) {
      answer.complete("too many step-back requests wait for the next cycle");
    }
    return answer;
  }

  /** Carries out the step-back requests that arrived since the last cycle (cycle thread). */
  private void stepBackOnRequest() {
    StepBack request;
    while ((request = stepBacks.poll()) != null) {
      if (mode != Mode.CLOSED_LOOP) {
        request.answer().complete("not in closed loop (in " + mode.label() + "): nothing to do");
        continue;
      }
      String why =
          "operator request: step back to advisory, asked by "
              + request.who()
              + ": "
              + request.why();
      demotions.forgetWritten();
      Map<String, String> details = new java.util.LinkedHashMap<>();
      details.put("who", request.who());
      details.put("why", request.why());
      changeMode(Mode.ADVISORY, EventKind.DEMOTION, why, details);
      request.answer().complete(null);
    }
  }

  /** Runs one cycle: read, decide, shield (which judges the inputs), write as allowed, audit. */
  public CycleOutcome runCycle() {
    long started = System.nanoTime();
    stepBackOnRequest();
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
    Map<String, CycleRecord.Input> inputs = readings.inputs();
    OperatorReadings operator =
        OperatorReadings.of(read, plant, setpointInForce, actionNames, inputs);
    String anotherWriter = heartbeat.anotherWriter(read);

    // Decide: the policy proposes, the shield decides.
    Observation observation = new Observation(readings.values(), readings.qualities());
    double[] previous = previousApplied(operator.inForce());
    PlantSnapshot snapshot =
        shieldView.snapshot(
            readings.values(), readings.qualities(), readings.stamps(), readings.time());
    double[] proposed = null;
    String policyFailure = null;
    try {
      proposed = propose(observation, snapshot, previous);
    } catch (RuntimeException e) {
      policyFailure = "the policy threw " + e;
      LOG.warn("policy failed in cycle {}", cycle, e);
    }
    ShieldDecision decision = shield.decide(snapshot, proposed, previous);
    double[] applied = decision.appliedAction();
    lastApplied = applied;
    policy.applied(applied);
    // The shield's verdicts on measurements are the bad inputs; its input-validity layer also
    // checks the proposal, and a bad proposal is a fallback, not a bad input.
    List<String> badInputs =
        decision.interventions().stream()
            .filter(Intervention::onMeasurement)
            .map(Intervention::detail)
            .toList();
    demotions.judged(badInputs);

    // Demotion checks come before any write.
    String demotion = null;
    if (mode == Mode.CLOSED_LOOP) {
      demotion =
          anotherWriter != null
              ? anotherWriter
              : demotions.reason(operator, badInputs, policyFailure, decision.degraded(), now);
      if (demotion != null) {
        demote(demotion);
      }
    }

    // What the mode allows this cycle to write.
    List<TagWrite> batch =
        writer == null ? List.of() : writes.batch(mode, applied, decision, now, heartbeat.next());

    // Record the decision before anything is written: a decision that cannot be recorded must not
    // act on the plant.
    Mode modeBeforeRecord = mode;
    boolean recorded =
        appendAudit(
            CycleRecords.decided(
                now,
                cycle,
                mode,
                inputs,
                actionNames,
                proposed,
                decision,
                policyFailure,
                batch,
                (System.nanoTime() - started) / 1000));
    if (!recorded && demotion == null && modeBeforeRecord != Mode.SHADOW) {
      demotion = "audit log not writable";
    }

    // Write what was recorded, if the mode (still) allows it.
    boolean wroteSetpoints = false;
    if (recorded && writer != null && !batch.isEmpty()) {
      String writeDemotion = write(batch, applied, started);
      // A write that failed in closed loop demoted: still in closed loop means it succeeded.
      wroteSetpoints = writeDemotion == null && mode == Mode.CLOSED_LOOP;
      demotion = writeDemotion == null ? demotion : writeDemotion;
    }
    long latency = (System.nanoTime() - started) / 1000;
    return new CycleOutcome(cycle, mode, decision, wroteSetpoints, demotion, latency);
  }

  /**
   * Asks the policy, with the derived observations computed as in training; a policy that chooses
   * inside the shield's box asks it with the inputs of this decision.
   */
  private double[] propose(Observation observation, PlantSnapshot snapshot, double[] previous) {
    Observation seen = derived == null ? observation : derived.observe(observation, previous, null);
    return policy instanceof AdmissibleActionPolicy inside
        ? inside.act(seen, snapshot, previous)
        : policy.act(seen);
  }

  /**
   * Writes the cycle's batch and records how it went; a refusal or a failure in closed loop
   * demotes.
   *
   * @return why closed loop stepped back, or null
   */
  private String write(List<TagWrite> batch, double[] applied, long started) {
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
    heartbeat.writeEnded(failure == null);
    String demotion = null;
    if (failure == null) {
      if (mode == Mode.CLOSED_LOOP) {
        demotions.written(applied);
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
    return demotion;
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
    heartbeat.forget();
    String demotion = null;
    if (mode == Mode.CLOSED_LOOP) {
      demotion = "communication: " + why;
      demote(demotion);
    }
    demotions.unread();
    unreadStep();
    long latency = (System.nanoTime() - started) / 1000;
    appendAudit(CycleRecords.unread(now, cycle, mode, why, latency));
    return new CycleOutcome(cycle, mode, null, false, demotion, latency);
  }

  /**
   * Keeps the derived observations on the plant's time through a cycle without a reading: it is a
   * step whose readings are all missing, so the estimator predicts over it (its uncertainty grows)
   * and the error integrals and filters hold, as in training when every sensor drops out.
   */
  private void unreadStep() {
    if (derived == null) {
      return;
    }
    int n = observationTags.size();
    double[] values = new double[n];
    Quality[] qualities = new Quality[n];
    java.util.Arrays.fill(values, Double.NaN);
    java.util.Arrays.fill(qualities, Quality.BAD);
    double[] unknown = new double[actionNames.length];
    java.util.Arrays.fill(unknown, Double.NaN);
    try {
      derived.observe(new Observation(values, qualities), previousApplied(unknown), null);
    } catch (RuntimeException e) {
      // Never out of the control loop: the next reading's step carries the filter on.
      LOG.warn("derived observations of an unread cycle: {}", e.toString());
    }
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
    demotions.forgetWritten();
    changeMode(target, EventKind.DEMOTION, why, Map.of());
  }

  private void changeMode(Mode target, EventKind kind, String why) {
    changeMode(target, kind, why, Map.of());
  }

  /**
   * Changes the mode and records it; a demotion's details also say its cause ({@link
   * Demotions#cause}).
   */
  private void changeMode(Mode target, EventKind kind, String why, Map<String, String> extra) {
    Mode from = mode;
    mode = target;
    if (target == Mode.SHADOW) {
      heartbeat.forget();
    }
    writer = target == Mode.SHADOW ? null : new PlantWriter(connection, writes.allowedIn(target));
    Map<String, String> details = new java.util.LinkedHashMap<>();
    details.put("from", from.label());
    details.put("to", target.label());
    if (kind == EventKind.DEMOTION) {
      details.put("cause", Demotions.cause(why));
    }
    details.putAll(extra);
    event(kind, why, details);
    LOG.info("{}: {} -> {} ({})", kind, from.label(), target.label(), why);
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
        demotions.forgetWritten();
        heartbeat.forget();
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
    stopRequested = true;
    StepBack request;
    while ((request = stepBacks.poll()) != null) {
      request.answer().complete("the deployment stopped");
    }
    event(EventKind.STOPPED, "stopped after " + cycle + " cycles in " + mode.label(), Map.of());
  }
}
