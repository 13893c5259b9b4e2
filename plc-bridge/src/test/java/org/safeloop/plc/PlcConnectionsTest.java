package org.safeloop.plc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.safeloop.plc.modbus.ModbusAddress;
import org.safeloop.plc.modbus.ModbusOptions;

class PlcConnectionsTest {

  @Test
  void bothProtocolsAreFoundByNameThroughTheServiceLoader() {
    assertEquals(List.of("modbus", "opcua"), PlcConnections.names());
    assertEquals("opcua", PlcConnections.provider("opcua").name());
    IllegalArgumentException unknown =
        assertThrows(IllegalArgumentException.class, () -> PlcConnections.provider("profinet"));
    assertTrue(unknown.getMessage().contains("modbus"), unknown.getMessage());
  }

  @Test
  void configRecordsNameTheFieldThatIsWrong() {
    IllegalArgumentException port =
        assertThrows(
            IllegalArgumentException.class,
            () -> PlcConnectionConfig.of("127.0.0.1", 0, ModbusOptions.forUnit(1)));
    assertTrue(port.getMessage().contains("connection.port"), port.getMessage());
    IllegalArgumentException timeout =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new PlcConnectionConfig(
                    "127.0.0.1",
                    502,
                    Duration.ZERO,
                    Duration.ofSeconds(1),
                    ModbusOptions.forUnit(1)));
    assertTrue(timeout.getMessage().contains("connectTimeout"), timeout.getMessage());
    IllegalArgumentException unit =
        assertThrows(IllegalArgumentException.class, () -> ModbusOptions.forUnit(300));
    assertTrue(unit.getMessage().contains("modbus.unitId"), unit.getMessage());
  }

  @Test
  void fourPointScalingEqualsGainAndOffset() {
    Scaling range = Scaling.ofRange(4000, 20000, 0, 100);
    assertEquals(100.0 / 16000, range.scale(), 1e-15);
    assertEquals(-25.0, range.offset(), 1e-12);
    assertEquals(50.0, range.toEngineering(12000), 1e-12);
    assertEquals(12000.0, range.toRaw(50.0), 1e-9);
    assertThrows(IllegalArgumentException.class, () -> Scaling.ofRange(1, 1, 0, 10));
  }

  @Test
  void booleanAndTextTagsCannotBeScaled() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new Tag("Pump", "", ModbusAddress.coil(0), DataType.BOOLEAN, new Scaling(2, 0), false));
  }

  @Test
  void rawValuesAreRoundedAndRangeCheckedNeverClipped() {
    assertEquals(3.0, DataType.INT16.fitRaw(2.5, "t"));
    assertEquals(-3.0, DataType.INT16.fitRaw(-2.5, "t"));
    assertEquals(65535.0, DataType.UINT16.fitRaw(65535.4, "t"));
    IllegalArgumentException over =
        assertThrows(IllegalArgumentException.class, () -> DataType.UINT16.fitRaw(65535.5, "FT1"));
    assertTrue(over.getMessage().contains("FT1"), over.getMessage());
    assertThrows(IllegalArgumentException.class, () -> DataType.UINT32.fitRaw(-1, "t"));
    assertThrows(IllegalArgumentException.class, () -> DataType.FLOAT32.fitRaw(1e39, "t"));
    assertThrows(IllegalArgumentException.class, () -> DataType.BOOLEAN.fitRaw(0.5, "t"));
  }
}
