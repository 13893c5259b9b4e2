package org.safeloop.plc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.safeloop.env.Quality;
import org.safeloop.env.control.Policy;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.MutableClock;
import org.safeloop.plc.audit.AuditLogReader;
import org.safeloop.plc.audit.AuditRecord;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.plc.virtualplant.FaultProxy;
import org.safeloop.plc.virtualplant.SensorFault;
import org.safeloop.plc.virtualplant.VirtualPlant;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;
import org.safeloop.shield.Verdict;

/**
 * The deployment runtime on the virtual CSTR over both protocols, with faults injected: each fault
 * demotes closed loop within its cycle (or its configured count), nothing is written after, and
 * every cycle and event is in the audit log.
 */
class VirtualPlantFaultsTest {
  static final Scenario SCENARIO = Scenarios.load("cstr-constrained");
  static final List<String> WRITABLE =
      List.of(
          "Tc.RemoteSP",
          "Tc.LocalSP",
          "Tc.RecommendedSP",
          "Loop.Mode",
          "Agent.Heartbeat",
          "Advisory.Reason",
          "Advisory.Heartbeat",
          "Advisory.Timestamp");

  @TempDir static Path shared;
  static VirtualPlant plant;

  @TempDir Path dir;

  @BeforeAll
  static void startPlant() throws Exception {
    plant =
        VirtualPlant.builder(SCENARIO)
            .manualStepping()
            .realism(true)
            .seed(7)
            .startInRemote(true)
            .watchdogTimeout(Duration.ofHours(1))
            .pkiDirectory(shared.resolve("pki"))
            .start();
  }

  @AfterAll
  static void stopPlant() {
    plant.close();
  }

  /** A deployment on the shared plant with a fresh audit log, assembled as deploy does. */
  final class Deployment implements AutoCloseable {
    final PlantFile plantFile;
    final Path auditFile;
    final org.safeloop.plc.runtime.Deployment deployment;
    final DeploymentRuntime runtime;

    Deployment(Protocol protocol, Mode mode, Policy policy, Consumer<StringBuilder> edit)
        throws IOException {
      this(protocol, mode, policy, edit, plant.port(protocol), Clock.systemUTC());
    }

    Deployment(
        Protocol protocol,
        Mode mode,
        Policy policy,
        Consumer<StringBuilder> edit,
        int port,
        Clock clock)
        throws IOException {
      this(protocol, mode, policy, edit, port, clock, UnaryOperator.identity());
    }

    Deployment(
        Protocol protocol,
        Mode mode,
        Policy policy,
        Consumer<StringBuilder> edit,
        int port,
        Clock clock,
        UnaryOperator<String> shieldEdit)
        throws IOException {
      StringBuilder text =
          new StringBuilder(
              plant
                  .plantFile(protocol)
                  .replace("port: " + plant.port(protocol), "port: " + port)
                  .replace(
                      "cycle_period_ms: 26000\ntime_scale: 1\n",
                      "cycle_period_ms: 1000\ntime_scale: 26\n"));
      edit.accept(text);
      Path file = dir.resolve(protocol.label() + "-plant.yaml");
      Files.writeString(file, text.toString());
      plant.setOperatorMode(true);
      plant.clearFaults();
      plant.step(); // the tags show the cleared values from this scan on
      auditFile = dir.resolve(protocol.label() + "-plant-audit.jsonl");
      org.safeloop.plc.runtime.Deployment.Builder builder =
          TestDeployments.builder(dir, file, SCENARIO, policy, mode, clock, shieldEdit);
      deployment = builder.build();
      plantFile = deployment.plant();
      runtime = deployment.runtime();
    }

    /** One control interval: the agent's cycle, then one PLC scan and process step. */
    DeploymentRuntime.CycleOutcome cycle() {
      DeploymentRuntime.CycleOutcome o = runtime.runCycle();
      plant.step();
      return o;
    }

    List<AuditRecord> records() {
      return AuditLogReader.readAll(auditFile);
    }

    @Override
    public void close() {
      deployment.close();
    }
  }

  long writes(Protocol protocol) {
    long sum = 0;
    for (String tag : WRITABLE) {
      sum += plant.writeCount(tag, protocol);
    }
    return sum;
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void shadowModeSendsNoWriteOverHundredsOfCyclesAndAuditsEachOne(Protocol protocol)
      throws IOException {
    long before = writes(protocol);
    try (Deployment d =
        new Deployment(protocol, Mode.SHADOW, SCENARIO.baselineController(), t -> {})) {
      for (int i = 0; i < 300; i++) {
        assertNotNull(d.cycle().decision());
      }
      assertEquals(before, writes(protocol), "shadow mode wrote to the plant");
      long cycles = d.records().stream().filter(CycleRecord.class::isInstance).count();
      assertEquals(300, cycles);
    }
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void closedLoopThroughTheShieldKeepsTheReactorInsideItsLimitsForALongRun(Protocol protocol)
      throws IOException {
    // An exploring agent: the PID's move plus seeded noise of +-4 K, as a policy still learning.
    Policy pid = SCENARIO.baselineController();
    java.util.SplittableRandom noise = new java.util.SplittableRandom(11);
    Policy exploring =
        observation -> {
          double[] a = pid.act(observation);
          a[0] += 8.0 * (noise.nextDouble() - 0.5);
          return a;
        };
    // The scenario's setpoints put the reactor close to its temperature limits, where the shield
    // holds (falls back) on some proposals; half of its window is allowed before demotion here.
    assertInsideLimits(protocol, exploring, degradedAbove(0.5), 600);
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void evenAnAgentThatWantsARunawayIsHeldInsideTheLimits(Protocol protocol) throws IOException {
    // Always the hottest jacket: unshielded, the reactor runs away to about 384 K. The shield then
    // falls back often, which would demote; that limit is lifted here to watch the shield alone.
    Policy hot = observation -> new double[] {310.0};
    assertInsideLimits(protocol, hot, degradedAbove(1.0), 400);
  }

  /** Edits the shield's degraded_when to another fallback fraction. */
  static UnaryOperator<String> degradedAbove(double fraction) {
    return text -> {
      String edited =
          text.replace("fallback_fraction: 0.2 ", "fallback_fraction: " + fraction + " ");
      assertTrue(!edited.equals(text), "the built-in shield has fallback_fraction: 0.2");
      return edited;
    };
  }

  void assertInsideLimits(
      Protocol protocol, Policy policy, UnaryOperator<String> shieldEdit, int cycles)
      throws IOException {
    int t = SCENARIO.stateSpace().indexOf("T");
    double lowest = Double.MAX_VALUE;
    double highest = -Double.MAX_VALUE;
    try (Deployment d =
        new Deployment(
            protocol,
            Mode.CLOSED_LOOP,
            policy,
            x -> {},
            plant.port(protocol),
            Clock.systemUTC(),
            shieldEdit)) {
      for (int i = 0; i < cycles; i++) {
        DeploymentRuntime.CycleOutcome o = d.cycle();
        assertEquals(Mode.CLOSED_LOOP, o.mode(), "cycle " + i + ": " + o.demotion());
        double temperature = plant.processState()[t];
        lowest = Math.min(lowest, temperature);
        highest = Math.max(highest, temperature);
      }
    }
    assertTrue(highest <= 327.0, "T reached " + highest + " K");
    assertTrue(lowest >= 321.0, "T fell to " + lowest + " K");
  }

  /** Runs closed loop for a few cycles, injects a fault, and checks the step back. */
  void assertDemotes(
      Deployment d, Protocol protocol, Runnable fault, int withinCycles, String because) {
    for (int i = 0; i < 3; i++) {
      DeploymentRuntime.CycleOutcome warm = d.cycle();
      assertEquals(Mode.CLOSED_LOOP, warm.mode(), "before the fault: " + warm.demotion());
    }
    long remoteWrites = plant.writeCount("Tc.RemoteSP", protocol);
    fault.run();
    DeploymentRuntime.CycleOutcome o = null;
    int cycles = 0;
    while (cycles < withinCycles) {
      o = d.cycle();
      cycles++;
      if (o.mode() != Mode.CLOSED_LOOP) {
        break;
      }
      remoteWrites = plant.writeCount("Tc.RemoteSP", protocol);
    }
    assertEquals(Mode.ADVISORY, o.mode(), "not demoted within " + withinCycles + " cycles");
    assertTrue(o.demotion().contains(because), o.demotion());
    assertFalse(o.wroteSetpoints());
    for (int i = 0; i < 5; i++) {
      d.cycle();
    }
    assertEquals(
        remoteWrites, plant.writeCount("Tc.RemoteSP", protocol), "a setpoint after demotion");
    List<AuditRecord> records = d.records();
    long cycleRecords = records.stream().filter(CycleRecord.class::isInstance).count();
    assertEquals(d.runtime.cycles(), cycleRecords, "a cycle is missing from the audit log");
    assertTrue(
        records.stream()
            .anyMatch(r -> r instanceof EventRecord e && e.kind() == EventKind.DEMOTION),
        "no demotion event");
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void theServerStoppingDemotesAndTheConnectionRecoversWhenItRestarts(Protocol protocol)
      throws Exception {
    try (Deployment d =
        new Deployment(protocol, Mode.CLOSED_LOOP, SCENARIO.baselineController(), x -> {})) {
      assertDemotes(d, protocol, plant::stopServers, 1, "communication");
      plant.restartServers();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (d.runtime.runCycle().decision() == null) {
        assertTrue(System.nanoTime() < deadline, "no recovery within 60 s");
      }
      assertTrue(
          d.records().stream()
              .anyMatch(
                  r -> r instanceof EventRecord e && e.kind() == EventKind.CONNECTION_RESTORED));
      assertEquals(Mode.ADVISORY, d.runtime.mode(), "promotion must not be automatic");
    }
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void aNetworkDelayBeyondTheTimeoutDemotes(Protocol protocol) throws IOException {
    try (FaultProxy proxy = FaultProxy.start(plant.port(protocol));
        Deployment d =
            new Deployment(
                protocol,
                Mode.CLOSED_LOOP,
                SCENARIO.baselineController(),
                x -> {},
                proxy.port(),
                Clock.systemUTC())) {
      assertDemotes(d, protocol, () -> proxy.setDelay(Duration.ofMillis(2000)), 1, "communication");
      proxy.clearFaults();
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = SensorFault.class,
      names = {"BAD", "NAN"})
  void aBadOrNanSensorDemotesAfterTheConfiguredCycles(SensorFault fault) throws IOException {
    for (Protocol protocol : Protocol.values()) {
      try (Deployment d =
          new Deployment(
              protocol,
              Mode.CLOSED_LOOP,
              SCENARIO.baselineController(),
              t -> t.append("demotion: {bad_input_cycles: 1}\n"))) {
        assertDemotes(d, protocol, () -> plant.sensorFault("T", fault), 1, "bad inputs");
      }
    }
  }

  @Test
  void aBadSensorFallsBackByTheShieldAndIsAuditedWithTheServersStatus() throws IOException {
    try (Deployment d =
        new Deployment(Protocol.OPCUA, Mode.ADVISORY, SCENARIO.baselineController(), t -> {})) {
      d.cycle();
      plant.sensorFault("T", SensorFault.BAD);
      DeploymentRuntime.CycleOutcome o = d.cycle();
      assertEquals(Verdict.FALLBACK, o.decision().verdict());
      assertTrue(o.decision().reason().contains("T bad quality"), o.decision().reason());
      CycleRecord last =
          d.records().stream()
              .filter(CycleRecord.class::isInstance)
              .map(CycleRecord.class::cast)
              .reduce((a, b) -> b)
              .orElseThrow();
      CycleRecord.Input t = last.inputs().get("T");
      assertEquals(Quality.BAD, t.quality());
      assertTrue(t.note() != null && t.note().contains("status 0x80000000"), String.valueOf(t));
      assertTrue(last.shield().reason().contains("T bad quality"), last.shield().reason());
    }
  }

  @Test
  void aFrozenSensorDemotesOnceTheShieldSeesItFrozen() throws IOException {
    try (Deployment d =
        new Deployment(
            Protocol.MODBUS,
            Mode.CLOSED_LOOP,
            SCENARIO.baselineController(),
            t -> t.append("demotion: {bad_input_cycles: 1}\n"))) {
      // The shield calls a value frozen after 10 identical samples (the constraint file).
      assertDemotes(
          d, Protocol.MODBUS, () -> plant.sensorFault("T", SensorFault.FROZEN), 11, "bad");
    }
  }

  @Test
  void aStaleOpcUaValueDemotes() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    try (Deployment d =
        new Deployment(
            Protocol.OPCUA,
            Mode.CLOSED_LOOP,
            SCENARIO.baselineController(),
            t -> t.append("demotion: {bad_input_cycles: 1}\n"),
            plant.port(Protocol.OPCUA),
            clock)) {
      // 5 s of wall time at time scale 26 is 130 s of process time: beyond the shield's max_age_s
      // of 60 s, which judges it.
      assertDemotes(
          d,
          Protocol.OPCUA,
          () -> {
            plant.sensorFault("T", SensorFault.STALE);
            clock.advance(Duration.ofSeconds(5));
          },
          1,
          "stale");
    }
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void theOperatorSwitchingToManualDemotes(Protocol protocol) throws IOException {
    try (Deployment d =
        new Deployment(protocol, Mode.CLOSED_LOOP, SCENARIO.baselineController(), x -> {})) {
      assertDemotes(d, protocol, () -> plant.setOperatorMode(false), 1, "operator override");
    }
  }

  @ParameterizedTest
  @EnumSource(Protocol.class)
  void theOperatorChangingTheSetpointByHandDemotes(Protocol protocol) throws IOException {
    try (Deployment d =
        new Deployment(protocol, Mode.CLOSED_LOOP, SCENARIO.baselineController(), x -> {})) {
      assertDemotes(
          d, protocol, () -> plant.setOperatorSetpoint("Tc", 297.5), 1, "operator override");
    }
  }

  @Test
  void whenTheAgentStopsThePlantsWatchdogShedsToLocalHoldingTheLastSetpoint() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    try (VirtualPlant own =
            VirtualPlant.builder(SCENARIO)
                .manualStepping()
                .protocols(Protocol.MODBUS)
                .startInRemote(true)
                .clock(clock)
                .watchdogTimeout(Duration.ofSeconds(30))
                .start();
        org.safeloop.plc.runtime.Deployment deployment =
            TestDeployments.builder(
                    dir,
                    writePlantFile(own, dir.resolve("plant.yaml")),
                    SCENARIO,
                    SCENARIO.baselineController(),
                    Mode.CLOSED_LOOP,
                    Clock.systemUTC())
                .build()) {
      DeploymentRuntime runtime = deployment.runtime();
      for (int i = 0; i < 5; i++) {
        runtime.runCycle();
        clock.advance(Duration.ofSeconds(26));
        own.step();
      }
      double last = own.setpointInForce("Tc");
      assertTrue(own.isRemote());
      // The agent stops: no more heartbeats while the plant runs on.
      for (int i = 0; i < 3; i++) {
        clock.advance(Duration.ofSeconds(26));
        own.step();
      }
      assertFalse(own.isRemote(), "the watchdog did not shed to local");
      assertEquals(1, own.watchdogSheds());
      assertEquals(last, own.setpointInForce("Tc"), 1e-9, "shedding must be bumpless");
    }
  }

  @Test
  void closedLoopOverOpcUaWithoutSecurityIsRefusedUnlessThePlantFileAllowsIt() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                new Deployment(
                    Protocol.OPCUA,
                    Mode.CLOSED_LOOP,
                    SCENARIO.baselineController(),
                    t -> {
                      int at = t.indexOf("allow_insecure_closed_loop: true");
                      t.replace(at, at + 32, "allow_insecure_closed_loop: false");
                    }));
    assertTrue(e.getMessage().contains("security mode none"), e.getMessage());
  }

  static Path writePlantFile(VirtualPlant plant, Path file) throws IOException {
    Files.writeString(file, plant.plantFile(Protocol.MODBUS));
    return file;
  }
}
