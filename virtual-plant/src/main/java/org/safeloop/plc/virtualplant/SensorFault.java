package org.safeloop.plc.virtualplant;

/**
 * A fault injected into one observation signal of the {@link VirtualPlant}, as a failing
 * transmitter or a broken link to it would show on the PLC's tags.
 */
public enum SensorFault {
  /** The value is marked bad: OPC UA status Bad (the last value kept); Modbus reads NaN. */
  BAD,
  /** The transmitter reports NaN: NaN on both protocols, OPC UA status Good. */
  NAN,
  /**
   * The value stops changing (a stuck sensor): both protocols keep the value at the time of the
   * fault while OPC UA source timestamps keep advancing with each update.
   */
  FROZEN,
  /**
   * Nothing updates any more (a lost link to the sensor): the value keeps its last and the OPC UA
   * source timestamp stops advancing. Modbus, which has no timestamps, shows the same as {@link
   * #FROZEN}.
   */
  STALE
}
