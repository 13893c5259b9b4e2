package org.safeloop.plc.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.safeloop.plc.DataType;
import org.safeloop.plc.Tag;

class ModbusAddressTest {

  @Test
  void modiconReferencesAreOneBasedAndNameTheirTable() {
    assertEquals(ModbusAddress.holding(0), ModbusAddress.parse("40001"));
    assertEquals(ModbusAddress.input(11), ModbusAddress.parse("30012"));
    assertEquals(ModbusAddress.discreteInput(0), ModbusAddress.parse("10001"));
    assertEquals(ModbusAddress.coil(0), ModbusAddress.parse("00001"));
    assertEquals(ModbusAddress.holding(65535), ModbusAddress.parse("465536"));
  }

  @Test
  void tablePrefixedAddressesAreZeroBasedPduOffsets() {
    assertEquals(ModbusAddress.holding(0), ModbusAddress.parse("holding:0"));
    assertEquals(ModbusAddress.holding(100), ModbusAddress.parse("hr:100"));
    assertEquals(ModbusAddress.input(7), ModbusAddress.parse("input:7"));
    assertEquals(ModbusAddress.coil(3), ModbusAddress.parse("co:3"));
    assertEquals(ModbusAddress.discreteInput(9), ModbusAddress.parse("discrete:9"));
  }

  @Test
  void ambiguousOrMalformedAddressesAreRejectedWithTheAcceptedForms() {
    IllegalArgumentException bare =
        assertThrows(IllegalArgumentException.class, () -> ModbusAddress.parse("100"));
    assertTrue(bare.getMessage().contains("holding:0"), bare.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ModbusAddress.parse("20001"));
    assertThrows(IllegalArgumentException.class, () -> ModbusAddress.parse("40000"));
    assertThrows(IllegalArgumentException.class, () -> ModbusAddress.parse("tank:1"));
  }

  @Test
  void aTagRefusesATypeItsTableCannotHold() {
    IllegalArgumentException text =
        assertThrows(
            IllegalArgumentException.class,
            () -> Tag.of("Batch.Name", "", ModbusAddress.holding(0), DataType.STRING));
    assertTrue(text.getMessage().contains("Batch.Name"), text.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> Tag.of("Pump.Run", "", ModbusAddress.coil(0), DataType.FLOAT32));
    assertThrows(
        IllegalArgumentException.class,
        () -> Tag.of("Big", "", ModbusAddress.holding(65535), DataType.FLOAT32));
  }
}
