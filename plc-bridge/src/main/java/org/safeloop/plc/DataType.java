package org.safeloop.plc;

/**
 * The raw data type of a tag as the PLC stores it: what a Modbus register pair or an OPC UA node
 * holds before scaling to engineering units.
 *
 * <p>Numeric types read as a {@code double}; {@link #BOOLEAN} reads as 0 or 1; {@link #STRING}
 * reads as text (OPC UA only). Immutable and thread-safe.
 */
public enum DataType {
  /** A bit: a Modbus coil or discrete input, an OPC UA Boolean. */
  BOOLEAN(1, false),
  /** Signed 16-bit integer (one Modbus register, OPC UA Int16). */
  INT16(1, true),
  /** Unsigned 16-bit integer (one Modbus register, OPC UA UInt16). */
  UINT16(1, true),
  /** Signed 32-bit integer (two Modbus registers, OPC UA Int32). */
  INT32(2, true),
  /** Unsigned 32-bit integer (two Modbus registers, OPC UA UInt32). */
  UINT32(2, true),
  /** IEEE 754 single precision (two Modbus registers, OPC UA Float). */
  FLOAT32(2, true),
  /** IEEE 754 double precision (four Modbus registers, OPC UA Double). */
  FLOAT64(4, true),
  /** Text (OPC UA String); Modbus has no text type. */
  STRING(0, false);

  private final int registerCount;
  private final boolean numeric;

  DataType(int registerCount, boolean numeric) {
    this.registerCount = registerCount;
    this.numeric = numeric;
  }

  /**
   * Number of 16-bit Modbus registers a value of this type occupies (0 for {@link #STRING}, 1 for
   * {@link #BOOLEAN} though booleans live in bit tables).
   *
   * @return the register count
   */
  public int registerCount() {
    return registerCount;
  }

  /**
   * Whether values of this type are numbers that scaling applies to.
   *
   * @return true for the integer and floating-point types
   */
  public boolean isNumeric() {
    return numeric;
  }

  /**
   * Smallest raw value this type can hold (negative infinity stands for the float types' range).
   *
   * @return the minimum raw value
   */
  public double minRaw() {
    return switch (this) {
      case BOOLEAN, UINT16, UINT32 -> 0;
      case INT16 -> Short.MIN_VALUE;
      case INT32 -> Integer.MIN_VALUE;
      case FLOAT32 -> -Float.MAX_VALUE;
      case FLOAT64 -> -Double.MAX_VALUE;
      case STRING -> Double.NaN;
    };
  }

  /**
   * Largest raw value this type can hold.
   *
   * @return the maximum raw value
   */
  public double maxRaw() {
    return switch (this) {
      case BOOLEAN -> 1;
      case UINT16 -> 0xFFFF;
      case UINT32 -> 0xFFFF_FFFFL;
      case INT16 -> Short.MAX_VALUE;
      case INT32 -> Integer.MAX_VALUE;
      case FLOAT32 -> Float.MAX_VALUE;
      case FLOAT64 -> Double.MAX_VALUE;
      case STRING -> Double.NaN;
    };
  }

  /**
   * Whether raw values of this type are whole numbers.
   *
   * @return true for the integer types and BOOLEAN
   */
  public boolean isInteger() {
    return this == BOOLEAN || this == INT16 || this == UINT16 || this == INT32 || this == UINT32;
  }

  /**
   * Converts a raw value (already scaled back from engineering units) to one this type can hold:
   * integer types round half away from zero; a value outside the type's range is an error, never
   * silently saturated, because writing a clipped setpoint to a PLC would be a hidden change of
   * intent.
   *
   * @param raw the raw value before rounding
   * @param tagName the tag the value is for, named in the error message
   * @return the rounded raw value, inside {@link #minRaw()}..{@link #maxRaw()}
   * @throws IllegalArgumentException if {@code raw} is not finite, does not fit this type, or this
   *     type is not numeric
   */
  public double fitRaw(double raw, String tagName) {
    if (this == STRING) {
      throw new IllegalArgumentException(
          "tag " + tagName + " holds text; a number cannot be written to it");
    }
    if (!Double.isFinite(raw)) {
      throw new IllegalArgumentException(
          "tag " + tagName + ": value " + raw + " is not a finite number");
    }
    if (this == BOOLEAN && raw != 0.0 && raw != 1.0) {
      throw new IllegalArgumentException("tag " + tagName + ": a BOOLEAN takes 0 or 1, not " + raw);
    }
    double fitted = isInteger() ? Math.signum(raw) * Math.floor(Math.abs(raw) + 0.5) : raw;
    if (this == FLOAT32 && Math.abs(fitted) > Float.MAX_VALUE) {
      throw new IllegalArgumentException(
          "tag " + tagName + ": raw value " + raw + " is outside the FLOAT32 range");
    }
    if (fitted < minRaw() || fitted > maxRaw()) {
      throw new IllegalArgumentException(
          String.format(
              java.util.Locale.ROOT,
              "tag %s: raw value %s does not fit %s [%s, %s]; check the value and the tag's"
                  + " scaling",
              tagName,
              raw,
              name(),
              minRawText(),
              maxRawText()));
    }
    return fitted;
  }

  private String minRawText() {
    return isInteger() ? Long.toString((long) minRaw()) : Double.toString(minRaw());
  }

  private String maxRawText() {
    return isInteger() ? Long.toString((long) maxRaw()) : Double.toString(maxRaw());
  }
}
