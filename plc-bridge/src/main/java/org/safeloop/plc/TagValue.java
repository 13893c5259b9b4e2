package org.safeloop.plc;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.safeloop.env.Quality;

/**
 * One value read from a PLC, in engineering units, with its quality and timestamps. Immutable and
 * thread-safe.
 *
 * <p>Two times: {@link #sourceTime()} says when the value was sampled or last changed at the
 * source, and goes into the audit log; {@link #confirmedTime()} says when the server last vouched
 * that this is still the current value, and is what staleness is judged by. They differ on servers
 * that set the source timestamp only when a value changes: a setpoint constant for hours has an
 * hours-old source timestamp, yet every read confirms it.
 *
 * @param tag name of the {@link Tag} it was read for
 * @param value engineering value ({@code raw * scale + offset}); booleans read as 0 or 1; NaN for
 *     text values and for values without a usable number (e.g. BAD quality without a value)
 * @param text the text of a STRING tag; empty for numeric tags
 * @param quality GOOD, UNCERTAIN or BAD; a control loop never acts on BAD
 * @param sourceTime when the value was sampled at the source (OPC UA source timestamp, falling back
 *     to the server timestamp), or when the response arrived for protocols without timestamps
 *     (Modbus); for the audit log, not for staleness
 * @param statusCode the protocol's raw status: the full 32-bit OPC UA StatusCode (so callers can
 *     tell e.g. {@code Good_LocalOverride}, 0x00960000, from plain Good), 0 for Modbus
 * @param confirmedTime when the value was last confirmed current: for an OPC UA read the server
 *     timestamp (the time the server knew the value to be accurate; the time the response arrived
 *     when the server gives none), for a subscribed OPC UA value the latest publish or keep-alive
 *     of its subscription, for Modbus the time the response arrived; never before {@code
 *     sourceTime}. Use it to detect stale values
 */
public record TagValue(
    String tag,
    double value,
    Optional<String> text,
    Quality quality,
    Instant sourceTime,
    long statusCode,
    Instant confirmedTime) {

  /** OPC UA's {@code Good_LocalOverride}: the value was set by an operator at the PLC. */
  public static final long GOOD_LOCAL_OVERRIDE = 0x0096_0000L;

  /** Checks that no component is missing. */
  public TagValue {
    Objects.requireNonNull(tag, "tag");
    text = text == null ? Optional.empty() : text;
    Objects.requireNonNull(quality, "quality");
    Objects.requireNonNull(sourceTime, "sourceTime");
    // A value cannot be confirmed before it existed (a server timestamp behind the source's).
    confirmedTime =
        confirmedTime == null || confirmedTime.isBefore(sourceTime) ? sourceTime : confirmedTime;
  }

  /**
   * A value whose source time is also its confirmed time (protocols without separate timestamps).
   *
   * @param tag tag name
   * @param value engineering value
   * @param text the text of a STRING tag, or empty
   * @param quality quality
   * @param sourceTime when the value was sampled, also when it was last confirmed
   * @param statusCode protocol status (0 when the protocol has none)
   */
  public TagValue(
      String tag,
      double value,
      Optional<String> text,
      Quality quality,
      Instant sourceTime,
      long statusCode) {
    this(tag, value, text, quality, sourceTime, statusCode, sourceTime);
  }

  /**
   * Returns a copy confirmed current at a later time (a keep-alive of a subscription that says
   * nothing changed).
   *
   * @param time when the value was confirmed; an earlier time than {@link #confirmedTime()} keeps
   *     the present one
   * @return the confirmed copy
   */
  public TagValue confirmedAt(Instant time) {
    if (!time.isAfter(confirmedTime)) {
      return this;
    }
    return new TagValue(tag, value, text, quality, sourceTime, statusCode, time);
  }

  /**
   * Builds a numeric value.
   *
   * @param tag tag name
   * @param value engineering value
   * @param quality quality
   * @param sourceTime source timestamp, also taken as the confirmed time
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
