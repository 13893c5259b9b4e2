package org.safeloop.plc;

/**
 * Linear conversion between a tag's raw PLC value and its engineering value: {@code engineering =
 * raw * scale + offset}. Build it from a gain and offset, or from two raw/engineering points as
 * instrument ranges are usually documented (e.g. raw 0..27648 is 0..150 degC). Immutable and
 * thread-safe.
 *
 * @param scale engineering units per raw count; finite and not zero
 * @param offset engineering value at raw 0, in engineering units; finite
 */
public record Scaling(double scale, double offset) {

  /** No conversion: engineering value equals raw value. */
  public static final Scaling IDENTITY = new Scaling(1.0, 0.0);

  /** Validates that scale and offset are usable. */
  public Scaling {
    if (!Double.isFinite(scale) || scale == 0.0) {
      throw new IllegalArgumentException("scaling.scale must be finite and non-zero: " + scale);
    }
    if (!Double.isFinite(offset)) {
      throw new IllegalArgumentException("scaling.offset must be finite: " + offset);
    }
  }

  /**
   * Builds the scaling that maps the raw range {@code [rawLow, rawHigh]} onto the engineering range
   * {@code [engLow, engHigh]} (the "4-point" form).
   *
   * @param rawLow raw value at the low end
   * @param rawHigh raw value at the high end; different from {@code rawLow}
   * @param engLow engineering value at {@code rawLow}
   * @param engHigh engineering value at {@code rawHigh}; different from {@code engLow}
   * @return the equivalent gain/offset scaling
   * @throws IllegalArgumentException if a range is empty or a value is not finite
   */
  public static Scaling ofRange(double rawLow, double rawHigh, double engLow, double engHigh) {
    if (!(Double.isFinite(rawLow)
        && Double.isFinite(rawHigh)
        && Double.isFinite(engLow)
        && Double.isFinite(engHigh))) {
      throw new IllegalArgumentException("scaling range values must be finite");
    }
    if (rawLow == rawHigh || engLow == engHigh) {
      throw new IllegalArgumentException(
          "scaling range is empty: raw ["
              + rawLow
              + ", "
              + rawHigh
              + "] -> eng ["
              + engLow
              + ", "
              + engHigh
              + "]");
    }
    double scale = (engHigh - engLow) / (rawHigh - rawLow);
    return new Scaling(scale, engLow - rawLow * scale);
  }

  /**
   * Converts a raw value to engineering units.
   *
   * @param raw the raw value
   * @return {@code raw * scale + offset}
   */
  public double toEngineering(double raw) {
    return raw * scale + offset;
  }

  /**
   * Converts an engineering value back to a raw value, before any rounding to the raw type.
   *
   * @param engineering the engineering value
   * @return {@code (engineering - offset) / scale}
   */
  public double toRaw(double engineering) {
    return (engineering - offset) / scale;
  }

  /**
   * Whether this scaling changes nothing.
   *
   * @return true for a scale of 1 and an offset of 0
   */
  public boolean isIdentity() {
    return scale == 1.0 && offset == 0.0;
  }
}
