package org.safeloop.plc;

import java.util.Objects;

/**
 * One signal on a PLC: a logical name, its engineering unit, where it lives, its raw type, how raw
 * values scale to engineering units and whether the bridge may write it. Shared by all protocols;
 * only {@link #address()} is protocol-specific. Immutable and thread-safe.
 *
 * @param name logical name, unique within a connection (e.g. "TIC101.PV")
 * @param unit engineering unit (e.g. "K", "m3/h"); empty for dimensionless or text tags
 * @param address protocol-specific location
 * @param dataType raw data type at the PLC
 * @param scaling raw to engineering conversion; must be {@link Scaling#IDENTITY} for BOOLEAN and
 *     STRING tags
 * @param readOnly true if the bridge must never write this tag
 */
public record Tag(
    String name,
    String unit,
    TagAddress address,
    DataType dataType,
    Scaling scaling,
    boolean readOnly) {

  /** Validates the tag so that a broken tag map fails when it is built. */
  public Tag {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("tag.name must not be blank");
    }
    unit = unit == null ? "" : unit;
    Objects.requireNonNull(address, () -> "tag " + name + ": address must not be null");
    Objects.requireNonNull(dataType, () -> "tag " + name + ": dataType must not be null");
    scaling = scaling == null ? Scaling.IDENTITY : scaling;
    if (!dataType.isNumeric() && !scaling.isIdentity()) {
      throw new IllegalArgumentException(
          "tag " + name + ": a " + dataType + " tag cannot be scaled");
    }
    address.requireSupported(name, dataType);
  }

  /**
   * Builds a writable tag without scaling.
   *
   * @param name logical name
   * @param unit engineering unit
   * @param address protocol-specific location
   * @param dataType raw data type
   * @return the tag
   */
  public static Tag of(String name, String unit, TagAddress address, DataType dataType) {
    return new Tag(name, unit, address, dataType, Scaling.IDENTITY, false);
  }

  /**
   * Returns a copy with another scaling.
   *
   * @param newScaling the scaling to use
   * @return the new tag
   */
  public Tag withScaling(Scaling newScaling) {
    return new Tag(name, unit, address, dataType, newScaling, readOnly);
  }

  /**
   * Returns a read-only copy of this tag.
   *
   * @return the new tag
   */
  public Tag asReadOnly() {
    return new Tag(name, unit, address, dataType, scaling, true);
  }

  /**
   * Converts an engineering value to the raw value written to the PLC: reverse scaling, then
   * rounding and range check for {@link #dataType()}.
   *
   * @param engineeringValue the value in {@link #unit()}
   * @return the raw value
   * @throws IllegalArgumentException if the value does not fit the raw type
   */
  public double toRaw(double engineeringValue) {
    return dataType.fitRaw(scaling.toRaw(engineeringValue), name);
  }
}
