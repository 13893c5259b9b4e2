package org.safeloop.plc.opcua;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;
import org.eclipse.milo.opcua.stack.core.types.structured.WriteValue;
import org.safeloop.plc.DataType;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.PlcException.Reason;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagWrite;

/**
 * Writes a batch of numbers and texts to their nodes in one request, each as a value-only DataValue
 * of exactly the node's DataType (read once per node and cached, read again after a
 * Bad_TypeMismatch), and tells a refusal by the server (every failed item refused) from a write it
 * could not carry out. Thread-safe.
 */
final class OpcUaWrites {

  private final OpcUaSession session;
  private final Map<NodeId, NodeId> dataTypes = new ConcurrentHashMap<>();

  OpcUaWrites(OpcUaSession session) {
    this.session = session;
  }

  /** Writes the batch; see {@link org.safeloop.plc.PlcConnection#writeAsync}. */
  CompletableFuture<Void> writeAsync(Collection<TagWrite> writes) {
    List<TagWrite> checked;
    List<NodeId> nodeIds;
    try {
      checked = checkWrites(writes);
      List<Tag> tags = new ArrayList<>();
      checked.forEach(w -> tags.add(w.tag()));
      nodeIds = session.resolve(tags);
    } catch (PlcException e) {
      // A namespace the server does not have is its answer to this write, not a lost link.
      return CompletableFuture.failedFuture(
          e.reason() == Reason.NOT_FOUND
              ? PlcException.refusal(e.reason(), e.code(), e.getMessage(), e.getCause())
              : e);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    String name = session.name();
    String what = "writing " + OpcUaSession.names(checked.stream().map(TagWrite::tag).toList());
    CompletableFuture<Void> written =
        dataTypesOf(nodeIds, checked)
            .thenCompose(
                types -> {
                  List<WriteValue> values = new ArrayList<>();
                  for (int i = 0; i < checked.size(); i++) {
                    Object value;
                    try {
                      value = OpcUaValues.toNodeValue(checked.get(i), types.get(i));
                    } catch (UnsupportedOperationException e) {
                      throw new CompletionException(
                          PlcException.refusal(
                              Reason.TYPE_MISMATCH,
                              StatusCodes.Bad_TypeMismatch,
                              e.getMessage(),
                              null));
                    }
                    values.add(
                        new WriteValue(
                            nodeIds.get(i),
                            AttributeId.Value.uid(),
                            null,
                            DataValue.valueOnly(new Variant(value))));
                  }
                  return session.client().writeAsync(values);
                })
            .thenApply(
                response -> {
                  StatusCode[] results = response.getResults();
                  List<String> failures = new ArrayList<>();
                  long firstBad = 0;
                  long firstNotRefused = 0;
                  for (int i = 0; i < checked.size(); i++) {
                    StatusCode status = results == null ? StatusCode.BAD : results[i];
                    if (!status.isGood()) {
                      if (firstBad == 0) {
                        firstBad = status.value();
                      }
                      if (firstNotRefused == 0 && !OpcUaStatus.refusesWrite(status.value())) {
                        firstNotRefused = status.value();
                      }
                      if (status.value() == StatusCodes.Bad_TypeMismatch) {
                        dataTypes.remove(nodeIds.get(i)); // read it again next time
                      }
                      failures.add(
                          checked.get(i).tag().name()
                              + ": "
                              + OpcUaValues.statusName(status.value()));
                    }
                  }
                  if (!failures.isEmpty()) {
                    // Refused only when every failed item was refused: one item the server
                    // could not deliver (a gateway's Bad_NoCommunication) makes it a link failure.
                    throw new CompletionException(
                        firstNotRefused == 0
                            ? PlcException.refusal(
                                OpcUaStatus.reasonFor(firstBad),
                                firstBad,
                                name + ": server refused " + what + ": " + failures,
                                null)
                            : new PlcException(
                                OpcUaStatus.reasonFor(firstNotRefused),
                                firstNotRefused,
                                name + ": server could not carry out " + what + ": " + failures));
                  }
                  return null;
                });
    return session.bounded(written, what);
  }

  /** Refuses a write to a read-only tag, and a number to a text tag or the other way round. */
  private static List<TagWrite> checkWrites(Collection<TagWrite> writes) {
    Objects.requireNonNull(writes, "writes");
    List<Tag> tags = new ArrayList<>();
    for (TagWrite write : writes) {
      Tag tag = write.tag();
      if (tag.readOnly()) {
        throw new IllegalArgumentException("tag " + tag.name() + " is read-only");
      }
      boolean textTag = tag.dataType() == DataType.STRING;
      if (write.isText() != textTag) {
        throw new IllegalArgumentException(
            "type mismatch: tag "
                + tag.name()
                + " is "
                + tag.dataType()
                + " but the write is "
                + (write.isText() ? "text" : "a number"));
      }
      tags.add(tag);
    }
    OpcUaSession.checkTags(tags);
    return List.copyOf(writes);
  }

  /** The DataType attribute of each node, read once per node and cached. */
  private CompletableFuture<List<NodeId>> dataTypesOf(List<NodeId> nodeIds, List<TagWrite> writes) {
    List<ReadValueId> missing = new ArrayList<>();
    for (NodeId nodeId : new LinkedHashSet<>(nodeIds)) {
      if (!dataTypes.containsKey(nodeId)) {
        missing.add(
            new ReadValueId(nodeId, AttributeId.DataType.uid(), null, QualifiedName.NULL_VALUE));
      }
    }
    CompletableFuture<Void> loaded =
        missing.isEmpty()
            ? CompletableFuture.completedFuture(null)
            : session
                .client()
                .readAsync(0.0, TimestampsToReturn.Neither, missing)
                .thenAccept(
                    response -> {
                      DataValue[] results = response.getResults();
                      for (int i = 0; i < missing.size(); i++) {
                        DataValue result = results[i];
                        NodeId nodeId = missing.get(i).getNodeId();
                        Object type = result.value() == null ? null : result.value().value();
                        if (result.statusCode() != null && !result.statusCode().isGood()
                            || !(type instanceof NodeId)) {
                          long code = result.statusCode() == null ? 0 : result.statusCode().value();
                          String tag = writes.get(nodeIds.indexOf(nodeId)).tag().name();
                          String message =
                              session.name()
                                  + ": cannot read the DataType of the node of tag "
                                  + tag
                                  + ": "
                                  + OpcUaValues.statusName(code);
                          throw new CompletionException(
                              OpcUaStatus.refusesWrite(code)
                                  ? PlcException.refusal(
                                      OpcUaStatus.reasonFor(code), code, message, null)
                                  : new PlcException(OpcUaStatus.reasonFor(code), code, message));
                        }
                        dataTypes.put(nodeId, (NodeId) type);
                      }
                    });
    return loaded.thenApply(v -> nodeIds.stream().map(dataTypes::get).toList());
  }
}
