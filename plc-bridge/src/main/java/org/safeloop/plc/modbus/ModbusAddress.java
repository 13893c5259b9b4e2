package org.safeloop.plc.modbus;

import java.util.Locale;
import java.util.Objects;
import org.safeloop.plc.DataType;
import org.safeloop.plc.TagAddress;

/**
 * Where a tag lives on a Modbus device: a table, a 0-based PDU offset and, for values spanning two
 * or four registers, the device's word order. Immutable and thread-safe.
 *
 * <p>{@link #parse(String)} accepts two written forms, and the form itself says which numbering it
 * uses:
 *
 * <ul>
 *   <li><b>Table prefix, 0-based PDU offset</b>: {@code holding:0}, {@code input:12}, {@code
 *       coil:3}, {@code discrete:7} (short forms {@code hr:}, {@code ir:}, {@code co:}, {@code
 *       di:}). This is what goes on the wire.
 *   <li><b>Modicon reference, 1-based, no prefix</b>: exactly five digits ({@code 40001} is holding
 *       offset 0, {@code 30001} input offset 0, {@code 10001} discrete offset 0, {@code 00001} coil
 *       offset 0) or six digits for the extended range ({@code 400001}..{@code 465536}).
 * </ul>
 *
 * @param table the data table
 * @param offset 0-based PDU address of the first register or bit, 0..65535
 * @param wordOrder register layout of multi-register values
 */
public record ModbusAddress(ModbusTable table, int offset, WordOrder wordOrder)
    implements TagAddress {

  /** The protocol name shared with {@link ModbusConnectionProvider#name()}. */
  public static final String PROTOCOL = "modbus";

  /** Validates the address. */
  public ModbusAddress {
    Objects.requireNonNull(table, "modbus address: table must not be null");
    if (offset < 0 || offset > 0xFFFF) {
      throw new IllegalArgumentException(
          "modbus address: offset must be a 0-based PDU address in 0..65535: " + offset);
    }
    wordOrder = wordOrder == null ? WordOrder.ABCD : wordOrder;
  }

  /**
   * A holding register address with big-endian word order.
   *
   * @param offset 0-based PDU offset
   * @return the address
   */
  public static ModbusAddress holding(int offset) {
    return new ModbusAddress(ModbusTable.HOLDING_REGISTER, offset, WordOrder.ABCD);
  }

  /**
   * An input register address with big-endian word order.
   *
   * @param offset 0-based PDU offset
   * @return the address
   */
  public static ModbusAddress input(int offset) {
    return new ModbusAddress(ModbusTable.INPUT_REGISTER, offset, WordOrder.ABCD);
  }

  /**
   * A coil address.
   *
   * @param offset 0-based PDU offset
   * @return the address
   */
  public static ModbusAddress coil(int offset) {
    return new ModbusAddress(ModbusTable.COIL, offset, WordOrder.ABCD);
  }

  /**
   * A discrete input address.
   *
   * @param offset 0-based PDU offset
   * @return the address
   */
  public static ModbusAddress discreteInput(int offset) {
    return new ModbusAddress(ModbusTable.DISCRETE_INPUT, offset, WordOrder.ABCD);
  }

  /**
   * Parses an address written in either form described in the class documentation.
   *
   * @param text e.g. "holding:0", "hr:100", "40001" or "300012"
   * @return the address, with word order ABCD
   * @throws IllegalArgumentException if the text is in neither form
   */
  public static ModbusAddress parse(String text) {
    Objects.requireNonNull(text, "modbus address text");
    String trimmed = text.trim();
    int colon = trimmed.indexOf(':');
    if (colon >= 0) {
      String prefix = trimmed.substring(0, colon).toLowerCase(Locale.ROOT);
      ModbusTable table =
          switch (prefix) {
            case "holding", "hr" -> ModbusTable.HOLDING_REGISTER;
            case "input", "ir" -> ModbusTable.INPUT_REGISTER;
            case "coil", "co" -> ModbusTable.COIL;
            case "discrete", "di" -> ModbusTable.DISCRETE_INPUT;
            default ->
                throw new IllegalArgumentException(
                    "modbus address '"
                        + text
                        + "': table must be holding/hr, input/ir, coil/co or discrete/di");
          };
      return new ModbusAddress(table, parseNumber(trimmed.substring(colon + 1), text), null);
    }
    if (!trimmed.chars().allMatch(Character::isDigit)
        || (trimmed.length() != 5 && trimmed.length() != 6)) {
      throw new IllegalArgumentException(
          "modbus address '"
              + text
              + "': write a 0-based offset with a table prefix (e.g. 'holding:0') or a"
              + " 1-based Modicon reference of five or six digits (e.g. '40001')");
    }
    ModbusTable table = ModbusTable.ofModiconDigit(trimmed.charAt(0) - '0', text);
    int reference = Integer.parseInt(trimmed.substring(1));
    int max = trimmed.length() == 5 ? 9999 : 65536;
    if (reference < 1 || reference > max) {
      throw new IllegalArgumentException(
          "modbus address '" + text + "': register number must be in 1.." + max);
    }
    return new ModbusAddress(table, reference - 1, null);
  }

  /**
   * Returns a copy with another word order.
   *
   * @param order the device's word order
   * @return the new address
   */
  public ModbusAddress withWordOrder(WordOrder order) {
    return new ModbusAddress(table, offset, order);
  }

  /**
   * The 1-based Modicon reference of this address in the six-digit form (e.g. 400001), for messages
   * that engineers compare with device manuals.
   *
   * @return the reference
   */
  public int modiconReference() {
    return table.modiconDigit() * 100_000 + offset + 1;
  }

  @Override
  public String protocol() {
    return PROTOCOL;
  }

  @Override
  public void requireSupported(String tagName, DataType dataType) {
    if (table.isBitTable() && dataType != DataType.BOOLEAN) {
      throw new IllegalArgumentException(
          "tag "
              + tagName
              + ": a "
              + table
              + " holds one bit; its data type must be BOOLEAN, not "
              + dataType);
    }
    if (!table.isBitTable() && !dataType.isNumeric()) {
      throw new IllegalArgumentException(
          "tag "
              + tagName
              + ": a "
              + table
              + " holds numbers; "
              + dataType
              + " is not supported (use a coil or discrete input for BOOLEAN; Modbus has no text)");
    }
    int last = offset + (table.isBitTable() ? 1 : dataType.registerCount()) - 1;
    if (last > 0xFFFF) {
      throw new IllegalArgumentException(
          "tag " + tagName + ": " + dataType + " at offset " + offset + " runs past 65535");
    }
  }

  @Override
  public String toString() {
    return table + ":" + offset + (table.isBitTable() ? "" : "/" + wordOrder);
  }

  private static int parseNumber(String digits, String text) {
    try {
      return Integer.parseInt(digits.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "modbus address '" + text + "': offset is not a number", e);
    }
  }
}
