package org.safeloop.plc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.Observation;
import org.safeloop.env.Quality;
import org.safeloop.env.config.ConfigException;
import org.safeloop.env.control.Policy;
import org.safeloop.env.observation.ObservationBuilder;
import org.safeloop.env.observation.ObservationDesign;
import org.safeloop.env.observation.ObservationOptions;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.DataType;
import org.safeloop.plc.MutableClock;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnections;
import org.safeloop.plc.approval.ApprovalKeys;
import org.safeloop.plc.approval.Approvals;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.audit.AuditLogReader;
import org.safeloop.plc.audit.AuditRecord;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;
import org.safeloop.plc.audit.WriteRecord;
import org.safeloop.plc.modbus.ModbusAddress;
import org.safeloop.plc.modbus.ModbusTable;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.plc.virtualplant.modbus.PlantModbusSlave;
import org.safeloop.policy.MlpPolicy;
import org.safeloop.policy.MlpWeights;
import org.safeloop.policy.Normalisation;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.policy.PolicyBundles;
import org.safeloop.shield.AdmissibleActionPolicy;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.Shields;
import org.safeloop.shield.Verdict;

/**
 * The deployment runtime against a real Modbus slave on loopback, with the test playing the PLC
 * (copying the remote setpoint into the setpoint in force while in remote mode, moving the
 * measurements a little each cycle as a live process does).
 */
class DeploymentRuntimeTest {
  static final String PLANT =
      """
      name: test-cstr
      connection: {protocol: modbus, host: 127.0.0.1, port: %d, request_timeout_ms: 300}
      cycle_period_ms: 10
      time_scale: 2600  # the CSTR's 26 s control interval in 10 ms cycles
      observations:
        Ca: {address: "input:0", type: float32, unit: mol/m3, range: [0.0, 2.0]}
        T: {address: "input:2", type: float32, unit: K}
        Ca_setpoint: {address: "input:4", type: float32, unit: mol/m3}
      actions:
        Tc: {address: "holding:0", type: float32, unit: K}
      current_setpoints:
        Tc: {address: "input:6", type: float32, unit: K}
      operator_mode: {address: "holding:10", type: uint16, remote_value: 1}
      advisory:
        recommended: {Tc: {address: "holding:12", type: float32, unit: K}}
        reason: {address: "holding:14", type: uint16}
        timestamp: {address: "holding:16", type: uint32}
        heartbeat: {address: "holding:18", type: uint16}
      heartbeat: {address: "holding:20", type: uint16}
      demotion: {to: advisory, bad_input_cycles: 3}
      """;

  static final ModbusAddress CA = ModbusAddress.input(0);
  static final ModbusAddress T = ModbusAddress.input(2);
  static final ModbusAddress CA_SP = ModbusAddress.input(4);
  static final ModbusAddress TC_REMOTE = ModbusAddress.holding(0);
  static final ModbusAddress TC_IN_FORCE = ModbusAddress.input(6);
  static final ModbusAddress MODE = ModbusAddress.holding(10);
  static final ModbusAddress HEARTBEAT = ModbusAddress.holding(20);

  @TempDir Path dir;
  PlantModbusSlave slave;
  PlcConnection connection;
  PlantFile plant;
  Path plantFile;
  Scenario scenario = Scenarios.load("cstr-constrained");
  SafetyShield shield = Shields.load("cstr-constrained");
  AuditLog audit;
  Path auditFile;
  int tick;

  @BeforeEach
  void startPlant() throws Exception {
    slave = slaveWithThePlantsValues(0);
    plantFile = dir.resolve("plant.yaml");
    Files.writeString(plantFile, PLANT.formatted(slave.port()));
    plant = PlantFile.load(plantFile);
    plant.requireCompatible(
        scenario.observationSpace(), scenario.actionSpace(), shield, "the scenario's PID");
    connection = PlcConnections.open(plant.connection());
    auditFile = dir.resolve("audit.jsonl");
    audit = AuditLog.open(auditFile);
  }

  @AfterEach
  void stopPlant() {
    audit.close();
    connection.close();
    slave.close();
  }

  /** One PLC scan: the measurements move a little; remote mode takes the remote setpoint. */
  void plcScan() {
    tick++;
    slave.setValue(CA, DataType.FLOAT32, 0.87 + 0.001 * Math.sin(tick));
    slave.setValue(T, DataType.FLOAT32, 324.0 + 0.05 * Math.cos(tick));
    if (slave.value(MODE, DataType.UINT16) == 1) {
      slave.setValue(TC_IN_FORCE, DataType.FLOAT32, slave.value(TC_REMOTE, DataType.FLOAT32));
    }
  }

  @Test
  void aBundleThatReadsDerivedObservationsWithoutTheirRecordIsRefusedNamingThem() {
    List<org.safeloop.env.SignalSpec> observations =
        new ArrayList<>(scenario.observationSpace().signals());
    observations.add(new org.safeloop.env.SignalSpec("Ca_error", "mol/m3", -0.3, 0.3));
    observations.add(new org.safeloop.env.SignalSpec("Tc_previous", "K", 290.0, 310.0));
    int n = observations.size();
    PolicyBundle bundle =
        new PolicyBundle(
            "test",
            java.util.Map.of(PolicyBundle.DERIVED_OBSERVATIONS, List.of("Ca_error", "Tc_previous")),
            observations,
            scenario.actionSpace().signals(),
            Normalisation.identity(n, 5.0),
            new MlpWeights(
                "tanh", List.<float[][]>of(new float[1][n]), List.<float[]>of(new float[] {0f})),
            PolicyBundle.SQUASH_TANH,
            "",
            "",
            0,
            java.util.Map.of());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> runtime(Mode.SHADOW, null, Clock.systemUTC(), new MlpPolicy(bundle)));
    assertTrue(e.getMessage().contains("[Ca_error, Tc_previous]"), e.getMessage());
    assertTrue(e.getMessage().contains("does not record how they are computed"), e.getMessage());

    // The same network as the correction of a residual policy is refused alike.
    org.safeloop.env.control.ResidualPolicy residual =
        new org.safeloop.env.control.ResidualPolicy(
            scenario.baselineController(),
            new MlpPolicy(bundle),
            scenario.actionSpace(),
            new double[] {2.0});
    IllegalArgumentException r =
        assertThrows(
            IllegalArgumentException.class,
            () -> runtime(Mode.SHADOW, null, Clock.systemUTC(), residual));
    assertTrue(r.getMessage().contains("[Ca_error, Tc_previous]"), r.getMessage());
  }

  /**
   * A bundle reading the plant's signals and its error integral; its output follows the integral.
   */
  PolicyBundle integralBundle(ObservationOptions options) {
    ObservationDesign design =
        new ObservationDesign(
            options,
            scenario.plantObservationSpace(),
            2,
            List.of("Ca"),
            scenario.actionSpace(),
            scenario.controlInterval(),
            "min");
    return bundleReading(design, "Ca_error_integral", -10f);
  }

  /**
   * A slave on {@code port} (0: a free one; the same again: the PLC back after a loss) with the
   * plant's starting values, in remote mode.
   */
  static PlantModbusSlave slaveWithThePlantsValues(int port) throws IOException {
    PlantModbusSlave s = PlantModbusSlave.start(port);
    s.setValue(CA, DataType.FLOAT32, 0.87);
    s.setValue(T, DataType.FLOAT32, 324.0);
    s.setValue(CA_SP, DataType.FLOAT32, 0.88);
    s.setValue(TC_IN_FORCE, DataType.FLOAT32, 300.0);
    s.setValue(TC_REMOTE, DataType.FLOAT32, 300.0);
    s.setValue(MODE, DataType.UINT16, 1);
    return s;
  }

  /** A shadow runtime of a policy reading the plant's signals, with the plant's model or none. */
  DeploymentRuntime shadowRuntime(org.safeloop.env.control.Policy policy, Scenario model) {
    return new DeploymentRuntime(
        plant,
        connection,
        policy,
        scenario.plantObservationSpace(),
        scenario.actionSpace(),
        shield,
        Mode.SHADOW,
        null,
        audit,
        Clock.systemUTC(),
        model);
  }

  /** A bundle of {@code design} whose one weight, {@code weight}, is on {@code signal}. */
  PolicyBundle bundleReading(ObservationDesign design, String signal, float weight) {
    int n = design.space().size();
    float[][] w = new float[1][n];
    int input = design.space().indexOf(signal);
    if (input >= 0) {
      w[0][input] = weight;
    }
    PolicyBundle bundle =
        new PolicyBundle(
            "test",
            java.util.Map.of(
                PolicyBundle.DERIVED_OBSERVATIONS,
                design.derivedSignals(),
                PolicyBundle.OBSERVATION_DESIGN,
                design.toRecord()),
            design.space().signals(),
            scenario.actionSpace().signals(),
            Normalisation.identity(n, 5.0),
            new MlpWeights("tanh", List.<float[][]>of(w), List.<float[]>of(new float[] {0f})),
            PolicyBundle.SQUASH_TANH,
            "",
            "",
            0,
            java.util.Map.of());
    // Through the file format, as the bridge gets it.
    Path file = dir.resolve("integral-" + System.nanoTime() + ".bundle");
    PolicyBundles.save(bundle, file);
    return PolicyBundles.load(file);
  }

  @Test
  void theRuntimeComputesABundlesErrorIntegralFromThePlantsSignalsAsInTraining() {
    PolicyBundle bundle =
        integralBundle(
            new ObservationOptions(
                null, new ObservationOptions.ErrorIntegral(null), null, null, null));
    double[] proposed = new double[6];
    try (DeploymentRuntime r = shadowRuntime(new MlpPolicy(bundle), null)) {
      for (int i = 0; i < proposed.length; i++) {
        plcScan();
        proposed[i] = r.runCycle().decision().proposedAction()[0];
      }
    }
    // Ca about 0.87 against 0.88: the integral falls by about 0.01 x 0.433 min each cycle, and
    // the network's jacket rises with it; the first is 300 + 10 tanh(10 x 0.0043 / 0.13) K.
    assertEquals(
        300.0 + 10.0 * Math.tanh(10.0 * 0.01 * scenario.controlInterval() / 0.13),
        proposed[0],
        0.5);
    for (int i = 1; i < proposed.length; i++) {
      assertTrue(proposed[i] > proposed[i - 1] + 0.1, java.util.Arrays.toString(proposed));
    }
  }

  @Test
  void theRuntimeComputesABundlesModelEstimatesAsTrainingDoesWithThePlantsModel()
      throws IOException, InterruptedException {
    // cstr-constrained with observation.estimate, as a training run would load it.
    String yaml;
    try (var in = Scenarios.class.getResourceAsStream("/scenarios/cstr-constrained.yaml")) {
      yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    Path file = dir.resolve("cstr-constrained-estimate.yaml");
    Files.writeString(
        file,
        yaml.replace("name: cstr-constrained", "name: cstr-constrained-estimate")
            + "\nobservation:\n  estimate: true\n");
    Scenario trained = Scenarios.load(file);
    // The network reads the Ca estimate alone (inside the normalisation's clip of 5).
    PolicyBundle bundle = bundleReading(trained.observationDesign(), "Ca_estimate", 1f);
    // Without the plant's model the runtime cannot compute what the bundle reads.
    IllegalArgumentException refused =
        assertThrows(
            IllegalArgumentException.class,
            () -> runtime(Mode.SHADOW, null, Clock.systemUTC(), new MlpPolicy(bundle)));
    assertTrue(refused.getMessage().contains("observation.estimate"), refused.getMessage());

    try (DeploymentRuntime r = shadowRuntime(new MlpPolicy(bundle), scenario)) {
      for (int i = 0; i < 8; i++) {
        plcScan();
        r.runCycle();
      }
      // Two cycles without communication, then the PLC is back on the same port: the estimator
      // predicts over the unread cycles as over steps whose readings are all missing.
      int port = slave.port();
      slave.close();
      r.runCycle();
      r.runCycle();
      slave = slaveWithThePlantsValues(port);
      // The bridge reconnects after its back-off; cycles until then are unread too.
      int read = 0;
      for (int i = 0; i < 100 && read < 4; i++) {
        plcScan();
        if (r.runCycle().decision() != null) {
          read++;
        } else {
          Thread.sleep(50);
        }
      }
    }
    // Replayed off the bridge from what the audit log says each cycle read: the same proposals,
    // so the bridge's estimates are the ones training computes from the same signals.
    ObservationBuilder replay = trained.newObservationBuilder();
    MlpPolicy network = new MlpPolicy(bundle);
    int cycles = 0;
    int unread = 0;
    double fromRawCa = 0;
    double[] lastApplied = null;
    for (var record : AuditLogReader.readAll(auditFile)) {
      if (!(record instanceof org.safeloop.plc.audit.CycleRecord c)) {
        continue;
      }
      List<String> names = scenario.plantObservationSpace().names();
      if (c.inputs().isEmpty()) {
        // An unread cycle: every reading missing, the last applied action acting.
        double[] nothing = new double[names.size()];
        org.safeloop.env.Quality[] bad = new org.safeloop.env.Quality[names.size()];
        java.util.Arrays.fill(nothing, Double.NaN);
        java.util.Arrays.fill(bad, org.safeloop.env.Quality.BAD);
        replay.observe(new org.safeloop.env.Observation(nothing, bad), lastApplied, null);
        unread++;
        continue;
      }
      double[] values = new double[names.size()];
      org.safeloop.env.Quality[] qualities = new org.safeloop.env.Quality[names.size()];
      for (int i = 0; i < names.size(); i++) {
        values[i] = c.inputs().get(names.get(i)).value();
        qualities[i] = c.inputs().get(names.get(i)).quality();
      }
      double[] previous = {c.inputs().get("Tc.in_force").value()};
      org.safeloop.env.Observation seen =
          replay.observe(new org.safeloop.env.Observation(values, qualities), previous, null);
      double[] expected = network.act(seen);
      assertEquals(expected[0], c.proposedAction().get("Tc"), 1e-9, "cycle " + c.cycle());
      // What the network would propose on the raw reading instead of the estimate.
      double[] raw = seen.values();
      raw[trained.observationSpace().indexOf("Ca_estimate")] = values[0];
      double[] onRaw = network.act(new org.safeloop.env.Observation(raw, seen.qualities()));
      fromRawCa = Math.max(fromRawCa, Math.abs(onRaw[0] - expected[0]));
      lastApplied = new double[] {c.shield().finalAction().get("Tc")};
      cycles++;
    }
    assertEquals(12, cycles);
    assertTrue(unread >= 2, unread + " unread cycles");
    assertTrue(fromRawCa > 1e-4, "the estimate is not the raw reading: " + fromRawCa);
  }

  @Test
  void aBundleReadingASetpointPreviewIsRefusedAtTheBridge() {
    PolicyBundle bundle =
        integralBundle(
            new ObservationOptions(null, null, null, null, new ObservationOptions.Preview(3)));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> runtime(Mode.SHADOW, null, Clock.systemUTC(), new MlpPolicy(bundle)));
    assertTrue(e.getMessage().contains("set-point preview (3 steps)"), e.getMessage());
  }

  @Test
  void aPolicyObservationTheShieldDoesNotReadIsRefusedBeforeAnythingRuns() throws IOException {
    // The plant maps a pressure the policy reads but the CSTR's shield does not: nobody would
    // judge it, so the policy could act on a bad reading of it.
    Path file = dir.resolve("plant-with-pressure.yaml");
    Files.writeString(
        file,
        PLANT
            .formatted(slave.port())
            .replace(
                "  Ca_setpoint: {",
                "  P: {address: \"input:8\", type: float32, unit: bar}\n  Ca_setpoint: {"));
    PlantFile withPressure = PlantFile.load(file);
    List<org.safeloop.env.SignalSpec> signals =
        new ArrayList<>(scenario.observationSpace().signals());
    signals.add(new org.safeloop.env.SignalSpec("P", "bar", 0.0, 10.0));
    org.safeloop.env.SignalSpace observations = new org.safeloop.env.SignalSpace(signals);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new DeploymentRuntime(
                    withPressure,
                    connection,
                    observation -> new double[] {300.0},
                    observations,
                    scenario.actionSpace(),
                    shield,
                    Mode.SHADOW,
                    null,
                    audit,
                    Clock.systemUTC()));
    assertTrue(e.getMessage().contains("reads [P]"), e.getMessage());
    assertTrue(e.getMessage().contains("shield alone judges"), e.getMessage());
    assertTrue(AuditLogReader.readAll(auditFile).isEmpty(), "nothing ran");
  }

  @Test
  void aRuntimeRefusesACycleThatIsNotTheShieldsControlIntervalBeforeItReadsOrWrites()
      throws IOException {
    // 10 ms at real time is 1/2600 of the CSTR's step: the shield's per-step rate limit would let
    // the jacket move 2600 times faster than its constraint file allows.
    Files.writeString(
        plantFile, PLANT.formatted(slave.port()).replace("time_scale: 2600", "time_scale: 1"));
    plant = PlantFile.load(plantFile);

    ConfigException e =
        assertThrows(
            ConfigException.class, () -> runtime(Mode.CLOSED_LOOP, null, Clock.systemUTC()));

    assertEquals("cycle_period_ms", e.field(), e.getMessage());
    assertTrue(e.getMessage().contains("control interval of 26 s"), e.getMessage());
    assertEquals(300.0, slave.value(TC_REMOTE, DataType.FLOAT32), "nothing was written");
    assertTrue(AuditLogReader.readAll(auditFile).isEmpty(), "no cycle ran");
  }

  DeploymentRuntime runtime(Mode mode, ClosedLoopAuthority authority, Clock clock) {
    return runtime(mode, authority, clock, scenario.baselineController());
  }

  DeploymentRuntime runtime(Mode mode, ClosedLoopAuthority authority, Clock clock, Policy p) {
    return new DeploymentRuntime(
        plant,
        connection,
        p,
        scenario.observationSpace(),
        scenario.actionSpace(),
        shield,
        mode,
        authority,
        audit,
        clock);
  }

  ClosedLoopAuthority approval(Instant validUntil, Clock clock) throws IOException {
    KeyPair keys = ApprovalKeys.generate();
    Path bundle = dir.resolve("policy.bundle");
    Files.writeString(bundle, "stands in for a bundle: approvals bind its bytes");
    Path shieldFile = dir.resolve("shield.yaml");
    ShieldFiles.writeBuiltIn(shieldFile);
    Path approvalFile = dir.resolve("approval.json");
    Approvals.save(
        Approvals.sign(
            DeploymentInputs.read(bundle, shieldFile, plantFile).files(),
            "closed-loop",
            "test engineer",
            validUntil,
            "",
            keys,
            Clock.fixed(validUntil.minusSeconds(3600), ZoneOffset.UTC)),
        approvalFile);
    return new ApprovalAuthority(
        approvalFile,
        keys.getPublic(),
        DeploymentInputs.read(bundle, shieldFile, plantFile).files(),
        clock);
  }

  List<AuditRecord> auditRecords() {
    return AuditLogReader.readAll(auditFile);
  }

  CycleRecord lastCycle() {
    return auditRecords().stream()
        .filter(CycleRecord.class::isInstance)
        .map(CycleRecord.class::cast)
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  long holdingWrites(int offset) {
    return slave.writeCount(ModbusTable.HOLDING_REGISTER, offset);
  }

  long allHoldingWrites() {
    long sum = 0;
    for (int r = 0; r < 32; r++) {
      sum += holdingWrites(r);
    }
    return sum;
  }

  @Test
  void shadowModeWritesNothingAndAuditsEveryCycle() {
    try (DeploymentRuntime r = runtime(Mode.SHADOW, null, Clock.systemUTC())) {
      for (int i = 0; i < 300; i++) {
        plcScan();
        DeploymentRuntime.CycleOutcome o = r.runCycle();
        assertNotNull(o.decision());
        assertFalse(o.wroteSetpoints());
      }
    }
    assertEquals(0, allHoldingWrites(), "shadow mode wrote to the PLC");
    List<AuditRecord> records = auditRecords();
    List<CycleRecord> cycles =
        records.stream()
            .filter(CycleRecord.class::isInstance)
            .map(CycleRecord.class::cast)
            .toList();
    assertEquals(300, cycles.size());
    for (int i = 0; i < 300; i++) {
      assertEquals(i + 1, cycles.get(i).cycle());
      assertEquals("shadow", cycles.get(i).mode());
      assertTrue(cycles.get(i).writes().isEmpty());
      assertTrue(cycles.get(i).inputs().containsKey("Ca"));
    }
    assertTrue(records.get(0) instanceof EventRecord e && e.kind() == EventKind.STARTED);
    assertTrue(
        records.get(records.size() - 1) instanceof EventRecord e && e.kind() == EventKind.STOPPED);
  }

  @Test
  void advisoryWritesOnlyTheAdvisoryTagsAndHeartbeats() {
    try (DeploymentRuntime r = runtime(Mode.ADVISORY, null, Clock.systemUTC())) {
      for (int i = 0; i < 20; i++) {
        plcScan();
        r.runCycle();
      }
    }
    assertEquals(0, holdingWrites(0) + holdingWrites(1), "advisory wrote the remote setpoint");
    assertEquals(0, holdingWrites(10), "advisory wrote the operator mode");
    for (int advisory : new int[] {12, 14, 16, 18, 20}) {
      assertEquals(20, holdingWrites(advisory), "register " + advisory);
    }
    double recommended = slave.value(ModbusAddress.holding(12), DataType.FLOAT32);
    assertTrue(recommended >= 290 && recommended <= 310, "recommendation " + recommended);
    assertEquals(20, slave.value(ModbusAddress.holding(20), DataType.UINT16));
  }

  @Test
  void closedLoopIsRefusedWithoutAValidApprovalAndSaysWhy() throws IOException {
    IllegalStateException none =
        assertThrows(
            IllegalStateException.class, () -> runtime(Mode.CLOSED_LOOP, null, Clock.systemUTC()));
    assertTrue(none.getMessage().contains("no approval"), none.getMessage());
    Clock clock = Clock.systemUTC();
    ClosedLoopAuthority expired = approval(clock.instant().minusSeconds(1), clock);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> runtime(Mode.CLOSED_LOOP, expired, clock));
    assertTrue(e.getMessage().contains("EXPIRED"), e.getMessage());
    assertTrue(
        auditRecords().stream()
            .anyMatch(x -> x instanceof EventRecord ev && ev.kind() == EventKind.APPROVAL_REFUSED));
    assertEquals(0, allHoldingWrites());
  }

  @Test
  void closedLoopEngagesBumplesslyFromTheSetpointInForceWithinTheRateLimit() throws IOException {
    Clock clock = Clock.systemUTC();
    // A policy that wants the hottest jacket at once: the shield ramps from the setpoint in force.
    Policy hot = observation -> new double[] {310.0};
    try (DeploymentRuntime r =
        runtime(Mode.CLOSED_LOOP, approval(clock.instant().plusSeconds(3600), clock), clock, hot)) {
      double previous = 300.0;
      for (int i = 0; i < 5; i++) {
        plcScan();
        DeploymentRuntime.CycleOutcome o = r.runCycle();
        assertEquals(Mode.CLOSED_LOOP, o.mode(), String.valueOf(o.demotion()));
        assertTrue(o.wroteSetpoints());
        double written = slave.value(TC_REMOTE, DataType.FLOAT32);
        assertTrue(written - previous <= 2.5 + 1e-4, "moved " + (written - previous) + " K");
        assertTrue(written >= previous - 1e-4);
        previous = written;
      }
    }
  }

  @Test
  void aPolicyChoosingInsideTheShieldsBoxIsNeverCorrectedAtThePlant() throws IOException {
    Clock clock = Clock.systemUTC();
    // The hottest admissible jacket every cycle: the box's edge, computed with the set point in
    // force read back from the PLC, which is what the shield is given as the previous action.
    int[] seen = new int[1];
    Policy hottest =
        observation -> {
          seen[0] = observation.size();
          return new double[] {1.0};
        };
    Policy inside =
        new AdmissibleActionPolicy(
            hottest, shield, scenario.observationSpace(), scenario.initialInput());
    try (DeploymentRuntime r =
        runtime(
            Mode.CLOSED_LOOP, approval(clock.instant().plusSeconds(3600), clock), clock, inside)) {
      double previous = 300.0;
      boolean narrowed = false;
      for (int i = 0; i < 8; i++) {
        plcScan();
        DeploymentRuntime.CycleOutcome o = r.runCycle();
        assertEquals(Mode.CLOSED_LOOP, o.mode(), String.valueOf(o.demotion()));
        assertFalse(o.decision().intervened(), "cycle " + i + ": " + o.decision().interventions());
        double written = slave.value(TC_REMOTE, DataType.FLOAT32);
        assertTrue(written - previous <= 2.5 + 1e-4, "moved " + (written - previous) + " K");
        narrowed |= written < Math.min(310.0, previous + 2.5) - 1e-3;
        previous = written;
      }
      assertTrue(narrowed, "the temperature prediction never narrowed the box");
    }
    assertEquals(scenario.observationSpace().size() + 2, seen[0], "observations plus the box");
  }

  @Test
  void theOperatorSwitchingToLocalDemotesBeforeAnyWriteOfThatCycle() throws IOException {
    Clock clock = Clock.systemUTC();
    try (DeploymentRuntime r =
        runtime(Mode.CLOSED_LOOP, approval(clock.instant().plusSeconds(3600), clock), clock)) {
      for (int i = 0; i < 3; i++) {
        plcScan();
        r.runCycle();
      }
      long writes = holdingWrites(0);
      slave.setValue(MODE, DataType.UINT16, 0);
      plcScan();
      DeploymentRuntime.CycleOutcome o = r.runCycle();
      assertEquals(Mode.ADVISORY, o.mode());
      assertTrue(o.demotion().contains("local/manual"), o.demotion());
      assertFalse(o.wroteSetpoints());
      for (int i = 0; i < 10; i++) {
        plcScan();
        r.runCycle();
      }
      assertEquals(writes, holdingWrites(0), "a setpoint was written after the demotion");
      assertEquals(Mode.ADVISORY, r.mode(), "promotion back must not be automatic");
    }
    assertTrue(hasEvent(EventKind.OPERATOR_OVERRIDE));
    assertTrue(hasEvent(EventKind.DEMOTION));
  }

  @Test
  void aSetpointChangedByHandDemotes() throws IOException {
    Clock clock = Clock.systemUTC();
    try (DeploymentRuntime r =
        runtime(Mode.CLOSED_LOOP, approval(clock.instant().plusSeconds(3600), clock), clock)) {
      for (int i = 0; i < 3; i++) {
        plcScan();
        assertEquals(Mode.CLOSED_LOOP, r.runCycle().mode());
      }
      // The operator types a new setpoint straight into the PLC.
      slave.setValue(TC_IN_FORCE, DataType.FLOAT32, 296.0);
      DeploymentRuntime.CycleOutcome o = r.runCycle();
      assertEquals(Mode.ADVISORY, o.mode());
      assertTrue(o.demotion().contains("we last wrote"), o.demotion());
    }
  }

  @Test
  void badInputsForTheConfiguredCyclesDemote() throws IOException {
    Clock clock = Clock.systemUTC();
    try (DeploymentRuntime r =
        runtime(Mode.CLOSED_LOOP, approval(clock.instant().plusSeconds(3600), clock), clock)) {
      plcScan();
      r.runCycle();
      DeploymentRuntime.CycleOutcome o = null;
      for (int i = 0; i < 3; i++) {
        plcScan();
        // A float32 NaN in the two input registers (the slave refuses to encode one itself).
        slave.setWord(ModbusTable.INPUT_REGISTER, 0, 0x7FC0);
        slave.setWord(ModbusTable.INPUT_REGISTER, 1, 0x0000);
        o = r.runCycle();
        assertEquals(i < 2 ? Mode.CLOSED_LOOP : Mode.ADVISORY, o.mode(), "cycle " + i);
      }
      assertTrue(o.demotion().contains("bad inputs"), o.demotion());
    }
  }

  @Test
  void aReadingOutsideItsInstrumentRangeIsReadAsBadAndTheShieldFallsBackNamingIt()
      throws IOException {
    Clock clock = Clock.systemUTC();
    try (DeploymentRuntime r =
        runtime(Mode.CLOSED_LOOP, approval(clock.instant().plusSeconds(3600), clock), clock)) {
      plcScan();
      r.runCycle();
      DeploymentRuntime.CycleOutcome o = null;
      for (int i = 0; i < 3; i++) {
        plcScan();
        // Beyond the plant file's instrument range [0, 2]: no working transmitter reads this.
        slave.setValue(CA, DataType.FLOAT32, 2.5);
        o = r.runCycle();
        assertEquals(Verdict.FALLBACK, o.decision().verdict(), "cycle " + i);
        assertTrue(o.decision().reason().contains("Ca bad quality"), o.decision().reason());
      }
      assertEquals(Mode.ADVISORY, o.mode());
      assertTrue(o.demotion().contains("bad inputs"), o.demotion());
      assertTrue(o.demotion().contains("Ca bad quality"), o.demotion());
    }
    CycleRecord last = lastCycle();
    CycleRecord.Input ca = last.inputs().get("Ca");
    assertEquals(Quality.BAD, ca.quality());
    assertEquals(2.5, ca.value(), 1e-6);
    assertTrue(ca.note().contains("outside the instrument range [0.0, 2.0]"), ca.note());
    assertTrue(last.shield().reason().contains("Ca bad quality"), last.shield().reason());
  }

  @Test
  void aReadingInsideTheInstrumentRangeButOutsideTheShieldsIsTheShieldsToRefuse()
      throws IOException {
    Clock clock = Clock.systemUTC();
    try (DeploymentRuntime r = runtime(Mode.ADVISORY, null, clock)) {
      plcScan();
      // Inside the plant's instrument range [0, 2], beyond the shield file's range_max of 1.5.
      slave.setValue(CA, DataType.FLOAT32, 1.8);
      DeploymentRuntime.CycleOutcome o = r.runCycle();
      // At this plant's time scale (2,600) a 23 ms stall of a loaded machine between the read and
      // the decision ages the reading past max_age_s, and the shield then refuses it as stale
      // before it looks at the range: that cycle is refused too, and the next one is the test.
      for (int retry = 0; retry < 3 && o.decision().reason().contains("stale"); retry++) {
        assertEquals(Verdict.FALLBACK, o.decision().verdict());
        o = r.runCycle();
      }
      assertEquals(Verdict.FALLBACK, o.decision().verdict());
      assertTrue(
          o.decision().reason().contains("Ca 1.8 above instrument range 1.5"),
          o.decision().reason());
    }
    assertEquals(Quality.GOOD, lastCycle().inputs().get("Ca").quality(), "read as the PLC gave it");
  }

  @Test
  void aLostConnectionDemotesAndIsLogged() throws IOException {
    Clock clock = Clock.systemUTC();
    try (DeploymentRuntime r =
        runtime(Mode.CLOSED_LOOP, approval(clock.instant().plusSeconds(3600), clock), clock)) {
      plcScan();
      r.runCycle();
      slave.close();
      DeploymentRuntime.CycleOutcome o = r.runCycle();
      assertEquals(Mode.ADVISORY, o.mode());
      assertNull(o.decision());
      assertTrue(o.demotion().startsWith("communication"), o.demotion());
    }
    assertTrue(hasEvent(EventKind.CONNECTION_LOST));
  }

  @Test
  void theApprovalExpiringDemotes() throws IOException {
    Instant start = Instant.parse("2026-11-25T12:00:00Z");
    MutableClock clock = new MutableClock(start);
    try (DeploymentRuntime r =
        runtime(Mode.CLOSED_LOOP, approval(start.plusSeconds(60), clock), clock)) {
      plcScan();
      assertEquals(Mode.CLOSED_LOOP, r.runCycle().mode());
      // Moving valid-until later in the file after verification extends nothing.
      Path file = dir.resolve("approval.json");
      Files.writeString(
          file,
          Files.readString(file)
              .replace(start.plusSeconds(60).toString(), start.plusSeconds(86400).toString()));
      clock.advance(java.time.Duration.ofSeconds(61));
      plcScan();
      DeploymentRuntime.CycleOutcome o = r.runCycle();
      assertEquals(Mode.ADVISORY, o.mode());
      assertTrue(o.demotion().contains("expired"), o.demotion());
    }
  }

  @Test
  void aPolicyThatThrowsFallsBackAndDemotes() throws IOException {
    Clock clock = Clock.systemUTC();
    Policy broken =
        new Policy() {
          int calls;

          @Override
          public double[] act(Observation observation) {
            if (++calls > 2) {
              throw new IllegalStateException("weights corrupted");
            }
            return new double[] {300.0};
          }
        };
    try (DeploymentRuntime r =
        runtime(
            Mode.CLOSED_LOOP, approval(clock.instant().plusSeconds(3600), clock), clock, broken)) {
      plcScan();
      r.runCycle();
      plcScan();
      r.runCycle();
      plcScan();
      DeploymentRuntime.CycleOutcome o = r.runCycle();
      assertEquals(Mode.ADVISORY, o.mode());
      assertTrue(o.demotion().contains("weights corrupted"), o.demotion());
      assertEquals("FALLBACK", o.decision().verdict().name());
    }
  }

  @Test
  void promotionBackToClosedLoopNeedsAnExplicitRequestAndAValidApproval() throws IOException {
    Clock clock = Clock.systemUTC();
    try (DeploymentRuntime r =
        runtime(Mode.ADVISORY, approval(clock.instant().plusSeconds(3600), clock), clock)) {
      plcScan();
      r.runCycle();
      assertNull(r.promote(Mode.CLOSED_LOOP));
      plcScan();
      assertTrue(r.runCycle().wroteSetpoints());
    }
    assertTrue(hasEvent(EventKind.PROMOTION));
    assertTrue(hasEvent(EventKind.APPROVAL_ACCEPTED));
  }

  @Test
  void aShieldFallingBackTooOftenDemotesAndABadProposalIsNotABadInput() throws IOException {
    Clock clock = Clock.systemUTC();
    // Every proposal is NaN: the shield falls back each cycle, with the measurements all good.
    Policy lost = observation -> new double[] {Double.NaN};
    try (DeploymentRuntime r =
        runtime(
            Mode.CLOSED_LOOP, approval(clock.instant().plusSeconds(3600), clock), clock, lost)) {
      // The shield's degraded_when (cstr-constrained: more than 20 % of its last 50 decisions) is
      // the only fallback window: the eleventh fallback crosses it.
      for (int i = 1; i <= 10; i++) {
        plcScan();
        DeploymentRuntime.CycleOutcome o = r.runCycle();
        assertEquals("FALLBACK", o.decision().verdict().name());
        assertEquals(Mode.CLOSED_LOOP, o.mode(), "cycle " + i + ": " + o.demotion());
      }
      plcScan();
      DeploymentRuntime.CycleOutcome o = r.runCycle();
      assertEquals(Mode.ADVISORY, o.mode());
      assertTrue(o.demotion().startsWith("shield degraded"), o.demotion());
      assertTrue(o.decision().degraded(), "the shield says so in its decision");
    }
  }

  @Test
  void aDiskThatFillsMidRunStopsEveryWriteFromTheCycleItFailsAndLeavesNoGapOnceFreed()
      throws IOException {
    audit.close();
    FillingDisk disk = new FillingDisk();
    audit = AuditLog.open(AuditLog.Options.builder(auditFile).opener(disk).build());
    Clock clock = Clock.systemUTC();
    try (DeploymentRuntime r =
        runtime(Mode.CLOSED_LOOP, approval(clock.instant().plusSeconds(3600), clock), clock)) {
      plcScan();
      assertTrue(r.runCycle().wroteSetpoints());
      long writes = allHoldingWrites();
      disk.fill();
      plcScan();
      DeploymentRuntime.CycleOutcome failed = r.runCycle();
      assertFalse(failed.wroteSetpoints());
      assertEquals("audit log not writable", failed.demotion());
      assertEquals(Mode.SHADOW, r.mode());
      assertEquals(writes, allHoldingWrites(), "the unrecorded cycle wrote to the plant");
      for (int i = 0; i < 5; i++) {
        plcScan();
        assertFalse(r.runCycle().wroteSetpoints());
      }
      assertEquals(writes, allHoldingWrites(), "written with no audit log");
      assertTrue(audit.held() > 0);
      assertTrue(r.promote(Mode.ADVISORY).contains("audit log is not writable"));
      disk.free();
      plcScan();
      r.runCycle();
      assertEquals(0, audit.held());
    }

    List<AuditRecord> records = new ArrayList<>();
    AuditLogReader.ReadResult result = AuditLogReader.read(auditFile, records::add);
    assertTrue(result.chainIntact(), result.chainBreaks().toString());
    assertFalse(result.truncatedLines().isEmpty(), "the full disk took part of a line");
    List<Long> cycles =
        records.stream()
            .filter(CycleRecord.class::isInstance)
            .map(x -> ((CycleRecord) x).cycle())
            .toList();
    assertEquals(LongStream.rangeClosed(1, 8).boxed().toList(), cycles, "a cycle is missing");
    List<Long> written =
        records.stream()
            .filter(WriteRecord.class::isInstance)
            .map(x -> ((WriteRecord) x).cycle())
            .toList();
    assertEquals(List.of(1L), written, "only the first cycle wrote, after its record");
    EventRecord failure =
        records.stream()
            .filter(x -> x instanceof EventRecord e && e.kind() == EventKind.AUDIT_FAILED)
            .map(EventRecord.class::cast)
            .findFirst()
            .orElseThrow();
    assertEquals("closed-loop", failure.details().get("from"));
    assertEquals("shadow", failure.details().get("to"));
    // The failure event follows the record of the cycle that could not be written.
    int failedCycle =
        records.indexOf(
            records.stream()
                .filter(x -> x instanceof CycleRecord c && c.cycle() == 2)
                .findFirst()
                .orElseThrow());
    assertEquals(failure, records.get(failedCycle + 1));
  }

  @Test
  void aWriteThePlcRefusesIsAWriteRefusedDemotionNotACommunicationLoss() throws Exception {
    connection.close();
    Files.writeString(
        plantFile,
        PLANT
            .formatted(slave.port())
            .replace("Tc: {address: \"holding:0\"", "Tc: {address: \"holding:5000\""));
    plant = PlantFile.load(plantFile);
    connection = PlcConnections.open(plant.connection());
    Clock clock = Clock.systemUTC();
    try (DeploymentRuntime r =
        runtime(Mode.CLOSED_LOOP, approval(clock.instant().plusSeconds(3600), clock), clock)) {
      plcScan();
      DeploymentRuntime.CycleOutcome refused = r.runCycle();

      assertFalse(refused.wroteSetpoints());
      assertTrue(refused.demotion().startsWith("write refused: "), refused.demotion());
      assertEquals(Mode.ADVISORY, r.mode());
    }
    assertTrue(hasEvent(EventKind.WRITE_REFUSED));
    assertFalse(hasEvent(EventKind.CONNECTION_LOST), "the PLC answered: the link is fine");
    WriteRecord write =
        auditRecords().stream()
            .filter(WriteRecord.class::isInstance)
            .map(WriteRecord.class::cast)
            .findFirst()
            .orElseThrow();
    assertTrue(write.refused() && !write.ok(), write.toString());
  }

  @Test
  void aSecondWriterOfTheHeartbeatIsFlaggedAndDemotesClosedLoop() throws IOException {
    Clock clock = Clock.systemUTC();
    try (DeploymentRuntime r =
        runtime(Mode.CLOSED_LOOP, approval(clock.instant().plusSeconds(3600), clock), clock)) {
      for (int i = 0; i < 3; i++) {
        plcScan();
        assertTrue(r.runCycle().wroteSetpoints());
      }
      // Another bridge on the same plant writes its own heartbeat between our cycles.
      slave.setValue(HEARTBEAT, DataType.UINT16, 4242);
      plcScan();
      DeploymentRuntime.CycleOutcome flagged = r.runCycle();

      assertFalse(flagged.wroteSetpoints());
      assertTrue(flagged.demotion().startsWith("another writer on the plant"), flagged.demotion());
      assertEquals(Mode.ADVISORY, r.mode());
    }
    assertTrue(hasEvent(EventKind.ANOTHER_WRITER));
  }

  @Test
  void aDeploymentWhoseAuditLogCannotBeWrittenRefusesToStart() {
    audit.close();
    FillingDisk disk = new FillingDisk();
    disk.fill();
    audit = AuditLog.open(AuditLog.Options.builder(auditFile).opener(disk).build());
    Clock clock = Clock.systemUTC();

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> runtime(Mode.ADVISORY, null, clock));

    assertTrue(e.getMessage().contains("refusing to start"), e.getMessage());
    assertTrue(e.getMessage().contains("no space left on device"), e.getMessage());
    assertEquals(0, allHoldingWrites());
  }

  boolean hasEvent(EventKind kind) {
    return auditRecords().stream().anyMatch(x -> x instanceof EventRecord e && e.kind() == kind);
  }
}
