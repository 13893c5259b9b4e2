package org.safeloop.plc.modbus;

/** The four Modbus data tables, with the function codes that read and write them. Immutable. */
public enum ModbusTable {
  /** Read/write bits (function codes 1, 5, 15); Modicon references 00001-09999. */
  COIL(true, true, 0),
  /** Read-only bits (function code 2); Modicon references 10001-19999. */
  DISCRETE_INPUT(true, false, 1),
  /** Read-only 16-bit registers (function code 4); Modicon references 30001-39999. */
  INPUT_REGISTER(false, false, 3),
  /** Read/write 16-bit registers (function codes 3, 6, 16); Modicon references 40001-49999. */
  HOLDING_REGISTER(false, true, 4);

  private final boolean bits;
  private final boolean writable;
  private final int modiconDigit;

  ModbusTable(boolean bits, boolean writable, int modiconDigit) {
    this.bits = bits;
    this.writable = writable;
    this.modiconDigit = modiconDigit;
  }

  /**
   * Whether this table holds single bits rather than 16-bit registers.
   *
   * @return true for coils and discrete inputs
   */
  public boolean isBitTable() {
    return bits;
  }

  /**
   * Whether a master may write this table.
   *
   * @return true for coils and holding registers
   */
  public boolean isWritable() {
    return writable;
  }

  /**
   * The leading digit of this table's Modicon references (0, 1, 3 or 4).
   *
   * @return the digit
   */
  public int modiconDigit() {
    return modiconDigit;
  }

  static ModbusTable ofModiconDigit(int digit, String reference) {
    for (ModbusTable table : values()) {
      if (table.modiconDigit == digit) {
        return table;
      }
    }
    throw new IllegalArgumentException(
        "Modbus reference "
            + reference
            + " starts with "
            + digit
            + "; Modicon references start with 0 (coil), 1 (discrete input), 3 (input register)"
            + " or 4 (holding register)");
  }
}
