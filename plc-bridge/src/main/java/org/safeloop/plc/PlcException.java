package org.safeloop.plc;

import java.util.Locale;

/**
 * A PLC call failed: the connection is down, the call timed out, or the device refused the request.
 * Carries a protocol-neutral {@link Reason} for the control loop and the protocol's own code for
 * diagnosis (a Modbus exception code, an OPC UA StatusCode). Immutable; safe to pass between
 * threads.
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

  /**
   * Creates an exception.
   *
   * @param reason protocol-neutral reason
   * @param code protocol code (Modbus exception code, OPC UA StatusCode), 0 if none
   * @param message what failed, naming the tags involved
   * @param cause underlying exception, or null
   */
  public PlcException(Reason reason, long code, String message, Throwable cause) {
    super(message, cause);
    this.reason = java.util.Objects.requireNonNull(reason, "reason");
    this.code = code;
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

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT, "PlcException[%s, code=0x%X]: %s", reason, code, getMessage());
  }
}
