package org.safeloop.plc.virtualplant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.Quality;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.Await;
import org.safeloop.plc.MutableClock;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.PlcConnections;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.Scaling;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagValue;
import org.safeloop.plc.TagWrite;
import org.safeloop.plc.modbus.ModbusOptions;
import org.safeloop.plc.opcua.OpcUaOptions;
import org.safeloop.plc.virtualplant.PlantLayout.PlantTag;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;

/**
 * The virtual plant against real Modbus and OPC UA clients on ephemeral loopback ports, stepped by
 * hand on a clock the test moves.
 */
class VirtualPlantTest {

  private static final long SEED = 7;
  private static final Duration WATCHDOG = Duration.ofSeconds(10);

  @TempDir static Path serverPki;
  private static Scenario scenario;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T08:00:00Z"));
  private final List<AutoCloseable> resources = new ArrayList<>();
  private VirtualPlant plant;
  private PlantLayout layout;

  @BeforeAll
  static void loadScenario() {
    scenario = Scenarios.load("cstr-constrained");
  }

  @AfterEach
  void closeEverything() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private VirtualPlant start(VirtualPlantBuilder builder) throws Exception {
    plant =
        builder
            .seed(SEED)
            .manualStepping()
            .clock(clock)
            .watchdogTimeout(WATCHDOG)
            .pkiDirectory(serverPki)
            .start();
    resources.add(plant);
    layout = plant.layout();
    return plant;
  }

  private VirtualPlant start() throws Exception {
    return start(VirtualPlant.builder(scenario));
  }

  private PlcConnection open(Protocol protocol) throws Exception {
    return open(plant.connectionConfig(protocol));
  }

  private PlcConnection open(PlcConnectionConfig config) throws Exception {
    PlcConnection connection = PlcConnections.open(config);
    resources.add(connection);
    return connection;
  }

  private static Tag tag(PlantTag tag, Protocol protocol) {
    return protocol == Protocol.MODBUS ? tag.modbusTag() : tag.opcUaTag();
  }

  private static TagValue read(PlcConnection connection, Tag tag) throws Exception {
    return connection.read(List.of(tag)).get(tag.name());
  }

  private double read(PlcConnection connection, PlantTag tag, Protocol protocol) throws Exception {
    return read(connection, tag(tag, protocol)).value();
  }

  private static void write(PlcConnection connection, Tag tag, double value) throws Exception {
    connection.write(List.of(TagWrite.of(tag, value)));
  }

  private void step(int count) {
    for (int i = 0; i < count; i++) {
      clock.advance(Duration.ofSeconds(1));
      plant.step();
    }
  }

  @Test
  void bothProtocolsShowTheSameMeasurementsStampedWithThePlantClock() throws Exception {
    start();
    PlcConnection modbus = open(Protocol.MODBUS);
    PlcConnection opcUa = open(Protocol.OPCUA);
    List<PlantTag> observations =
        layout.tags().stream().filter(t -> t.role() == PlantLayout.Role.OBSERVATION).toList();
    assertEquals(3, observations.size(), "Ca, T and Ca_setpoint");
    for (int k = 0; k < 3; k++) {
      step(1);
      Map<String, TagValue> viaModbus =
          modbus.read(observations.stream().map(PlantTag::modbusTag).toList());
      Map<String, TagValue> viaOpcUa =
          opcUa.read(observations.stream().map(PlantTag::opcUaTag).toList());
      for (PlantTag t : observations) {
        TagValue m = viaModbus.get(t.name());
        TagValue o = viaOpcUa.get(t.name());
        assertEquals(plant.value(t.name()), m.value(), t.name());
        assertEquals(m.value(), o.value(), t.name() + " is the same number on both protocols");
        assertEquals(Quality.GOOD, o.quality(), t.name());
        assertEquals(clock.instant(), o.sourceTime(), t.name() + " stamped with the plant clock");
      }
    }
    assertEquals(3, plant.steps());
  }

  @Test
  void aRemoteSetpointWrittenInRemoteModeDrivesTheProcessAsTheEnvironmentPredicts()
      throws Exception {
    start();
    PlcConnection modbus = open(Protocol.MODBUS);
    PlcConnection opcUa = open(Protocol.OPCUA);
    PlantTag remoteSp = layout.remoteSetpoint("Tc");
    PlantTag inForce = layout.setpointInForce("Tc");
    ProcessEnvironment reference = scenario.createEnvironment(true, null);
    reference.reset(SEED);
    plant.setOperatorMode(true);

    write(modbus, remoteSp.modbusTag(), 303.5);
    step(1);
    Observation expected = reference.step(new double[] {303.5}).observation();
    assertEquals(303.5, read(opcUa, inForce, Protocol.OPCUA));
    assertEquals(303.5, read(modbus, inForce, Protocol.MODBUS));

    write(opcUa, remoteSp.opcUaTag(), 296.25);
    for (int k = 0; k < 4; k++) {
      step(1);
      expected = reference.step(new double[] {296.25}).observation();
    }
    assertEquals(296.25, read(modbus, inForce, Protocol.MODBUS));
    assertEquals(296.25, read(modbus, remoteSp, Protocol.MODBUS), "mirrored to the other server");
    assertArrayEquals(reference.state(), plant.processState(), 0.0);
    for (int i = 0; i < expected.size(); i++) {
      PlantTag t = layout.observation(scenario.observationSpace().get(i).name());
      assertEquals((float) expected.value(i), read(modbus, t, Protocol.MODBUS), t.name());
      assertEquals((float) expected.value(i), read(opcUa, t, Protocol.OPCUA), t.name());
    }
  }

  @Test
  void anOutOfRangeRemoteSetpointIsRefusedOnBothProtocols() throws Exception {
    start(VirtualPlant.builder(scenario).startInRemote(true));
    PlcConnection modbus = open(Protocol.MODBUS);
    PlcConnection opcUa = open(Protocol.OPCUA);
    PlantTag remoteSp = layout.remoteSetpoint("Tc");
    write(opcUa, remoteSp.opcUaTag(), 301.0);
    step(1);

    PlcException refused =
        assertThrows(PlcException.class, () -> write(opcUa, remoteSp.opcUaTag(), 320.0));
    assertEquals(VirtualPlant.BAD_OUT_OF_RANGE, refused.code() & 0xFFFF_0000L, refused.toString());
    write(modbus, remoteSp.modbusTag(), 280.0);
    step(1);

    assertEquals(301.0, plant.setpointInForce("Tc"));
    assertEquals(301.0, read(modbus, remoteSp, Protocol.MODBUS), "the previous value stays");
    assertEquals(301.0, read(opcUa, remoteSp, Protocol.OPCUA));
    assertEquals(301.0, read(modbus, layout.setpointInForce("Tc"), Protocol.MODBUS));
    assertEquals(2, plant.rejectedWrites(remoteSp.name()), "one refusal per protocol");
    assertEquals(3, plant.writeCount(remoteSp.name()), "received: two on OPC UA, one on Modbus");
  }

  @Test
  void localModeIgnoresRemoteWritesAndUsesTheOperatorsSetpoint() throws Exception {
    start();
    PlcConnection modbus = open(Protocol.MODBUS);
    PlcConnection opcUa = open(Protocol.OPCUA);
    PlantTag inForce = layout.setpointInForce("Tc");
    assertFalse(plant.isRemote(), "a plant starts with the operator in charge");

    write(modbus, layout.remoteSetpoint("Tc").modbusTag(), 305.0);
    plant.setOperatorSetpoint("Tc", 298.0);
    step(1);
    assertEquals(298.0, read(modbus, inForce, Protocol.MODBUS));
    TagValue overridden = read(opcUa, inForce.opcUaTag());
    assertEquals(298.0, overridden.value());
    assertTrue(overridden.isLocalOverride(), "the setpoint in force is the operator's");
    assertEquals(298.0, read(opcUa, layout.remoteSetpoint("Tc"), Protocol.OPCUA), "tracking");

    write(opcUa, layout.localSetpoint("Tc").opcUaTag(), 299.5);
    write(opcUa, layout.remoteSetpoint("Tc").opcUaTag(), 304.0);
    step(1);
    assertEquals(299.5, read(modbus, inForce, Protocol.MODBUS), "an HMI write of LocalSP");
    assertEquals(0.0, read(modbus, layout.operatorMode(), Protocol.MODBUS));

    // The operator hands over: bumpless, the remote setpoint starts where local left off.
    write(modbus, layout.operatorMode().modbusTag(), 1);
    step(1);
    assertTrue(plant.isRemote());
    assertEquals(299.5, read(opcUa, inForce, Protocol.OPCUA));
    assertEquals(1.0, read(opcUa, layout.operatorMode(), Protocol.OPCUA));
    assertFalse(read(opcUa, inForce.opcUaTag()).isLocalOverride());
  }

  @Test
  void theWatchdogShedsToLocalBumplesslyWhenTheHeartbeatStopsAndNotWhileItChanges()
      throws Exception {
    start(VirtualPlant.builder(scenario).startInRemote(true));
    PlcConnection modbus = open(Protocol.MODBUS);
    PlcConnection opcUa = open(Protocol.OPCUA);
    write(modbus, layout.remoteSetpoint("Tc").modbusTag(), 302.75);
    Tag heartbeat = layout.agentHeartbeat().opcUaTag();
    for (int beat = 1; beat <= 5; beat++) {
      write(opcUa, heartbeat, beat);
      clock.advance(WATCHDOG.minusSeconds(4)); // 6 s between beats, 30 s in all
      plant.step();
      assertTrue(plant.isRemote(), "a changing heartbeat keeps the loop in remote");
    }
    write(opcUa, heartbeat, 5); // written, but not changed
    clock.advance(WATCHDOG.minusSeconds(4));
    plant.step();
    assertTrue(plant.isRemote());
    assertEquals(0, plant.watchdogSheds());

    clock.advance(WATCHDOG.minusSeconds(4)); // 12 s since the last change
    plant.step();
    assertFalse(plant.isRemote());
    assertEquals(1, plant.watchdogSheds());
    for (Protocol p : Protocol.values()) {
      PlcConnection c = p == Protocol.MODBUS ? modbus : opcUa;
      assertEquals(0.0, read(c, layout.operatorMode(), p), p + " mode");
      assertEquals(302.75, read(c, layout.localSetpoint("Tc"), p), p + " local setpoint");
      assertEquals(302.75, read(c, layout.setpointInForce("Tc"), p), p + " setpoint in force");
    }
  }

  @Test
  void writeCountersCountEveryWriteFromBothServers() throws Exception {
    start();
    PlcConnection modbus = open(Protocol.MODBUS);
    PlcConnection opcUa = open(Protocol.OPCUA);
    PlantTag heartbeat = layout.agentHeartbeat();
    write(modbus, heartbeat.modbusTag(), 1);
    write(modbus, heartbeat.modbusTag(), 2);
    for (int beat = 3; beat <= 5; beat++) {
      write(opcUa, heartbeat.opcUaTag(), beat);
    }
    PlantTag temperature = layout.observation("T");
    Tag writableByMistake =
        new Tag(
            "T.PV",
            "K",
            temperature.opcUaAddress(),
            temperature.opcUaType(),
            Scaling.IDENTITY,
            false);
    PlcException refused =
        assertThrows(PlcException.class, () -> write(opcUa, writableByMistake, 330.0));
    // The node is read-only (AccessLevel CurrentRead): the server refuses before the plant sees it.
    assertEquals(0x801F_0000L, refused.code() & 0xFFFF_0000L, "Bad_UserAccessDenied");
    assertTrue(refused.refused(), refused.toString());
    step(1);

    assertEquals(2, plant.writeCount(heartbeat.name(), Protocol.MODBUS));
    assertEquals(3, plant.writeCount(heartbeat.name(), Protocol.OPCUA));
    assertEquals(5, plant.writeCount(heartbeat.name()));
    assertEquals(5.0, plant.value(heartbeat.name()));
    assertEquals(5.0, read(modbus, heartbeat, Protocol.MODBUS), "mirrored to Modbus");
    assertEquals(0, plant.writeCount(temperature.name()));
    assertEquals(0, plant.rejectedWrites(temperature.name()));
    assertEquals(0, plant.writeCount(layout.remoteSetpoint("Tc").name()));
  }

  @Test
  void advisoryTagsKeepWhatTheAgentWroteAndMirrorNumbersToTheOtherProtocol() throws Exception {
    start();
    PlcConnection modbus = open(Protocol.MODBUS);
    PlcConnection opcUa = open(Protocol.OPCUA);
    write(modbus, layout.advisoryReason().modbusTag(), 1);
    opcUa.write(List.of(TagWrite.text(layout.advisoryReason().opcUaTag(), "repaired: T_high")));
    write(opcUa, layout.recommendedSetpoint("Tc").opcUaTag(), 301.5);
    write(opcUa, layout.advisoryTimestamp().opcUaTag(), 1_780_000_000L);
    step(2);

    assertEquals(1.0, plant.value("Advisory.Reason"), "the verdict code from Modbus");
    assertEquals("repaired: T_high", plant.advisoryReasonText(), "the text from OPC UA");
    assertEquals(1.0, read(modbus, layout.advisoryReason(), Protocol.MODBUS));
    assertEquals(301.5, read(modbus, layout.recommendedSetpoint("Tc"), Protocol.MODBUS));
    assertEquals(1.78e9, read(modbus, layout.advisoryTimestamp(), Protocol.MODBUS));
    assertEquals(300.0, plant.setpointInForce("Tc"), "advice moves nothing");
  }

  @Test
  void sensorFaultsShowAsSpecifiedOnEachProtocol() throws Exception {
    start();
    PlcConnection modbus = open(Protocol.MODBUS);
    PlcConnection opcUa = open(Protocol.OPCUA);
    PlantTag temperature = layout.observation("T");
    PlantTag concentration = layout.observation("Ca");
    step(1);

    plant.sensorFault("T", SensorFault.BAD);
    plant.sensorFault("Ca", SensorFault.NAN);
    assertEquals(Quality.BAD, read(opcUa, temperature.opcUaTag()).quality());
    assertTrue(Double.isNaN(read(modbus, temperature, Protocol.MODBUS)), "Modbus shows NaN");
    TagValue nan = read(opcUa, concentration.opcUaTag());
    assertTrue(Double.isNaN(nan.value()));
    assertEquals(Quality.GOOD, nan.quality(), "a transmitter reporting NaN, status Good");
    assertTrue(Double.isNaN(read(modbus, concentration, Protocol.MODBUS)));

    plant.clearFaults();
    step(1);
    double stuck = read(modbus, temperature, Protocol.MODBUS);
    Instant before = read(opcUa, concentration.opcUaTag()).sourceTime();
    double lastConcentration = read(opcUa, concentration, Protocol.OPCUA);
    plant.sensorFault("T", SensorFault.FROZEN);
    plant.sensorFault("Ca", SensorFault.STALE);
    step(3);
    TagValue frozen = read(opcUa, temperature.opcUaTag());
    assertEquals(stuck, frozen.value(), "a frozen value stops changing");
    assertEquals(stuck, read(modbus, temperature, Protocol.MODBUS));
    assertEquals(clock.instant(), frozen.sourceTime(), "while its timestamps advance");
    TagValue stale = read(opcUa, concentration.opcUaTag());
    assertEquals(lastConcentration, stale.value());
    assertEquals(before, stale.sourceTime(), "a stale value's timestamp stops");
    assertEquals(lastConcentration, read(modbus, concentration, Protocol.MODBUS));

    plant.clearFaults();
    step(1);
    assertNotEquals(stuck, read(modbus, temperature, Protocol.MODBUS), "noise moves it again");
    assertEquals(clock.instant(), read(opcUa, concentration.opcUaTag()).sourceTime());
  }

  @Test
  void serversStopAndRestartOnTheSamePortsAndAConnectionRecovers() throws Exception {
    start(VirtualPlant.builder(scenario).startInRemote(true));
    int modbusPort = plant.modbusPort();
    int opcUaPort = plant.opcUaPort();
    PlcConnection modbus = open(Protocol.MODBUS);
    PlcConnection opcUa = open(Protocol.OPCUA);
    write(modbus, layout.remoteSetpoint("Tc").modbusTag(), 304.0);
    write(modbus, layout.agentHeartbeat().modbusTag(), 9);
    step(1);

    plant.stopServers();
    assertFalse(plant.serversRunning());
    PlcException lost =
        assertThrows(PlcException.class, () -> read(modbus, layout.observation("T").modbusTag()));
    assertEquals(PlcException.Reason.CONNECTION, lost.reason(), lost.toString());
    step(2); // the process runs on without its servers

    plant.restartServers();
    assertEquals(modbusPort, plant.modbusPort());
    assertEquals(opcUaPort, plant.opcUaPort());
    for (Protocol p : Protocol.values()) {
      PlcConnection c = p == Protocol.MODBUS ? modbus : opcUa;
      Tag temperature = tag(layout.observation("T"), p);
      Await.until(
          p + " connection to come back",
          Duration.ofSeconds(20),
          () -> readsOrNull(c, temperature) != null);
      assertEquals(plant.value("T.PV"), read(c, temperature).value(), p.label());
      assertEquals(304.0, read(c, layout.setpointInForce("Tc"), p), p.label());
    }
    assertEquals(1, plant.writeCount(layout.agentHeartbeat().name()), "kept across restarts");
  }

  private static TagValue readsOrNull(PlcConnection connection, Tag tag) {
    try {
      TagValue value = read(connection, tag);
      return value.quality() == Quality.GOOD ? value : null;
    } catch (PlcException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theFaultProxyDelaysBeyondTheClientTimeoutAndPassesTrafficWhenCleared() throws Exception {
    start();
    step(1);
    for (Protocol p : Protocol.values()) {
      FaultProxy proxy = FaultProxy.start(plant.port(p));
      resources.add(proxy);
      PlcConnection client =
          open(
              new PlcConnectionConfig(
                  FaultProxy.HOST,
                  proxy.port(),
                  Duration.ofSeconds(2),
                  Duration.ofMillis(300),
                  p == Protocol.MODBUS
                      ? ModbusOptions.forUnit(VirtualPlant.MODBUS_UNIT_ID)
                      : OpcUaOptions.insecure("/safeloop")));
      Tag temperature = tag(layout.observation("T"), p);
      assertEquals(plant.value("T.PV"), read(client, temperature).value(), p.label());

      proxy.setDelay(Duration.ofSeconds(4));
      PlcException late = assertThrows(PlcException.class, () -> read(client, temperature));
      assertEquals(PlcException.Reason.TIMEOUT, late.reason(), p + ": " + late);

      proxy.clearFaults();
      Await.until(
          p + " reads through the proxy again",
          Duration.ofSeconds(30),
          () -> readsOrNull(client, temperature) != null);
      assertEquals(plant.value("T.PV"), read(client, temperature).value(), p.label());
      assertTrue(proxy.forwardedBytes() > 0);
    }
  }

  @Test
  void aBlackholedOrDroppedConnectionThroughTheFaultProxyRecovers() throws Exception {
    start(VirtualPlant.builder(scenario).protocols(Protocol.MODBUS));
    FaultProxy proxy = FaultProxy.start(plant.modbusPort());
    resources.add(proxy);
    PlcConnection client =
        open(
            new PlcConnectionConfig(
                FaultProxy.HOST,
                proxy.port(),
                Duration.ofSeconds(1),
                Duration.ofMillis(300),
                ModbusOptions.forUnit(VirtualPlant.MODBUS_UNIT_ID)));
    Tag temperature = layout.observation("T").modbusTag();
    assertEquals(Quality.GOOD, read(client, temperature).quality());

    proxy.setBlackhole(true);
    PlcException silent = assertThrows(PlcException.class, () -> read(client, temperature));
    assertEquals(PlcException.Reason.TIMEOUT, silent.reason(), silent.toString());
    proxy.clearFaults();
    Await.until(
        "reads after the blackhole",
        Duration.ofSeconds(10),
        () -> readsOrNull(client, temperature) != null);

    long before = proxy.connectionCount();
    proxy.dropConnections();
    Await.until(
        "a new connection through the proxy",
        Duration.ofSeconds(10),
        () -> readsOrNull(client, temperature) != null);
    assertTrue(proxy.connectionCount() > before, "the client reconnected");
    assertThrows(IllegalStateException.class, plant::opcUaPort, "OPC UA is not served");
  }

  @Test
  void aPlantRunningInAcceleratedTimeStepsByItself() throws Exception {
    VirtualPlant running =
        VirtualPlant.builder(scenario)
            .protocols(Protocol.MODBUS)
            .speed(2600) // a 26 s control interval every 10 ms
            .start();
    resources.add(running);
    PlcConnection modbus = open(running.connectionConfig(Protocol.MODBUS));
    Tag temperature = running.layout().observation("T").modbusTag();
    double first = read(modbus, temperature).value();
    Await.until("20 steps in real time", Duration.ofSeconds(10), () -> running.steps() >= 20);
    assertNotEquals(first, read(modbus, temperature).value());
    assertEquals(Duration.ofMillis(10), running.stepPeriod());
    assertThrows(IllegalStateException.class, running::step);
  }

  @Test
  void aRealTimePlantPutsAWrittenSetpointInForceWithinAScanNotAControlInterval() throws Exception {
    VirtualPlant realTime =
        VirtualPlant.builder(scenario)
            .protocols(Protocol.MODBUS)
            .startInRemote(true)
            .watchdogTimeout(Duration.ofMinutes(5))
            .start(); // speed 1: the next control interval is 26 s away
    resources.add(realTime);
    PlcConnection modbus = open(realTime.connectionConfig(Protocol.MODBUS));
    PlantLayout plantLayout = realTime.layout();
    write(modbus, plantLayout.remoteSetpoint("Tc").modbusTag(), 302.0);
    Await.until(
        "the setpoint in force to follow",
        Duration.ofSeconds(5),
        () -> realTime.setpointInForce("Tc") == 302.0);
    assertEquals(302.0, read(modbus, plantLayout.setpointInForce("Tc").modbusTag()).value());
    assertEquals(0, realTime.steps(), "no control interval has passed");
  }

  @Test
  void aPlantWhoseTruthHasAFouledJacketSettlesHotterThanTheModelUnderTheSameJacket()
      throws Exception {
    Map<String, Double> fouled = Map.of("UA", 42_500.0); // the model's 50000 J/(min K), 15 % low
    VirtualPlant model = startModbusOnly(VirtualPlant.builder(scenario));
    VirtualPlant truth = startModbusOnly(VirtualPlant.builder(scenario).truth(fouled));

    double[] settled = new double[2];
    VirtualPlant[] plants = {model, truth};
    for (int p = 0; p < 2; p++) {
      PlcConnection modbus = open(plants[p].connectionConfig(Protocol.MODBUS));
      PlantLayout tags = plants[p].layout();
      write(modbus, tags.localSetpoint("Tc").modbusTag(), JACKET);
      for (int k = 0; k < SETTLING_STEPS; k++) {
        clock.advance(Duration.ofSeconds(1));
        plants[p].step();
        if (k == SETTLING_STEPS - 11) {
          settled[p] = read(modbus, tags.observation("T").modbusTag()).value();
        }
      }
      double last = read(modbus, tags.observation("T").modbusTag()).value();
      assertEquals(settled[p], last, 0.01, "settled: the last 10 steps move T by less than 0.01 K");
      settled[p] = last;
      assertEquals(JACKET, read(modbus, tags.setpointInForce("Tc").modbusTag()).value());
    }

    assertEquals((float) settledTemperature(scenario), settled[0], "the model's steady state");
    assertEquals(
        (float) settledTemperature(scenario.withParameters(fouled)),
        settled[1],
        "the truth's steady state");
    assertTrue(
        settled[1] - settled[0] > 3.0,
        "less heat removed, a hotter reactor: " + settled[0] + " K against " + settled[1] + " K");
    assertEquals("", model.truthDifference());
    assertEquals(
        "truth differs from the model: UA 42500 (nominal 50000, -15.0 %)", truth.truthDifference());
    assertArrayEquals(
        model.scenario().nominalParameters(),
        truth.scenario().nominalParameters(),
        "what a deployment is told is the model's");
    String truthFile = truth.plantFile(Protocol.MODBUS);
    assertTrue(truthFile.contains(truth.truthDifference()), truthFile);
    assertEquals(
        model.plantFile(Protocol.MODBUS).replace("port: " + model.modbusPort() + "\n", ""),
        withoutComment(truthFile).replace("port: " + truth.modbusPort() + "\n", ""),
        "the same plant file but for the port and the comment");
  }

  @Test
  void aTruthWithAnUnknownParameterOrAnImpossibleValueIsRefusedAtOnce() {
    VirtualPlantBuilder builder = VirtualPlant.builder(scenario);
    IllegalArgumentException unknown =
        assertThrows(IllegalArgumentException.class, () -> builder.truth(Map.of("U", 1.0)));
    assertTrue(unknown.getMessage().startsWith("truth: "), unknown.getMessage());
    assertTrue(unknown.getMessage().contains("no parameter 'U'"), unknown.getMessage());
    assertTrue(unknown.getMessage().contains("UA"), "lists the known ones: " + unknown);
    IllegalArgumentException impossible =
        assertThrows(IllegalArgumentException.class, () -> builder.truth(Map.of("UA", -1.0)));
    assertTrue(impossible.getMessage().contains("UA must be at least 0"), impossible.getMessage());
  }

  /**
   * K: both reactors settle on the lower branch (about 318 and 323 K); at 301 K the fouled runs
   * away.
   */
  private static final double JACKET = 295.0;

  private static final int SETTLING_STEPS = 200;

  private VirtualPlant startModbusOnly(VirtualPlantBuilder builder) throws Exception {
    VirtualPlant started =
        builder.realism(false).protocols(Protocol.MODBUS).manualStepping().clock(clock).start();
    resources.add(started);
    return started;
  }

  /** The reactor temperature after the settling steps with the jacket held, no realism. */
  private static double settledTemperature(Scenario s) {
    ProcessEnvironment environment =
        s.withEpisodeSteps(SETTLING_STEPS).createEnvironment(false, null);
    environment.reset(0);
    Observation last = null;
    for (int k = 0; k < SETTLING_STEPS; k++) {
      last = environment.step(new double[] {JACKET}).observation();
    }
    return last.value(s.observationSpace().indexOf("T"));
  }

  /** The plant file without its mismatch comment. */
  private static String withoutComment(String plantFile) {
    return plantFile.replaceAll("(?m)^# (Mismatched on purpose|behind them is not).*\n", "");
  }
}
