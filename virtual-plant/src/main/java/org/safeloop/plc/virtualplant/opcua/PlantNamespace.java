package org.safeloop.plc.virtualplant.opcua;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.milo.opcua.sdk.core.AccessLevel;
import org.eclipse.milo.opcua.sdk.core.QualifiedProperty;
import org.eclipse.milo.opcua.sdk.core.Reference;
import org.eclipse.milo.opcua.sdk.server.ManagedNamespaceWithLifecycle;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.items.DataItem;
import org.eclipse.milo.opcua.sdk.server.items.MonitoredItem;
import org.eclipse.milo.opcua.sdk.server.model.variables.AnalogItemType;
import org.eclipse.milo.opcua.sdk.server.model.variables.MultiStateDiscreteType;
import org.eclipse.milo.opcua.sdk.server.nodes.UaFolderNode;
import org.eclipse.milo.opcua.sdk.server.nodes.UaVariableNode;
import org.eclipse.milo.opcua.sdk.server.nodes.filters.AttributeFilter;
import org.eclipse.milo.opcua.sdk.server.nodes.filters.AttributeFilterContext;
import org.eclipse.milo.opcua.sdk.server.util.SubscriptionModel;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UInteger;
import org.eclipse.milo.opcua.stack.core.types.structured.Range;

/**
 * The plant's variables: one folder "Plant" under Objects with a variable node per process value.
 * Client writes pass through a filter that asks the node's write handler (which may veto with a
 * status code) and counts accepted writes; code updates bypass both. Thread-safe.
 */
final class PlantNamespace extends ManagedNamespaceWithLifecycle {

  private final SubscriptionModel subscriptionModel;
  private final Map<NodeId, Variable> variables = new ConcurrentHashMap<>();
  private volatile UaFolderNode folder;

  /** A node with its write handler and counter. */
  static final class Variable {
    final UaVariableNode node;
    final AtomicLong writes = new AtomicLong();
    volatile PlantOpcUaServer.WriteHandler handler = value -> 0L;

    /**
     * The server timestamp reads and notifications carry: when the server last knew the value
     * accurate; null to stamp each with the time it is served (Milo's own behaviour).
     */
    volatile DateTime serverTime;

    Variable(UaVariableNode node) {
      this.node = node;
    }
  }

  PlantNamespace(OpcUaServer server, String namespaceUri) {
    super(server, namespaceUri);
    subscriptionModel = new SubscriptionModel(server, this);
    getLifecycleManager().addLifecycle(subscriptionModel);
    getLifecycleManager().addStartupTask(this::createFolder);
  }

  private void createFolder() {
    UaFolderNode plant =
        new UaFolderNode(
            getNodeContext(),
            newNodeId("Plant"),
            newQualifiedName("Plant"),
            LocalizedText.english("Plant"));
    plant.setDescription(
        LocalizedText.english(
            "The plant's process values, setpoints, operator mode, advisory outputs and"
                + " diagnostics"));
    getNodeManager().addNode(plant);
    plant.addReference(
        new Reference(
            plant.getNodeId(), NodeIds.Organizes, NodeIds.ObjectsFolder.expanded(), false));
    folder = plant;
  }

  NodeId stringNodeId(String identifier) {
    return newNodeId(identifier);
  }

  NodeId numericNodeId(long identifier) {
    return newNodeId(UInteger.valueOf(identifier));
  }

  Variable add(
      NodeId nodeId,
      String browseName,
      NodeId dataType,
      Object initialValue,
      PlantOpcUaServer.NodeInfo info) {
    if (variables.containsKey(nodeId) || getNodeManager().containsNode(nodeId)) {
      throw new IllegalArgumentException("node " + nodeId.toParseableString() + " exists already");
    }
    Set<AccessLevel> access = info.writable() ? AccessLevel.READ_WRITE : AccessLevel.READ_ONLY;
    NodeId typeDefinition =
        info.engineeringUnit() != null
            ? NodeIds.AnalogItemType
            : !info.states().isEmpty()
                ? NodeIds.MultiStateDiscreteType
                : NodeIds.BaseDataVariableType;
    UaVariableNode node =
        UaVariableNode.builder(getNodeContext())
            .setNodeId(nodeId)
            .setBrowseName(newQualifiedName(browseName))
            .setDisplayName(LocalizedText.english(browseName))
            .setDescription(LocalizedText.english(info.description()))
            .setDataType(dataType)
            .setTypeDefinition(typeDefinition)
            .setAccessLevel(access)
            .setUserAccessLevel(access)
            .setMinimumSamplingInterval(PlantOpcUaServer.MINIMUM_SAMPLING_INTERVAL_MILLIS)
            .setValue(
                new DataValue(
                    new Variant(initialValue),
                    StatusCode.GOOD,
                    org.eclipse.milo.opcua.stack.core.types.builtin.DateTime.now()))
            .build();
    Variable variable = new Variable(node);
    node.getFilterChain().addFirst(new WriteFilter(variable));
    getNodeManager().addNode(node);
    if (info.engineeringUnit() != null) {
      if (Double.isFinite(info.euLow()) && Double.isFinite(info.euHigh())) {
        node.setProperty(AnalogItemType.EU_RANGE, new Range(info.euLow(), info.euHigh()));
        describeProperty(
            node,
            AnalogItemType.EU_RANGE,
            "Range of " + browseName + " in normal operation, in " + info.engineeringUnit());
      }
      node.setProperty(
          AnalogItemType.ENGINEERING_UNITS, EngineeringUnits.of(info.engineeringUnit()));
      describeProperty(node, AnalogItemType.ENGINEERING_UNITS, "Engineering unit of " + browseName);
    }
    if (!info.states().isEmpty()) {
      node.setProperty(
          MultiStateDiscreteType.ENUM_STRINGS,
          info.states().stream().map(LocalizedText::english).toArray(LocalizedText[]::new));
      describeProperty(
          node,
          MultiStateDiscreteType.ENUM_STRINGS,
          "Names of the values of " + browseName + ", the first for 0");
    }
    UaFolderNode plant = folder;
    if (plant != null) {
      plant.addOrganizes(node);
    }
    variables.put(nodeId, variable);
    return variable;
  }

  /** Gives a property node a description and makes it read-only, as HMIs expect. */
  private static void describeProperty(
      UaVariableNode node, QualifiedProperty<?> property, String description) {
    node.getPropertyNode(property)
        .ifPresent(
            p -> {
              if (p instanceof UaVariableNode v) {
                v.setDescription(LocalizedText.english(description));
                v.setAccessLevel(AccessLevel.toValue(AccessLevel.READ_ONLY));
                v.setUserAccessLevel(AccessLevel.toValue(AccessLevel.READ_ONLY));
              }
            });
  }

  Variable get(NodeId nodeId) {
    Variable variable = variables.get(nodeId);
    if (variable == null) {
      throw new IllegalArgumentException("no plant variable " + nodeId.toParseableString());
    }
    return variable;
  }

  @Override
  public void onDataItemsCreated(List<DataItem> dataItems) {
    subscriptionModel.onDataItemsCreated(dataItems);
  }

  @Override
  public void onDataItemsModified(List<DataItem> dataItems) {
    subscriptionModel.onDataItemsModified(dataItems);
  }

  @Override
  public void onDataItemsDeleted(List<DataItem> dataItems) {
    subscriptionModel.onDataItemsDeleted(dataItems);
  }

  @Override
  public void onMonitoringModeChanged(List<MonitoredItem> monitoredItems) {
    subscriptionModel.onMonitoringModeChanged(monitoredItems);
  }

  /** Vetoes and counts client writes of a variable's value; stamps reads with its server time. */
  private static final class WriteFilter implements AttributeFilter {
    private final Variable variable;

    WriteFilter(Variable variable) {
      this.variable = variable;
    }

    @Override
    public Object getAttribute(AttributeFilterContext ctx, AttributeId attributeId) {
      Object value = ctx.getAttribute(attributeId);
      DateTime pinned = variable.serverTime;
      if (attributeId == AttributeId.Value && pinned != null && value instanceof DataValue dv) {
        return dv.copy(b -> b.setServerTime(pinned));
      }
      return value;
    }

    @Override
    public void writeAttribute(AttributeFilterContext ctx, AttributeId attributeId, Object value)
        throws UaException {
      if (attributeId == AttributeId.Value && ctx.getSession().isPresent()) {
        Object written =
            value instanceof DataValue dataValue && dataValue.value() != null
                ? PlantOpcUaServer.plainValue(dataValue.value().value())
                : null;
        long status = variable.handler.onWrite(written);
        if (status != 0L && !new StatusCode(status).isGood()) {
          throw new UaException(status, "write refused by the plant");
        }
        variable.writes.incrementAndGet();
      }
      ctx.writeAttribute(attributeId, value);
    }
  }
}
