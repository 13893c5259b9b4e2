package org.safeloop.plc;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.safeloop.env.Quality;

/**
 * One value read from a PLC, in engineering units, with its quality and timestamp. Immutable and
 * thread-safe.
 *
 * @param tag name of the {@link Tag} it was read for
 * @param value engineering value ({@code raw * scale + offset}); booleans read as 0 or 1; NaN for
 *     text values and for values without a usable number (e.g. BAD quality without a value)
 * @param text the text of a STRING tag; empty for numeric tags
 * @param quality GOOD, UNCERTAIN or BAD; a control loop never acts on BAD
 * @param sourceTime when the value was sampled at the source (OPC UA source timestamp, falling back
 *     to the server timestamp), or when the response arrived for protocols without timestamps
 *     (Modbus); use it to detect stale values
 * @param statusCode the protocol's raw status: the full 32-bit OPC UA StatusCode (so callers can
 *     tell e.g. {@code Good_LocalOverride}, 0x00960000, from plain Good), 0 for Modbus
 */
public record TagValue(
    String tag,
    double value,
    Optional<String> text,
    Quality quality,
    Instant sourceTime,
    long statusCode) {

  /** OPC UA's {@code Good_LocalOverride}: the value was set by an operator at the PLC. */
  public static final long GOOD_LOCAL_OVERRIDE = 0x0096_0000L;

  /** Checks that no component is missing. */
  public TagValue {
    Objects.requireNonNull(tag, "tag");
    text = text == null ? Optional.empty() : text;
    Objects.requireNonNull(quality, "quality");
    Objects.requireNonNull(sourceTime, "sourceTime");
  }

  /**
   * Builds a numeric value.
   *
   * @param tag tag name
   * @param value engineering value
   * @param quality quality
   * @param sourceTime source timestamp
   * @param statusCode protocol status (0 when the protocol has none)
   * @return the value
   */
  public static TagValue numeric(
      String tag, double value, Quality quality, Instant sourceTime, long statusCode) {
    return new TagValue(tag, value, Optional.empty(), quality, sourceTime, statusCode);
  }

  /**
   * Whether the PLC reports that an operator overrides this value locally (OPC UA {@code
   * Good_LocalOverride}, compared on the code bits, ignoring the info bits).
   *
   * @return true for a local override
   */
  public boolean isLocalOverride() {
    return (statusCode & 0xFFFF_0000L) == GOOD_LOCAL_OVERRIDE;
  }
}
