package org.safeloop.plc.opcua;

import java.util.List;
import org.eclipse.milo.opcua.sdk.core.AccessLevel;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.NodeClass;
import org.safeloop.plc.PlcException.Reason;
import org.safeloop.plc.Tag;

/**
 * Whether a server's node can carry a plant file's tag, from the attributes one read returns: the
 * connection reads {@link #ATTRIBUTES} of every tag's node when it opens and refuses, naming each
 * tag and node, what does not fit. Stateless.
 */
final class OpcUaNodeChecks {
  private OpcUaNodeChecks() {}

  /** The attributes read per node, in this order. */
  static final List<AttributeId> ATTRIBUTES =
      List.of(
          AttributeId.NodeClass,
          AttributeId.DataType,
          AttributeId.AccessLevel,
          AttributeId.UserAccessLevel);

  /**
   * What is wrong with a node, as the connection's exception will say it.
   *
   * @param reason the failure's kind
   * @param code the OPC UA status code it stands for
   * @param message what is wrong, for the plant engineer
   */
  record Problem(Reason reason, long code, String message) {}

  /**
   * Checks one node from its {@link #ATTRIBUTES}, read in that order: a variable, of a DataType the
   * tag can carry, readable, and writable unless the tag is read-only, for the server and for this
   * session's user.
   *
   * @return what is wrong, or null when the node serves the tag
   */
  static Problem check(
      Tag tag, DataValue nodeClass, DataValue dataType, DataValue access, DataValue userAccess) {
    StatusCode classStatus = nodeClass.statusCode();
    if (classStatus != null && !classStatus.isGood()) {
      long code = classStatus.value();
      return new Problem(
          OpcUaStatus.reasonFor(code),
          code,
          (code & 0xFFFF_0000L) == StatusCodes.Bad_NodeIdUnknown
              ? "no such node on the server (" + OpcUaValues.statusName(code) + ")"
              : "cannot read the node (" + OpcUaValues.statusName(code) + ")");
    }
    Object kind = nodeClass.value() == null ? null : nodeClass.value().value();
    int kindValue =
        kind instanceof NodeClass nc ? nc.getValue() : kind instanceof Number n ? n.intValue() : -1;
    if (kindValue != NodeClass.Variable.getValue()) {
      NodeClass actual = NodeClass.from(kindValue);
      return new Problem(
          Reason.NOT_FOUND,
          StatusCodes.Bad_NodeClassInvalid,
          "the node is "
              + (actual == null ? "not a variable" : "an " + actual + " node, not a variable")
              + "; a tag must name a variable");
    }
    Object type = dataType.value() == null ? null : dataType.value().value();
    String typeProblem = OpcUaValues.typeProblem(tag, type instanceof NodeId id ? id : null);
    if (typeProblem != null) {
      return new Problem(Reason.TYPE_MISMATCH, StatusCodes.Bad_TypeMismatch, typeProblem);
    }
    int level = accessBits(access);
    int userLevel = accessBits(userAccess);
    if ((level & AccessLevel.CurrentRead.getValue()) == 0) {
      return new Problem(
          Reason.ACCESS_DENIED, StatusCodes.Bad_NotReadable, "the node is not readable");
    }
    if ((userLevel & AccessLevel.CurrentRead.getValue()) == 0) {
      return new Problem(
          Reason.ACCESS_DENIED,
          StatusCodes.Bad_UserAccessDenied,
          "this user may not read the node");
    }
    if (!tag.readOnly()) {
      if ((level & AccessLevel.CurrentWrite.getValue()) == 0) {
        return new Problem(
            Reason.ACCESS_DENIED,
            StatusCodes.Bad_NotWritable,
            "the bridge writes this tag, but the node is not writable (AccessLevel "
                + AccessLevel.fromValue(level)
                + ")");
      }
      if ((userLevel & AccessLevel.CurrentWrite.getValue()) == 0) {
        return new Problem(
            Reason.ACCESS_DENIED,
            StatusCodes.Bad_UserAccessDenied,
            "the bridge writes this tag, but this user may not write the node (UserAccessLevel "
                + AccessLevel.fromValue(userLevel)
                + ")");
      }
    }
    return null;
  }

  /** An AccessLevel attribute's bits; 0 when it could not be read. */
  private static int accessBits(DataValue value) {
    if (value.statusCode() != null && !value.statusCode().isGood()) {
      return 0;
    }
    Object bits = value.value() == null ? null : value.value().value();
    return bits instanceof Number n ? n.intValue() : 0;
  }
}
