package org.safeloop.plc.opcua;

import java.util.ArrayList;
import java.util.List;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.PlcException.Reason;
import org.safeloop.plc.Tag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The check a connection makes when it opens: in one read, that the server serves every tag the
 * plant file requires as the file says ({@link OpcUaNodeChecks} judges each node); refuses naming
 * every tag and node that it does not. Stateless.
 */
final class OpcUaRequiredTags {

  private static final Logger LOG = LoggerFactory.getLogger(OpcUaRequiredTags.class);

  private OpcUaRequiredTags() {}

  /**
   * Checks, in one read, that every required tag's node exists, is a variable, holds a DataType the
   * tag can carry, and is readable (and writable unless the tag is read-only) by this session;
   * refuses naming every tag and node that is not.
   */
  static void check(OpcUaSession session, List<Tag> required)
      throws PlcException, InterruptedException {
    if (required.isEmpty()) {
      return;
    }
    List<Tag> tags = OpcUaSession.checkTags(required);
    List<String> problems = new ArrayList<>();
    long firstCode = 0;
    Reason firstReason = null;
    List<Tag> resolvedTags = new ArrayList<>();
    List<ReadValueId> reads = new ArrayList<>();
    for (Tag tag : tags) {
      NodeId nodeId;
      try {
        nodeId = session.resolve(List.of(tag)).get(0);
      } catch (PlcException e) {
        if (e.reason() != Reason.NOT_FOUND) {
          throw e;
        }
        problems.add(describe(tag) + ": the server has no namespace " + namespaceOf(tag));
        firstReason = firstReason == null ? Reason.NOT_FOUND : firstReason;
        firstCode = firstCode == 0 ? e.code() : firstCode;
        continue;
      }
      resolvedTags.add(tag);
      for (AttributeId attribute : OpcUaNodeChecks.ATTRIBUTES) {
        reads.add(new ReadValueId(nodeId, attribute.uid(), null, QualifiedName.NULL_VALUE));
      }
    }
    String name = session.name();
    if (!reads.isEmpty()) {
      DataValue[] results =
          OpcUaSession.await(
                  session.client().readAsync(0.0, TimestampsToReturn.Neither, reads),
                  session.callTimeout(),
                  name + ": checking the plant file's nodes")
              .getResults();
      for (int i = 0; i < resolvedTags.size(); i++) {
        Tag tag = resolvedTags.get(i);
        int at = i * OpcUaNodeChecks.ATTRIBUTES.size();
        OpcUaNodeChecks.Problem problem =
            OpcUaNodeChecks.check(
                tag, results[at], results[at + 1], results[at + 2], results[at + 3]);
        if (problem != null) {
          problems.add(describe(tag) + ": " + problem.message());
          if (firstReason == null) {
            firstReason = problem.reason();
            firstCode = problem.code();
          }
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new PlcException(
          firstReason,
          firstCode,
          name
              + ": the server does not serve "
              + (problems.size() == 1 ? "a tag" : problems.size() + " tags")
              + " of the plant file as it says: "
              + String.join("; ", problems)
              + ". Fix the address, type or access in the plant file, or the server's"
              + " configuration",
          null);
    }
    LOG.info("{}: all {} tags of the plant file found on the server", name, tags.size());
  }

  private static String describe(Tag tag) {
    return "tag " + tag.name() + " (" + tag.address() + ")";
  }

  private static String namespaceOf(Tag tag) {
    return ((OpcUaAddress) tag.address()).namespaceUri();
  }
}
