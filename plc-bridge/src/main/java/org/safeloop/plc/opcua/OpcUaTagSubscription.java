package org.safeloop.plc.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.milo.opcua.sdk.client.subscriptions.OpcUaMonitoredItem;
import org.eclipse.milo.opcua.sdk.client.subscriptions.OpcUaSubscription;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.safeloop.env.Quality;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.PlcSubscription;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription of the bridge: holds the Milo subscription of the current session, delivers
 * every changed value and, on each publish or keep-alive, confirms again the values left unchanged
 * (so that a constant value does not age past its stale limit), delivers BAD values while the
 * session is down, and creates a new Milo subscription when the server could not transfer the old
 * one to a new session. Created and re-created on the connection's worker thread; thread-safe.
 */
final class OpcUaTagSubscription implements PlcSubscription {

  private static final Logger LOG = LoggerFactory.getLogger(OpcUaTagSubscription.class);

  /** Status delivered to subscribers while the session is down. */
  private static final long BAD_NO_COMMUNICATION = StatusCodes.Bad_NoCommunication;

  /** Target time between a subscription's keep-alives, in ms, when nothing changes. */
  private static final double KEEP_ALIVE_MILLIS = 1000.0;

  private final OpcUaSession session;
  private final Clock clock;
  private final ScheduledExecutorService worker;
  private final Set<OpcUaTagSubscription> registry;
  private final List<Tag> tags;
  private final Duration samplingInterval;
  private final Consumer<TagValue> listener;
  private final Map<String, TagValue> latest = new ConcurrentHashMap<>();
  private final Map<OpcUaMonitoredItem, Tag> itemTags = new ConcurrentHashMap<>();
  private volatile OpcUaSubscription current;
  private volatile boolean stopped;
  private long retryDelayMillis;

  /**
   * A subscription not yet created on the server.
   *
   * @param worker the thread that re-creates it
   * @param registry the connection's subscriptions, which {@link #close} leaves
   */
  OpcUaTagSubscription(
      OpcUaSession session,
      Clock clock,
      ScheduledExecutorService worker,
      Set<OpcUaTagSubscription> registry,
      List<Tag> tags,
      Duration samplingInterval,
      Consumer<TagValue> listener) {
    this.session = session;
    this.clock = clock;
    this.worker = worker;
    this.registry = registry;
    this.tags = tags;
    this.samplingInterval = samplingInterval;
    this.listener = listener;
  }

  /** Creates the Milo subscription and its monitored items; on the worker thread. */
  void create() throws PlcException {
    String name = session.name();
    List<NodeId> nodeIds = session.resolve(tags);
    double intervalMillis = samplingInterval.toNanos() / 1e6;
    OpcUaSubscription subscription = new OpcUaSubscription(session.client(), intervalMillis);
    // Keep-alives confirm unchanged values (see confirmUnchanged); Milo's default of one per
    // 10 s would let a constant value age past any sensible stale limit between them.
    long keepAliveCount = Math.max(1, Math.round(KEEP_ALIVE_MILLIS / intervalMillis));
    subscription.setMaxKeepAliveCount(uint(keepAliveCount));
    subscription.setLifetimeCount(uint(Math.min(0xFFFF_FFFFL, 5 * keepAliveCount)));
    subscription.setSubscriptionListener(
        new OpcUaSubscription.SubscriptionListener() {
          @Override
          public void onTransferFailed(OpcUaSubscription failed, StatusCode status) {
            LOG.info(
                "{}: subscription not transferred ({}); creating it again",
                name,
                OpcUaValues.statusName(status.value()));
            scheduleRecreate(0);
          }

          @Override
          public void onKeepAliveReceived(OpcUaSubscription alive) {
            // Nothing changed, and the server says so: every value is confirmed current.
            confirmUnchanged(List.of());
          }

          @Override
          public void onDataReceived(
              OpcUaSubscription notified,
              List<OpcUaMonitoredItem> changed,
              List<DataValue> values) {
            confirmUnchanged(changed);
          }

          @Override
          public void onStatusChanged(OpcUaSubscription changed, StatusCode status) {
            if (status.value() == StatusCodes.Bad_Timeout) {
              LOG.info("{}: subscription timed out on the server; creating it again", name);
              scheduleRecreate(0);
            }
          }
        });
    List<OpcUaMonitoredItem> items = new ArrayList<>();
    itemTags.clear();
    for (int i = 0; i < tags.size(); i++) {
      Tag tag = tags.get(i);
      OpcUaMonitoredItem item = OpcUaMonitoredItem.newDataItem(nodeIds.get(i));
      item.setSamplingInterval(intervalMillis);
      item.setQueueSize(uint(1));
      item.setDataValueListener((monitored, value) -> deliver(tag, value));
      items.add(item);
      itemTags.put(item, tag);
    }
    subscription.addMonitoredItems(items);
    try {
      subscription.create();
      current = subscription;
      subscription.synchronizeMonitoredItems();
    } catch (UaException e) {
      throw OpcUaStatus.toPlc(
          e, name + ": creating a subscription for " + OpcUaSession.names(tags));
    } catch (RuntimeException e) {
      throw OpcUaStatus.toPlc(
          e, name + ": creating monitored items for " + OpcUaSession.names(tags));
    }
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      StatusCode result = items.get(i).getCreateResult().orElse(StatusCode.BAD);
      if (!result.isGood()) {
        failures.add(tags.get(i).name() + ": " + OpcUaValues.statusName(result.value()));
      }
    }
    if (!failures.isEmpty()) {
      long code = items.get(0).getCreateResult().map(StatusCode::value).orElse(0L);
      throw new PlcException(
          OpcUaStatus.reasonFor(code), code, name + ": server refused monitored items " + failures);
    }
    retryDelayMillis = 0;
  }

  private void deliver(Tag tag, DataValue value) {
    if (stopped) {
      return;
    }
    TagValue tagValue = OpcUaValues.toTagValue(tag, value, clock.instant());
    latest.put(tag.name(), tagValue);
    accept(tagValue);
  }

  /**
   * Delivers again, confirmed now, the values a publish of the subscription left unchanged; at most
   * once per sampling interval per tag, and never a value that a loss of communication made BAD.
   */
  private void confirmUnchanged(List<OpcUaMonitoredItem> changed) {
    if (stopped || !session.isActive()) {
      return;
    }
    Instant now = clock.instant();
    Set<String> skip = new HashSet<>();
    for (OpcUaMonitoredItem item : changed) {
      Tag tag = itemTags.get(item);
      if (tag != null) {
        skip.add(tag.name());
      }
    }
    for (Tag tag : tags) {
      TagValue last = latest.get(tag.name());
      if (last == null
          || skip.contains(tag.name())
          || last.statusCode() == BAD_NO_COMMUNICATION
          || last.confirmedTime().plus(samplingInterval).isAfter(now)) {
        continue;
      }
      TagValue confirmed = last.confirmedAt(now);
      latest.put(tag.name(), confirmed);
      accept(confirmed);
    }
  }

  private void accept(TagValue value) {
    try {
      listener.accept(value);
    } catch (RuntimeException e) {
      LOG.warn("{}: subscription listener failed on {}", session.name(), value.tag(), e);
    }
  }

  /** Delivers every tag BAD with Bad_NoCommunication: the session went down. */
  void reportCommunicationLoss() {
    for (Tag tag : tags) {
      if (stopped) {
        return;
      }
      TagValue lost =
          TagValue.numeric(
              tag.name(), Double.NaN, Quality.BAD, clock.instant(), BAD_NO_COMMUNICATION);
      latest.put(tag.name(), lost);
      accept(lost);
    }
  }

  private void scheduleRecreate(long delayMillis) {
    if (stopped || session.isClosed()) {
      return;
    }
    try {
      worker.schedule(this::recreate, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      LOG.debug("{}: closed; not recreating subscription", session.name());
    }
  }

  private void recreate() {
    if (stopped || session.isClosed()) {
      return;
    }
    OpcUaSubscription old = current;
    if (old != null) {
      old.reset();
    }
    try {
      create();
      LOG.info("{}: subscription for {} created again", session.name(), OpcUaSession.names(tags));
    } catch (PlcException | RuntimeException e) {
      retryDelayMillis = Math.min(5000, Math.max(100, retryDelayMillis * 2));
      LOG.debug(
          "{}: recreating subscription failed ({}); retry in {} ms",
          session.name(),
          e,
          retryDelayMillis);
      OpcUaSubscription failed = current;
      if (failed != null && failed != old) {
        failed.reset();
      }
      scheduleRecreate(retryDelayMillis);
    }
  }

  /** Stops delivering and deletes the Milo subscription, without leaving the registry. */
  void closeQuietly() {
    stopped = true;
    OpcUaSubscription subscription = current;
    if (subscription != null
        && subscription.getSyncState() != OpcUaSubscription.SyncState.INITIAL) {
      try {
        subscription.deleteAsync();
      } catch (RuntimeException e) {
        LOG.debug("{}: deleting subscription failed", session.name(), e);
      }
    }
  }

  @Override
  public void close() {
    registry.remove(this);
    closeQuietly();
  }
}
