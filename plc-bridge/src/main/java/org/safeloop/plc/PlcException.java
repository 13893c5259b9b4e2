package org.safeloop.plc;

import java.util.Locale;

/**
 * A PLC call failed: the connection is down, the call timed out, or the device refused the request.
 * Carries a protocol-neutral {@link Reason} for the control loop and the protocol's own code for
 * diagnosis (a Modbus exception code, an OPC UA StatusCode). Immutable; safe to pass between
 * threads.
 *
 * <p>A failed write is either a <em>refusal</em> or a failure to communicate, and {@link
 * #refused()} tells which. A refusal means the link works and the PLC answered that it will not
 * take this write: the address does not exist or is read-only, the value is outside what the PLC
 * accepts, the node holds another type, the user may not write it. Sending it again will not help;
 * the plant file or the PLC's configuration is wrong, or the PLC's logic vetoes the value. Anything
 * else (no connection, no answer in time, a garbled or mismatched answer, a gateway that cannot
 * reach its device, a busy device) is a failure to communicate, and {@code refused()} is false.
 * Only writes are classified: a failed read is never a refusal.
 */
public class PlcException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Why a call failed, in terms the deployment runtime acts on. */
  public enum Reason {
    /** No connection to the device (refused, lost, or waiting for the next reconnect attempt). */
    CONNECTION,
    /** The call did not finish within its timeout. */
    TIMEOUT,
    /** The device answered with an error (Modbus exception response, OPC UA Bad status). */
    DEVICE_REJECTED,
    /** The device holds a different type than the value written (OPC UA Bad_TypeMismatch). */
    TYPE_MISMATCH,
    /** The address does not exist on the device (OPC UA unknown node or namespace). */
    NOT_FOUND,
    /** Security or authentication failed: untrusted certificate, rejected user. */
    ACCESS_DENIED,
    /** The response did not match the request (wrong transaction id, unit or function). */
    PROTOCOL,
    /** The connection was closed by its owner. */
    CLOSED
  }

  /** Protocol-neutral reason; see {@link #reason()}. */
  private final Reason reason;

  /** Protocol code; see {@link #code()}. */
  private final long code;

  /** Whether the device refused a write; see {@link #refused()}. */
  private final boolean refused;

  /**
   * Creates an exception.
   *
   * @param reason protocol-neutral reason
   * @param code protocol code (Modbus exception code, OPC UA StatusCode), 0 if none
   * @param message what failed, naming the tags involved
   * @param cause underlying exception, or null
   */
  public PlcException(Reason reason, long code, String message, Throwable cause) {
    this(reason, code, message, cause, false);
  }

  private PlcException(Reason reason, long code, String message, Throwable cause, boolean refused) {
    super(message, cause);
    this.reason = java.util.Objects.requireNonNull(reason, "reason");
    this.code = code;
    this.refused = refused;
  }

  /**
   * Creates the exception for a write the device received and refused (see {@link #refused()}).
   *
   * @param reason protocol-neutral reason, e.g. {@link Reason#DEVICE_REJECTED}
   * @param code protocol code (Modbus exception code, OPC UA StatusCode)
   * @param message what was refused, naming the tags involved
   * @param cause underlying exception, or null
   * @return the exception, with {@link #refused()} true
   */
  public static PlcException refusal(Reason reason, long code, String message, Throwable cause) {
    return new PlcException(reason, code, message, cause, true);
  }

  /**
   * Creates an exception without a cause.
   *
   * @param reason protocol-neutral reason
   * @param code protocol code, 0 if none
   * @param message what failed
   */
  public PlcException(Reason reason, long code, String message) {
    this(reason, code, message, null);
  }

  /**
   * The protocol-neutral reason.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }

  /**
   * The protocol's code: a Modbus exception code (1..11), an OPC UA StatusCode (32 bits), or 0.
   *
   * @return the code
   */
  public long code() {
    return code;
  }

  /**
   * Whether the device refused a write, as opposed to a failure to communicate.
   *
   * <p>True when the PLC answered a write with a refusal: a Modbus exception response 1 (illegal
   * function), 2 (illegal data address), 3 (illegal data value) or 4 (server device failure: the
   * device could not carry out the write); an OPC UA write result Bad_NotWritable,
   * Bad_UserAccessDenied, Bad_OutOfRange, Bad_TypeMismatch, Bad_WriteNotSupported, Bad_Locked,
   * Bad_NodeIdUnknown, Bad_NodeIdInvalid, Bad_AttributeIdInvalid, Bad_IndexRangeInvalid,
   * Bad_IndexRangeNoData or Bad_NotSupported; an OPC UA node whose DataType cannot take a number or
   * text, or a namespace the server does not have. False for every failure to communicate
   * (connection refused or lost, timeout, a response that does not match its request, Modbus
   * exceptions 5 acknowledge, 6 busy, 10 and 11 from a gateway, OPC UA Bad_NoCommunication or a
   * failed session) and for every read. The deployment runtime demotes on both, but names a refusal
   * as such: retrying will not help until the plant file or the PLC is fixed.
   *
   * @return true for a refused write
   */
  public boolean refused() {
    return refused;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "PlcException[%s%s, code=0x%X]: %s",
        reason,
        refused ? ", refused" : "",
        code,
        getMessage());
  }
}
