package org.safeloop.plc.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.plc.DataType;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.PlcConnections;
import org.safeloop.plc.PlcSubscription;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagValue;
import org.safeloop.plc.virtualplant.opcua.PlantOpcUaServer;

/**
 * A value's confirmed time (what staleness goes by) against a real server that sets the source
 * timestamp only when a value changes.
 */
class OpcUaConfirmedTimeTest {

  @TempDir Path dir;
  PlantOpcUaServer server;
  PlcConnection connection;
  OpcUaAddress setpoint;
  Instant lastChange = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.MILLIS);

  @BeforeEach
  void start() throws Exception {
    server = PlantOpcUaServer.builder(dir.resolve("pki")).start();
    setpoint = server.addVariable("FIC101.SP", DataType.FLOAT64, 0.0);
    server.setValue(setpoint, 0.88, PlantOpcUaServer.GOOD, lastChange, null);
    connection =
        PlcConnections.open(
            new PlcConnectionConfig(
                "127.0.0.1",
                server.port(),
                Duration.ofSeconds(5),
                Duration.ofSeconds(2),
                OpcUaOptions.insecure(PlantOpcUaServer.PATH)));
  }

  @AfterEach
  void stop() {
    connection.close();
    server.close();
  }

  Tag tag() {
    return Tag.of("Ca_setpoint", "mol/m3", setpoint, DataType.FLOAT64).asReadOnly();
  }

  @Test
  void aReadIsConfirmedByTheServerTimestampNotTheOnChangeSourceTimestamp() throws Exception {
    Instant before = Instant.now().minusSeconds(1);
    TagValue value = connection.read(List.of(tag())).get("Ca_setpoint");
    assertEquals(lastChange, value.sourceTime());
    assertTrue(value.confirmedTime().isAfter(before), value.toString());
  }

  @Test
  void aValueTheServerConfirmsOnlyLongAgoKeepsThatTime() throws Exception {
    Instant confirmed = lastChange.plus(Duration.ofMinutes(30));
    server.setValue(setpoint, 0.88, PlantOpcUaServer.GOOD, lastChange, confirmed);
    TagValue value = connection.read(List.of(tag())).get("Ca_setpoint");
    assertEquals(confirmed, value.confirmedTime());
  }

  @Test
  void keepAlivesOfASubscriptionConfirmAnUnchangedValueAgain() throws Exception {
    BlockingQueue<TagValue> values = new LinkedBlockingQueue<>();
    try (PlcSubscription subscription =
        connection.subscribe(List.of(tag()), Duration.ofMillis(100), values::add)) {
      TagValue first = values.poll(5, TimeUnit.SECONDS);
      assertEquals(0.88, first.value());
      // Nothing changes on the server; within a few keep-alives the value comes again, later
      // confirmed, with the same value and source timestamp.
      Instant deadline = Instant.now().plusSeconds(10);
      TagValue again = null;
      while (Instant.now().isBefore(deadline)) {
        TagValue next = values.poll(1, TimeUnit.SECONDS);
        if (next != null && next.confirmedTime().isAfter(first.confirmedTime().plusMillis(500))) {
          again = next;
          break;
        }
      }
      assertTrue(again != null, "no later confirmation within 10 s");
      assertEquals(0.88, again.value());
      assertEquals(lastChange, again.sourceTime());
    }
  }
}
