package org.safeloop.plc.opcua;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.stack.core.security.FileBasedTrustListManager;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.PlcException.Reason;
import org.safeloop.plc.PlcSubscription;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagValue;
import org.safeloop.plc.TagWrite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OPC UA client connection on Eclipse Milo. Milo keeps the session alive and reconnects on its own;
 * while the session is down, calls fail fast with {@link Reason#CONNECTION} and subscribers get BAD
 * values. Subscriptions that cannot be transferred to the new session (the server restarted) are
 * created again. Node ids are resolved from namespace URIs on every call, because a restarted
 * server may renumber its namespaces. Writes carry exactly the node's DataType (read once per node
 * and cached) as value-only DataValues. Thread-safe.
 *
 * <p>This class opens the connection (retrying while the server does not answer) and reads; the
 * client and its security are built by {@link OpcUaClients}, the session's state and bounded calls
 * are {@link OpcUaSession}'s, writes {@link OpcUaWrites}', subscriptions {@link
 * OpcUaTagSubscription}'s, and the check of the plant file's tags at open {@link
 * OpcUaRequiredTags}'.
 */
final class OpcUaConnection implements PlcConnection {

  private static final Logger LOG = LoggerFactory.getLogger(OpcUaConnection.class);

  /** First pause between start-up attempts, in ms; doubled after each failed attempt. */
  private static final long FIRST_RETRY_MILLIS = 100;

  /** Longest pause between start-up attempts, in ms. */
  private static final long MAX_RETRY_MILLIS = 2000;

  /** Shortest time one start-up attempt is given, in ms, even just before the deadline. */
  private static final long MIN_ATTEMPT_MILLIS = 200;

  private final OpcUaClient client;
  private final FileBasedTrustListManager trustList;
  private final Clock clock;
  private final String name;
  private final ScheduledExecutorService worker;
  private final OpcUaSession session;
  private final OpcUaWrites writes;
  private final Set<OpcUaTagSubscription> subscriptions = ConcurrentHashMap.newKeySet();

  private OpcUaConnection(
      PlcConnectionConfig config,
      OpcUaClient client,
      FileBasedTrustListManager trustList,
      Clock clock,
      String name) {
    this.client = client;
    this.trustList = trustList;
    this.clock = clock;
    this.name = name;
    this.worker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "safeloop-" + name);
              thread.setDaemon(true);
              return thread;
            });
    this.session =
        new OpcUaSession(
            config,
            client,
            name,
            () -> subscriptions.forEach(OpcUaTagSubscription::reportCommunicationLoss));
    this.writes = new OpcUaWrites(session);
  }

  /**
   * Connects within the start-up time, retrying with back-off while the server does not answer (not
   * listening yet, or no answer within the connect timeout), then checks the required tags. A
   * refusal (certificate, user, no matching endpoint) ends the attempts at once.
   */
  static OpcUaConnection open(PlcConnectionConfig config, Clock clock)
      throws PlcException, InterruptedException {
    if (!(config.options() instanceof OpcUaOptions options)) {
      throw new IllegalArgumentException(
          "opcua connection needs OpcUaOptions, got " + config.options().getClass().getName());
    }
    String name = "opcua://" + config.host() + ":" + config.port() + options.endpointPath();
    Pki.requireBouncyCastle();
    long deadline = System.nanoTime() + config.startupTimeout().toNanos();
    long backoffMillis = FIRST_RETRY_MILLIS;
    int attempts = 0;
    while (true) {
      attempts++;
      long remaining = deadline - System.nanoTime();
      Duration attemptTimeout =
          Duration.ofNanos(
              Math.max(
                  Math.min(config.connectTimeout().toNanos(), remaining),
                  TimeUnit.MILLISECONDS.toNanos(MIN_ATTEMPT_MILLIS)));
      OpcUaConnection connection;
      try {
        connection = connectOnce(config, options, clock, name, attemptTimeout);
      } catch (PlcException e) {
        boolean noAnswer = e.reason() == Reason.CONNECTION || e.reason() == Reason.TIMEOUT;
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (!noAnswer || left <= 0) {
          if (!noAnswer || attempts == 1) {
            throw e;
          }
          throw new PlcException(
              e.reason(),
              e.code(),
              name
                  + ": no connection within the start-up time of "
                  + config.startupTimeout().toMillis()
                  + " ms ("
                  + attempts
                  + " attempts; raise connection.startup_timeout_ms if the server needs longer"
                  + " to start); last: "
                  + e.getMessage(),
              e);
        }
        LOG.info("{}: attempt {} failed ({}); retrying", name, attempts, e.getMessage());
        Thread.sleep(Math.min(backoffMillis, left));
        backoffMillis = Math.min(MAX_RETRY_MILLIS, backoffMillis * 2);
        continue;
      }
      try {
        OpcUaRequiredTags.check(connection.session, config.requiredTags());
      } catch (PlcException | InterruptedException | RuntimeException e) {
        connection.close();
        throw e;
      }
      return connection;
    }
  }

  /** Builds the client and connects, within {@code timeout}. */
  private static OpcUaConnection connectOnce(
      PlcConnectionConfig config, OpcUaOptions options, Clock clock, String name, Duration timeout)
      throws PlcException, InterruptedException {
    OpcUaClients.Created created = OpcUaClients.create(config, options, name, timeout);
    OpcUaConnection connection =
        new OpcUaConnection(config, created.client(), created.trustList(), clock, name);
    try {
      OpcUaSession.await(created.client().connectAsync(), timeout, name + ": connecting");
    } catch (PlcException | InterruptedException | RuntimeException e) {
      connection.close();
      throw e;
    }
    connection.session.connected();
    LOG.info("{}: connected with {} / {}", name, options.securityPolicy(), options.securityMode());
    return connection;
  }

  @Override
  public CompletableFuture<Map<String, TagValue>> readAsync(Collection<Tag> tags) {
    List<Tag> checked;
    List<NodeId> nodeIds;
    try {
      checked = OpcUaSession.checkTags(tags);
      nodeIds = session.resolve(checked);
    } catch (IllegalArgumentException | PlcException e) {
      return CompletableFuture.failedFuture(e);
    }
    String what = "reading " + OpcUaSession.names(checked);
    return session.bounded(
        client
            .readValuesAsync(0.0, TimestampsToReturn.Both, nodeIds)
            .thenApply(
                values -> {
                  Map<String, TagValue> result = new LinkedHashMap<>();
                  for (int i = 0; i < checked.size(); i++) {
                    Tag tag = checked.get(i);
                    result.put(
                        tag.name(), OpcUaValues.toTagValue(tag, values.get(i), clock.instant()));
                  }
                  return Collections.unmodifiableMap(result);
                }),
        what);
  }

  @Override
  public CompletableFuture<Void> writeAsync(Collection<TagWrite> writes) {
    return this.writes.writeAsync(writes);
  }

  @Override
  public CompletableFuture<PlcSubscription> subscribeAsync(
      Collection<Tag> tags, Duration samplingInterval, Consumer<TagValue> listener) {
    List<Tag> checked;
    try {
      checked = OpcUaSession.checkTags(tags);
      if (samplingInterval == null || samplingInterval.isNegative() || samplingInterval.isZero()) {
        throw new IllegalArgumentException(
            "samplingInterval must be positive: " + samplingInterval);
      }
      Objects.requireNonNull(listener, "listener");
    } catch (IllegalArgumentException | NullPointerException e) {
      return CompletableFuture.failedFuture(e);
    }
    OpcUaTagSubscription subscription =
        new OpcUaTagSubscription(
            session, clock, worker, subscriptions, checked, samplingInterval, listener);
    CompletableFuture<PlcSubscription> future = new CompletableFuture<>();
    try {
      worker.execute(
          () -> {
            try {
              subscription.create();
              subscriptions.add(subscription);
              future.complete(subscription);
            } catch (PlcException | RuntimeException e) {
              subscription.closeQuietly();
              future.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      future.completeExceptionally(session.closedException());
    }
    return future;
  }

  @Override
  public Duration callTimeout() {
    return session.callTimeout();
  }

  @Override
  public boolean isConnected() {
    return session.isActive() && !session.isClosed();
  }

  @Override
  public void close() {
    if (session.isClosed()) {
      return;
    }
    session.markClosed();
    worker.shutdownNow();
    subscriptions.clear();
    try {
      client.disconnectAsync().get(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.debug("{}: disconnect did not finish cleanly: {}", name, e.toString());
    }
    OpcUaClients.closeQuietly(trustList);
    LOG.info("{}: closed", name);
  }

  @Override
  public String toString() {
    return name;
  }
}
