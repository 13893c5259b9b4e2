package org.safeloop.plc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.DataType;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnections;
import org.safeloop.plc.approval.ApprovalCheck;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.audit.AuditLogReader;
import org.safeloop.plc.audit.AuditRecord;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.opcua.OpcUaAddress;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.plc.virtualplant.opcua.PlantOpcUaServer;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.Shields;
import org.safeloop.shield.Verdict;

/**
 * The runtime against a real OPC UA server that, like many third-party servers, sets the source
 * timestamp only when a value changes: the shield judges staleness (its file's {@code max_age_s},
 * in process time) by the server timestamp (when the server last knew the value current), the
 * source timestamp goes to the audit log, and text writes are audited as the text the PLC receives.
 */
class OpcUaTimestampsTest {

  static final String PLANT =
      """
      name: third-party-opcua
      connection: {protocol: opcua, host: 127.0.0.1, port: %d, endpoint_path: /safeloop,
        connect_timeout_ms: 5000, request_timeout_ms: 2000}
      cycle_period_ms: 100
      time_scale: 260  # the CSTR's 26 s control interval in 100 ms cycles
      observations:
        Ca: {address: "nsu=%2$s;s=Ca.PV", type: float64, unit: mol/m3}
        T: {address: "nsu=%2$s;s=T.PV", type: float64, unit: K}
        Ca_setpoint: {address: "nsu=%2$s;s=Ca_setpoint.PV", type: float64, unit: mol/m3}
      actions:
        Tc: {address: "nsu=%2$s;s=Tc.RemoteSP", type: float64, unit: K}
      current_setpoints:
        Tc: {address: "nsu=%2$s;s=Tc.SP", type: float64, unit: K}
      operator_mode: {address: "nsu=%2$s;s=Loop.Mode", type: int32, remote_value: 1}
      advisory:
        reason: {address: "nsu=%2$s;s=Advisory.Reason", type: string}
      heartbeat: {address: "nsu=%2$s;s=Agent.Heartbeat", type: uint16}
      demotion: {to: advisory, bad_input_cycles: 2}
      allow_insecure_closed_loop: true
      """;

  /** Lets closed loop run; the approval itself is tested elsewhere. */
  static final ClosedLoopAuthority APPROVED =
      new ClosedLoopAuthority() {
        @Override
        public ApprovalCheck verify() {
          return new ApprovalCheck(ApprovalCheck.Outcome.ACCEPTED, "approved for the test");
        }

        @Override
        public Instant validUntil() {
          return Instant.now().plus(Duration.ofDays(1));
        }
      };

  /** A stale limit on Ca_setpoint as the shield's other measurements have. */
  static final String MAX_AGE_60_S = "{max_age_s: 60.0}";

  @TempDir Path dir;
  final Scenario scenario = Scenarios.load("cstr-constrained");
  SafetyShield shield;
  PlantOpcUaServer server;
  OpcUaAddress ca;
  OpcUaAddress t;
  OpcUaAddress caSetpoint;
  OpcUaAddress remote;
  OpcUaAddress inForce;
  OpcUaAddress reason;
  PlcConnection connection;
  AuditLog audit;
  Path auditFile;
  int tick;

  @BeforeEach
  void startServer() throws Exception {
    server = PlantOpcUaServer.builder(dir.resolve("server-pki")).start();
    ca = server.addVariable("Ca.PV", DataType.FLOAT64, 0.87);
    t = server.addVariable("T.PV", DataType.FLOAT64, 324.0);
    caSetpoint = server.addVariable("Ca_setpoint.PV", DataType.FLOAT64, 0.88);
    remote = server.addVariable("Tc.RemoteSP", DataType.FLOAT64, 300.0);
    inForce = server.addVariable("Tc.SP", DataType.FLOAT64, 300.0);
    server.addVariable("Loop.Mode", DataType.INT32, 1);
    reason = server.addVariable("Advisory.Reason", DataType.STRING, "");
    server.addVariable("Agent.Heartbeat", DataType.UINT16, 0);
    auditFile = dir.resolve("audit.jsonl");
    audit = AuditLog.open(auditFile);
  }

  @AfterEach
  void stopServer() {
    if (connection != null) {
      connection.close();
    }
    audit.close();
    server.close();
  }

  /**
   * Loads the plant file with the built-in shield, whose measurements gain {@code caSetpointCheck}
   * for Ca_setpoint (none when empty: the shield then does not judge its age).
   */
  PlantFile plant(String caSetpointCheck) throws Exception {
    Path shieldFile = ShieldFiles.writeBuiltIn(dir.resolve("shield.yaml"));
    if (!caSetpointCheck.isEmpty()) {
      String text = Files.readString(shieldFile);
      Files.writeString(
          shieldFile,
          text.replace(
              "measurements:\n", "measurements:\n  Ca_setpoint: " + caSetpointCheck + "\n"));
    }
    shield = Shields.load(shieldFile.toString());
    if (connection != null) {
      connection.close();
    }
    Path file = dir.resolve("plant.yaml");
    Files.writeString(file, PLANT.formatted(server.port(), server.namespaceUri()));
    PlantFile plant = PlantFile.load(file);
    plant.requireCompatible(
        scenario.observationSpace(), scenario.actionSpace(), shield, "the scenario's PID");
    connection = PlcConnections.open(plant.connection());
    return plant;
  }

  DeploymentRuntime runtime(PlantFile plant, Mode mode) {
    return new DeploymentRuntime(
        plant,
        connection,
        scenario.baselineController(),
        scenario.observationSpace(),
        scenario.actionSpace(),
        shield,
        mode,
        mode == Mode.CLOSED_LOOP ? APPROVED : null,
        audit,
        Clock.systemUTC());
  }

  /** One PLC scan: the measurements change (fresh source timestamps), the setpoint follows. */
  void plcScan() {
    tick++;
    server.setValue(ca, 0.87 + 0.001 * Math.sin(tick));
    server.setValue(t, 324.0 + 0.05 * Math.cos(tick));
    server.setValue(inForce, server.value(remote));
  }

  /** Cycles of the runtime, sleeping only for the measurements to move in between. */
  void run(DeploymentRuntime runtime, int cycles) {
    for (int i = 0; i < cycles; i++) {
      plcScan();
      runtime.runCycle();
    }
  }

  @Test
  void aConstantSetpointWithAnHourOldSourceTimestampStaysFreshAndClosedLoopRuns() throws Exception {
    Instant lastChange =
        Instant.now().minus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    // Changed an hour ago; the server vouches for it at every read (server timestamp = now).
    server.setValue(caSetpoint, 0.88, PlantOpcUaServer.GOOD, lastChange, null);
    PlantFile plant = plant(MAX_AGE_60_S);
    try (DeploymentRuntime runtime = runtime(plant, Mode.CLOSED_LOOP)) {
      run(runtime, 15);
      assertEquals(Mode.CLOSED_LOOP, runtime.mode(), "a constant setpoint demoted closed loop");
    }
    List<CycleRecord> cycles = cycles();
    assertFalse(cycles.isEmpty());
    for (CycleRecord c : cycles) {
      assertFalse(c.shield().reason().contains("stale"), c.shield().reason());
      // The audit keeps the source timestamp: when the value last changed.
      assertEquals(lastChange, c.inputs().get("Ca_setpoint").sourceTimestamp());
    }
  }

  @Test
  void aValueTheServerNoLongerConfirmsIsStaleAndDemotes() throws Exception {
    Instant lastConfirmed = Instant.now().minus(Duration.ofMinutes(5));
    // A gateway whose device stopped answering: neither timestamp moves any more.
    server.setValue(caSetpoint, 0.88, PlantOpcUaServer.GOOD, lastConfirmed, lastConfirmed);
    PlantFile plant = plant(MAX_AGE_60_S);
    try (DeploymentRuntime runtime = runtime(plant, Mode.CLOSED_LOOP)) {
      DeploymentRuntime.CycleOutcome last = null;
      for (int i = 0; i < 5 && runtime.mode() == Mode.CLOSED_LOOP; i++) {
        plcScan();
        last = runtime.runCycle();
      }
      assertEquals(Mode.ADVISORY, runtime.mode(), cycles().toString());
      assertNotNull(last.demotion());
      assertTrue(last.demotion().contains("Ca_setpoint stale"), last.demotion());
    }
  }

  @Test
  void aSignalWithoutMaxAgeInTheShieldFileNeverCountsAsStale() throws Exception {
    Instant lastConfirmed = Instant.now().minus(Duration.ofMinutes(5));
    server.setValue(caSetpoint, 0.88, PlantOpcUaServer.GOOD, lastConfirmed, lastConfirmed);
    PlantFile plant = plant("");
    try (DeploymentRuntime runtime = runtime(plant, Mode.CLOSED_LOOP)) {
      run(runtime, 10);
      assertEquals(Mode.CLOSED_LOOP, runtime.mode());
    }
  }

  @Test
  void theShieldsMaxAgeRulesAndTheRuntimeAddsNoStaleLimitOfItsOwn() throws Exception {
    // Five minutes unconfirmed is 78,000 s of process time at time scale 260: far beyond any limit
    // a runtime of its own would keep (the plant file's old default was 5 cycles), inside the
    // shield's looser one. Closed loop runs on: the shield alone judges.
    Instant lastConfirmed = Instant.now().minus(Duration.ofMinutes(5));
    server.setValue(caSetpoint, 0.88, PlantOpcUaServer.GOOD, lastConfirmed, lastConfirmed);
    PlantFile plant = plant("{max_age_s: 100000.0}");
    try (DeploymentRuntime runtime = runtime(plant, Mode.CLOSED_LOOP)) {
      for (int i = 0; i < 10; i++) {
        plcScan();
        DeploymentRuntime.CycleOutcome o = runtime.runCycle();
        assertEquals(Mode.CLOSED_LOOP, o.mode(), o.demotion());
        assertFalse(o.decision().reason().contains("stale"), o.decision().reason());
      }
    }
    // The same value under the shield's 60 s falls back at once, naming the signal and its age.
    server.setValue(caSetpoint, 0.88, PlantOpcUaServer.GOOD, lastConfirmed, lastConfirmed);
    PlantFile strict = plant(MAX_AGE_60_S);
    try (DeploymentRuntime runtime = runtime(strict, Mode.ADVISORY)) {
      plcScan();
      DeploymentRuntime.CycleOutcome o = runtime.runCycle();
      assertEquals(Verdict.FALLBACK, o.decision().verdict());
      assertTrue(o.decision().reason().contains("Ca_setpoint stale"), o.decision().reason());
    }
  }

  @Test
  void aServerThatStopsAnsweringStillDemotes() throws Exception {
    server.setValue(
        caSetpoint, 0.88, PlantOpcUaServer.GOOD, Instant.now().minus(Duration.ofHours(1)), null);
    PlantFile plant = plant(MAX_AGE_60_S);
    try (DeploymentRuntime runtime = runtime(plant, Mode.CLOSED_LOOP)) {
      run(runtime, 3);
      assertEquals(Mode.CLOSED_LOOP, runtime.mode());
      server.close();
      DeploymentRuntime.CycleOutcome outcome = runtime.runCycle();
      assertEquals(Mode.ADVISORY, runtime.mode());
      assertTrue(outcome.demotion().startsWith("communication"), outcome.demotion());
    }
  }

  @Test
  void theAuditRecordsTheReasonTextThePlcReceives() throws Exception {
    PlantFile plant = plant("");
    try (DeploymentRuntime runtime = runtime(plant, Mode.ADVISORY)) {
      // Far above the shield's limits for T: the shield must act and give a reason.
      server.setValue(t, 326.9);
      runtime.runCycle();
    }
    CycleRecord cycle = cycles().get(cycles().size() - 1);
    String received = (String) server.value(reason);
    assertFalse(cycle.writes().containsKey("advisory.reason"), cycle.writes().toString());
    assertEquals(received, cycle.textWrites().get("advisory.reason"));
    assertTrue(cycle.writes().containsKey("heartbeat"), cycle.writes().toString());
  }

  List<CycleRecord> cycles() {
    List<AuditRecord> records = AuditLogReader.readAll(auditFile);
    return records.stream()
        .filter(CycleRecord.class::isInstance)
        .map(CycleRecord.class::cast)
        .toList();
  }
}
