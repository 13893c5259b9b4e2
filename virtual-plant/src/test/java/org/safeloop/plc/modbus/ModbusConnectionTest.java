package org.safeloop.plc.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.safeloop.env.Quality;
import org.safeloop.plc.Await;
import org.safeloop.plc.DataType;
import org.safeloop.plc.MutableClock;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.PlcConnections;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.PlcSubscription;
import org.safeloop.plc.Scaling;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagValue;
import org.safeloop.plc.TagWrite;
import org.safeloop.plc.virtualplant.modbus.PlantModbusSlave;

/** Modbus connection against a real {@link PlantModbusSlave} on an ephemeral loopback port. */
class ModbusConnectionTest {

  private PlantModbusSlave slave;
  private PlcConnection connection;

  @BeforeEach
  void startSlave() throws Exception {
    slave = PlantModbusSlave.start(0);
    connection = PlcConnections.open(config(slave.port(), ModbusOptions.forUnit(1)));
  }

  @AfterEach
  void stop() {
    if (connection != null) {
      connection.close();
    }
    if (slave != null) {
      slave.close();
    }
  }

  private static PlcConnectionConfig config(int port, ModbusOptions options) {
    return new PlcConnectionConfig(
        "127.0.0.1", port, Duration.ofMillis(500), Duration.ofMillis(500), options);
  }

  private static double valueOf(Map<String, TagValue> values, String tag) {
    return values.get(tag).value();
  }

  @ParameterizedTest
  @EnumSource(WordOrder.class)
  void everyRegisterTypeRoundTripsInEveryWordOrder(WordOrder order) throws Exception {
    record Case(DataType type, double value) {}
    List<Case> cases =
        List.of(
            new Case(DataType.INT16, -12345),
            new Case(DataType.UINT16, 54321),
            new Case(DataType.INT32, -1_234_567_890),
            new Case(DataType.UINT32, 3_000_000_000.0),
            new Case(DataType.FLOAT32, 325.25),
            new Case(DataType.FLOAT64, -0.123456789012345));
    int offset = 10;
    for (Case c : cases) {
      ModbusAddress address = ModbusAddress.holding(offset).withWordOrder(order);
      Tag tag = Tag.of("T." + c.type(), "", address, c.type());
      connection.write(List.of(TagWrite.of(tag, c.value())));
      assertEquals(c.value(), slave.value(address, c.type()), "slave sees " + c.type());
      assertEquals(c.value(), valueOf(connection.read(List.of(tag)), tag.name()), c.type() + "");
      offset += 4;
    }
  }

  @Test
  void inputRegistersAndDiscreteInputsSetByThePlantAreRead() throws Exception {
    ModbusAddress level = ModbusAddress.input(3).withWordOrder(WordOrder.CDAB);
    slave.setValue(level, DataType.FLOAT32, 0.42);
    slave.setValue(ModbusAddress.discreteInput(5), DataType.BOOLEAN, 1);
    Tag levelTag = Tag.of("LT101.PV", "m", level, DataType.FLOAT32).asReadOnly();
    Tag highTag = Tag.of("LSH101", "", ModbusAddress.discreteInput(5), DataType.BOOLEAN);
    Tag lowTag = Tag.of("LSL101", "", ModbusAddress.discreteInput(6), DataType.BOOLEAN);

    Map<String, TagValue> values = connection.read(List.of(levelTag, highTag, lowTag));

    assertEquals(0.42f, (float) valueOf(values, "LT101.PV"));
    assertEquals(1.0, valueOf(values, "LSH101"));
    assertEquals(0.0, valueOf(values, "LSL101"));
    assertEquals(Quality.GOOD, values.get("LT101.PV").quality());
    assertEquals(List.of("LT101.PV", "LSH101", "LSL101"), List.copyOf(values.keySet()));
  }

  @Test
  void coilsAreWrittenAndReadBack() throws Exception {
    Tag pump = Tag.of("P101.Run", "", ModbusAddress.coil(0), DataType.BOOLEAN);
    Tag valve = Tag.of("XV102.Open", "", ModbusAddress.coil(1), DataType.BOOLEAN);
    Tag alone = Tag.of("XV103.Open", "", ModbusAddress.coil(9), DataType.BOOLEAN);

    connection.write(List.of(TagWrite.of(pump, true), TagWrite.of(valve, false)));
    connection.write(List.of(TagWrite.of(alone, true)));

    assertEquals(1, slave.word(ModbusTable.COIL, 0));
    assertEquals(0, slave.word(ModbusTable.COIL, 1));
    assertEquals(1, slave.word(ModbusTable.COIL, 9));
    assertEquals(1, slave.writeCount(ModbusTable.COIL, 1));
    Map<String, TagValue> values = connection.read(List.of(pump, valve, alone));
    assertEquals(1.0, valueOf(values, "P101.Run"));
    assertEquals(0.0, valueOf(values, "XV102.Open"));
    assertEquals(1.0, valueOf(values, "XV103.Open"));
  }

  @Test
  void scalingConvertsRawCountsToEngineeringUnitsBothWays() throws Exception {
    // A Siemens-style analog value: raw 0..27648 is 0..150 degC.
    Tag temperature =
        Tag.of("TIC101.SP", "degC", ModbusAddress.holding(0), DataType.INT16)
            .withScaling(Scaling.ofRange(0, 27648, 0, 150));

    connection.write(List.of(TagWrite.of(temperature, 75.0)));
    assertEquals(13824, slave.word(ModbusTable.HOLDING_REGISTER, 0));

    connection.write(List.of(TagWrite.of(temperature, 100.002))); // 18432.37 counts
    assertEquals(18432, slave.word(ModbusTable.HOLDING_REGISTER, 0), "rounded to a count");

    slave.setWord(ModbusTable.HOLDING_REGISTER, 0, 27648);
    assertEquals(150.0, valueOf(connection.read(List.of(temperature)), "TIC101.SP"), 1e-9);

    Tag flow =
        Tag.of("FIC7.SP", "m3/h", ModbusAddress.holding(1), DataType.UINT16)
            .withScaling(new Scaling(0.1, -10));
    connection.write(List.of(TagWrite.of(flow, 20.0)));
    assertEquals(300, slave.word(ModbusTable.HOLDING_REGISTER, 1));
    assertEquals(20.0, valueOf(connection.read(List.of(flow)), "FIC7.SP"), 1e-9);
  }

  @Test
  void aScaledWriteThatDoesNotFitTheRawTypeIsRefusedBeforeAnythingIsSent() throws Exception {
    Tag temperature =
        Tag.of("TIC101.SP", "degC", ModbusAddress.holding(0), DataType.INT16)
            .withScaling(Scaling.ofRange(0, 27648, 0, 150));
    long before = slave.requestCount();

    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class,
            () -> connection.write(List.of(TagWrite.of(temperature, 200.0))));

    assertTrue(error.getMessage().contains("TIC101.SP"), error.getMessage());
    assertTrue(error.getMessage().contains("INT16"), error.getMessage());
    assertEquals(before, slave.requestCount(), "nothing was sent");
    assertThrows(
        IllegalArgumentException.class,
        () -> connection.write(List.of(TagWrite.of(temperature, Double.NaN))));
  }

  @Test
  void modiconAddressesReachTheSameRegistersAsPduOffsets() throws Exception {
    Tag setpoint = Tag.of("SP", "", ModbusAddress.parse("40001"), DataType.UINT16);
    Tag measured = Tag.of("PV", "", ModbusAddress.parse("30002"), DataType.INT16);
    slave.setWord(ModbusTable.INPUT_REGISTER, 1, 0xFFFF);

    connection.write(List.of(TagWrite.of(setpoint, 1234)));

    assertEquals(1234, slave.word(ModbusTable.HOLDING_REGISTER, 0));
    assertEquals(-1.0, valueOf(connection.read(List.of(measured)), "PV"));
  }

  @Test
  void aFloat32TravelsInOneRequestEachWay() throws Exception {
    Tag tag = Tag.of("TT1", "K", ModbusAddress.holding(20), DataType.FLOAT32);
    long before = slave.requestCount();

    connection.write(List.of(TagWrite.of(tag, 330.5)));
    assertEquals(before + 1, slave.requestCount(), "one write request");
    assertEquals(1, slave.writeCount(ModbusTable.HOLDING_REGISTER, 20));
    assertEquals(1, slave.writeCount(ModbusTable.HOLDING_REGISTER, 21));

    connection.read(List.of(tag));
    assertEquals(before + 2, slave.requestCount(), "one read request");
  }

  @Test
  void contiguousRegistersOfOneTableShareOneRequest() throws Exception {
    Tag first = Tag.of("A", "", ModbusAddress.holding(30), DataType.FLOAT32);
    Tag second = Tag.of("B", "", ModbusAddress.holding(32), DataType.INT16);
    Tag third = Tag.of("C", "", ModbusAddress.holding(33), DataType.UINT32);
    Tag elsewhere = Tag.of("D", "", ModbusAddress.holding(60), DataType.INT16);
    long before = slave.requestCount();

    connection.write(
        List.of(TagWrite.of(first, 1.5), TagWrite.of(second, -2), TagWrite.of(third, 7)));
    assertEquals(before + 1, slave.requestCount(), "one write for the contiguous block");

    Map<String, TagValue> values = connection.read(List.of(third, elsewhere, first, second));
    assertEquals(before + 3, slave.requestCount(), "one read for the block, one for D");
    assertEquals(1.5, valueOf(values, "A"));
    assertEquals(-2.0, valueOf(values, "B"));
    assertEquals(7.0, valueOf(values, "C"));
  }

  @Test
  void anIllegalAddressNamesTheTagAndTheModbusExceptionCode() {
    Tag beyond = Tag.of("FT999.PV", "m3/h", ModbusAddress.holding(5000), DataType.FLOAT32);

    PlcException error = assertThrows(PlcException.class, () -> connection.read(List.of(beyond)));

    assertEquals(PlcException.Reason.DEVICE_REJECTED, error.reason());
    assertEquals(2, error.code());
    assertTrue(error.getMessage().contains("FT999.PV"), error.getMessage());
    assertTrue(error.getMessage().contains("illegal data address"), error.getMessage());
    PlcException onWrite =
        assertThrows(PlcException.class, () -> connection.write(List.of(TagWrite.of(beyond, 1.0))));
    assertEquals(2, onWrite.code());
    assertTrue(connection.isConnected(), "an exception response keeps the connection");
  }

  @Test
  void aWriteToAnAddressTheSlaveDoesNotHaveIsARefusalNotACommunicationFailure() throws Exception {
    Tag beyond = Tag.of("FIC999.SP", "m3/h", ModbusAddress.holding(5000), DataType.FLOAT32);

    PlcException refused =
        assertThrows(PlcException.class, () -> connection.write(List.of(TagWrite.of(beyond, 1.0))));

    assertTrue(refused.refused(), refused.toString());
    assertEquals(PlcException.Reason.DEVICE_REJECTED, refused.reason());
    assertEquals(2, refused.code(), "illegal data address");
    assertTrue(refused.getMessage().contains("FIC999.SP"), refused.getMessage());
    assertTrue(refused.toString().contains("refused"), refused.toString());
    assertTrue(connection.isConnected(), "the link is fine");
    PlcException onRead = assertThrows(PlcException.class, () -> connection.read(List.of(beyond)));
    assertFalse(onRead.refused(), "only writes are classified as refused: " + onRead);
  }

  @Test
  void aWriteTheSlaveCannotReachOrThatFindsNoSlaveIsACommunicationFailure() throws Exception {
    Tag setpoint = Tag.of("TIC101.SP", "K", ModbusAddress.holding(0), DataType.INT16);
    try (PlcConnection viaGateway =
        PlcConnections.open(config(slave.port(), ModbusOptions.forUnit(7)))) {
      PlcException gateway =
          assertThrows(
              PlcException.class, () -> viaGateway.write(List.of(TagWrite.of(setpoint, 1))));
      assertEquals(11, gateway.code(), "gateway target device failed to respond");
      assertFalse(gateway.refused(), gateway.toString());
    }

    slave.close();
    PlcException lost =
        assertThrows(PlcException.class, () -> connection.write(List.of(TagWrite.of(setpoint, 1))));

    assertEquals(PlcException.Reason.CONNECTION, lost.reason(), lost.toString());
    assertFalse(lost.refused(), lost.toString());
  }

  @Test
  void illegalFunctionAddressValueAndDeviceFailureRefuseAWriteButBusyAndGatewayCodesDoNot() {
    for (int code : new int[] {1, 2, 3, 4}) {
      assertTrue(ModbusConnection.refusesWrite(code), "exception " + code);
    }
    for (int code : new int[] {5, 6, 8, 10, 11}) {
      assertFalse(ModbusConnection.refusesWrite(code), "exception " + code);
    }
  }

  @Test
  void textForARegisterIsATypeMismatchNamingTheTag() {
    Tag setpoint = Tag.of("TIC101.SP", "K", ModbusAddress.holding(0), DataType.FLOAT32);

    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class,
            () -> connection.write(List.of(TagWrite.text(setpoint, "hot"))));

    assertTrue(error.getMessage().contains("type mismatch"), error.getMessage());
    assertTrue(error.getMessage().contains("TIC101.SP"), error.getMessage());
  }

  @Test
  void readOnlyTagsAndInputTablesAreNeverWritten() {
    Tag measured = Tag.of("PV", "", ModbusAddress.input(0), DataType.INT16);
    Tag guarded = Tag.of("SP", "", ModbusAddress.holding(0), DataType.INT16).asReadOnly();

    assertThrows(
        IllegalArgumentException.class, () -> connection.write(List.of(TagWrite.of(measured, 1))));
    assertThrows(
        IllegalArgumentException.class, () -> connection.write(List.of(TagWrite.of(guarded, 1))));
    assertEquals(0, slave.requestCount());
  }

  @Test
  void theAsyncTwinFailsItsFutureInsteadOfThrowing() {
    Tag setpoint = Tag.of("SP", "", ModbusAddress.holding(0), DataType.INT16);
    CompletableFuture<Void> future = connection.writeAsync(List.of(TagWrite.text(setpoint, "x")));
    ExecutionException error = assertThrows(ExecutionException.class, future::get);
    assertInstanceOf(IllegalArgumentException.class, error.getCause());
  }

  @Test
  void requestsCarryTheConfiguredUnitId() throws Exception {
    Tag tag = Tag.of("SP", "", ModbusAddress.holding(0), DataType.INT16);
    try (PlcConnection other =
        PlcConnections.open(config(slave.port(), ModbusOptions.forUnit(7)))) {
      PlcException error = assertThrows(PlcException.class, () -> other.read(List.of(tag)));
      assertEquals(11, error.code(), "the slave only answers unit 1");
    }
  }

  @Test
  void aLostConnectionComesBackWhenTheSlaveRestarts() throws Exception {
    Tag tag = Tag.of("SP", "", ModbusAddress.holding(0), DataType.INT16);
    slave.setWord(ModbusTable.HOLDING_REGISTER, 0, 42);
    assertEquals(42.0, valueOf(connection.read(List.of(tag)), "SP"));
    int port = slave.port();

    slave.close();
    PlcException lost = assertThrows(PlcException.class, () -> connection.read(List.of(tag)));
    assertEquals(PlcException.Reason.CONNECTION, lost.reason());

    slave = PlantModbusSlave.start(port);
    slave.setWord(ModbusTable.HOLDING_REGISTER, 0, 43);
    Await.until(
        "the connection to come back",
        Duration.ofSeconds(10),
        () -> {
          try {
            return valueOf(connection.read(List.of(tag)), "SP") == 43.0;
          } catch (PlcException e) {
            return false;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        });
    assertTrue(connection.isConnected());
  }

  @Test
  void aConnectionTheDeviceClosedWhileIdleIsReopenedOnceWithinTheCall() throws Exception {
    Tag tag = Tag.of("SP", "", ModbusAddress.holding(0), DataType.INT16);
    slave.setWord(ModbusTable.HOLDING_REGISTER, 0, 42);
    assertEquals(42.0, valueOf(connection.read(List.of(tag)), "SP"));
    assertEquals(1, slave.connectionCount());

    // The device drops idle connections (as j2mod's slave does after 3 s): the next read and
    // the next write each go through on a fresh connection instead of failing the cycle.
    slave.closeClientConnections();
    assertEquals(42.0, valueOf(connection.read(List.of(tag)), "SP"));
    slave.closeClientConnections();
    connection.write(List.of(TagWrite.of(tag, 43.0)));
    assertEquals(43, slave.word(ModbusTable.HOLDING_REGISTER, 0));
    assertEquals(1, slave.writeCount(ModbusTable.HOLDING_REGISTER, 0), "written exactly once");
    assertEquals(3, slave.connectionCount());
    assertEquals(2, ((ModbusConnection) connection).staleReconnects());

    // A device that is gone is still a failure: the one fresh attempt is refused.
    slave.close();
    PlcException lost = assertThrows(PlcException.class, () -> connection.read(List.of(tag)));
    assertEquals(PlcException.Reason.CONNECTION, lost.reason());
    assertEquals(3, ((ModbusConnection) connection).staleReconnects());
  }

  @Test
  void reconnectAttemptsBackOffOnTheInjectedClock() throws Exception {
    int port = slave.port();
    slave.close();
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    ModbusOptions options =
        ModbusOptions.forUnit(1).withReconnectDelays(Duration.ofSeconds(1), Duration.ofSeconds(4));
    Tag tag = Tag.of("SP", "", ModbusAddress.holding(0), DataType.INT16);
    try (ModbusConnection backingOff = new ModbusConnection(config(port, options), clock)) {
      PlcException first = assertThrows(PlcException.class, () -> backingOff.read(List.of(tag)));
      assertTrue(first.getMessage().contains("cannot connect"), first.getMessage());

      slave = PlantModbusSlave.start(port);
      PlcException waiting = assertThrows(PlcException.class, () -> backingOff.read(List.of(tag)));
      assertTrue(waiting.getMessage().contains("next attempt in 1000 ms"), waiting.getMessage());
      assertEquals(0, slave.connectionCount(), "no attempt before the delay has passed");

      clock.advance(Duration.ofSeconds(1));
      assertEquals(0.0, valueOf(backingOff.read(List.of(tag)), "SP"));
      assertEquals(1, slave.connectionCount());
    }
  }

  @Test
  void aSilentDeviceTimesOutWithinTheCallTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        PlcConnection mute =
            PlcConnections.open(config(silent.getLocalPort(), ModbusOptions.forUnit(1)))) {
      Tag tag = Tag.of("SP", "", ModbusAddress.holding(0), DataType.INT16);
      long start = System.nanoTime();
      PlcException error = assertThrows(PlcException.class, () -> mute.read(List.of(tag)));
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals(PlcException.Reason.TIMEOUT, error.reason(), error.toString());
      assertTrue(elapsedMillis < 2000, "bounded by the call timeout: " + elapsedMillis + " ms");
    }
  }

  @Test
  void anInterruptEndsABlockingCallAndIsNotSwallowed() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        PlcConnection mute =
            PlcConnections.open(
                new PlcConnectionConfig(
                    "127.0.0.1",
                    silent.getLocalPort(),
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(5),
                    ModbusOptions.forUnit(1)))) {
      Tag tag = Tag.of("SP", "", ModbusAddress.holding(0), DataType.INT16);
      Thread.currentThread().interrupt();
      assertThrows(InterruptedException.class, () -> mute.read(List.of(tag)));
      assertTrue(!Thread.interrupted(), "InterruptedException carries the interrupt");
    }
  }

  @Test
  void aPollingSubscriptionDeliversChangesAndBadQualityWhenTheSlaveStops() throws Exception {
    Tag level = Tag.of("LT1", "m", ModbusAddress.input(0), DataType.FLOAT32);
    BlockingQueue<TagValue> received = new ArrayBlockingQueue<>(100);
    try (PlcSubscription subscription =
        connection.subscribe(List.of(level), Duration.ofMillis(20), received::add)) {
      TagValue initial = received.poll(5, TimeUnit.SECONDS);
      assertEquals(0.0, initial.value());

      slave.setValue(ModbusAddress.input(0), DataType.FLOAT32, 1.25);
      TagValue changed = received.poll(5, TimeUnit.SECONDS);
      assertEquals(1.25, changed.value());

      slave.close();
      TagValue bad = received.poll(5, TimeUnit.SECONDS);
      assertEquals(Quality.BAD, bad.quality());
      assertTrue(Double.isNaN(bad.value()));
    }
  }

  @Test
  void aClosedConnectionRefusesCalls() throws Exception {
    Tag tag = Tag.of("SP", "", ModbusAddress.holding(0), DataType.INT16);
    connection.close();
    PlcException error = assertThrows(PlcException.class, () -> connection.read(List.of(tag)));
    assertEquals(PlcException.Reason.CLOSED, error.reason());
  }
}
