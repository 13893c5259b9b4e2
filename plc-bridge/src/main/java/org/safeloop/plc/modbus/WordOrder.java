package org.safeloop.plc.modbus;

/**
 * How a device lays out a 32-bit (or 64-bit) value over 16-bit registers. The letters name the
 * value's bytes from most significant (A) to least significant (D) in the order they appear on the
 * wire. 16-bit values are always big-endian as the Modbus specification says; word order only
 * applies to values spanning several registers. Immutable.
 */
public enum WordOrder {
  /** Big-endian: high word first, high byte first (the Modbus default; Schneider, most PLCs). */
  ABCD(false, false),
  /** Low word first, bytes big-endian within a word ("word swap"; many meters and Siemens). */
  CDAB(true, false),
  /** High word first, bytes swapped within each word ("byte swap"). */
  BADC(false, true),
  /** Fully little-endian: low word first, bytes swapped. */
  DCBA(true, true);

  private final boolean wordSwap;
  private final boolean byteSwap;

  WordOrder(boolean wordSwap, boolean byteSwap) {
    this.wordSwap = wordSwap;
    this.byteSwap = byteSwap;
  }

  /**
   * Whether registers appear least significant word first.
   *
   * @return true for CDAB and DCBA
   */
  public boolean swapsWords() {
    return wordSwap;
  }

  /**
   * Whether the two bytes inside each register are swapped.
   *
   * @return true for BADC and DCBA
   */
  public boolean swapsBytes() {
    return byteSwap;
  }
}
