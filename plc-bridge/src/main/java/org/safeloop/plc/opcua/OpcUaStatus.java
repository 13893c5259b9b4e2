package org.safeloop.plc.opcua;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.PlcException.Reason;

/**
 * OPC UA status codes and Milo's failures in the bridge's terms: which {@link PlcException.Reason}
 * a code means, whether it is the server refusing a write, and the exception for a failed call.
 * Stateless.
 */
final class OpcUaStatus {
  private OpcUaStatus() {}

  /** The cause inside a future's wrapping (CompletionException, ExecutionException). */
  static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /**
   * Turns a failure of a Milo call into the bridge's exception: a timeout, the server's status code
   * with its name, or a lost connection.
   *
   * @param what what was being done, first in the message
   */
  static PlcException toPlc(Throwable error, String what) {
    Throwable cause = unwrap(error);
    if (cause instanceof PlcException plc) {
      return plc;
    }
    if (cause instanceof TimeoutException) {
      return new PlcException(Reason.TIMEOUT, StatusCodes.Bad_Timeout, what + ": timed out", cause);
    }
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof UaException ua) {
        long code = ua.getStatusCode().value();
        return new PlcException(
            reasonFor(code), code, what + ": " + OpcUaValues.statusName(code), cause);
      }
    }
    return new PlcException(Reason.CONNECTION, 0, what + ": " + cause, cause);
  }

  /**
   * Whether a write result (or the failure to read a written node's DataType) is the server
   * refusing the write ({@link PlcException#refused()}) rather than failing to carry it out.
   */
  static boolean refusesWrite(long code) {
    long bits = code & 0xFFFF_0000L;
    return bits == StatusCodes.Bad_NotWritable
        || bits == StatusCodes.Bad_UserAccessDenied
        || bits == StatusCodes.Bad_OutOfRange
        || bits == StatusCodes.Bad_TypeMismatch
        || bits == StatusCodes.Bad_WriteNotSupported
        || bits == StatusCodes.Bad_Locked
        || bits == StatusCodes.Bad_NodeIdUnknown
        || bits == StatusCodes.Bad_NodeIdInvalid
        || bits == StatusCodes.Bad_AttributeIdInvalid
        || bits == StatusCodes.Bad_IndexRangeInvalid
        || bits == StatusCodes.Bad_IndexRangeNoData
        || bits == StatusCodes.Bad_NotSupported;
  }

  /** The kind of failure an OPC UA status code stands for. */
  static Reason reasonFor(long code) {
    long bits = code & 0xFFFF_0000L;
    if (bits == StatusCodes.Bad_TypeMismatch) {
      return Reason.TYPE_MISMATCH;
    }
    if (bits == StatusCodes.Bad_NodeIdUnknown
        || bits == StatusCodes.Bad_NodeIdInvalid
        || bits == StatusCodes.Bad_TcpEndpointUrlInvalid) {
      return Reason.NOT_FOUND;
    }
    if (bits == StatusCodes.Bad_Timeout || bits == StatusCodes.Bad_RequestTimeout) {
      return Reason.TIMEOUT;
    }
    if (bits == StatusCodes.Bad_IdentityTokenRejected
        || bits == StatusCodes.Bad_IdentityTokenInvalid
        || bits == StatusCodes.Bad_UserAccessDenied
        || bits == StatusCodes.Bad_SecurityChecksFailed
        || bits == StatusCodes.Bad_CertificateUntrusted
        || bits == StatusCodes.Bad_CertificateInvalid
        || bits == StatusCodes.Bad_CertificateUriInvalid
        || bits == StatusCodes.Bad_SecurityPolicyRejected) {
      return Reason.ACCESS_DENIED;
    }
    if (bits == StatusCodes.Bad_ConnectionClosed
        || bits == StatusCodes.Bad_ConnectionRejected
        || bits == StatusCodes.Bad_CommunicationError
        || bits == StatusCodes.Bad_TcpInternalError
        || bits == StatusCodes.Bad_NoCommunication
        || bits == StatusCodes.Bad_SessionClosed
        || bits == StatusCodes.Bad_SessionIdInvalid
        || bits == StatusCodes.Bad_ServerNotConnected
        || bits == StatusCodes.Bad_SecureChannelClosed
        || bits == StatusCodes.Bad_NotConnected) {
      return Reason.CONNECTION;
    }
    return Reason.DEVICE_REJECTED;
  }
}
