package org.safeloop.plc.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.milo.opcua.sdk.client.DiscoveryClient;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.OpcUaClientConfigBuilder;
import org.eclipse.milo.opcua.sdk.client.SessionActivityListener;
import org.eclipse.milo.opcua.sdk.client.UaSession;
import org.eclipse.milo.opcua.sdk.client.identity.AnonymousProvider;
import org.eclipse.milo.opcua.sdk.client.identity.UsernameProvider;
import org.eclipse.milo.opcua.sdk.client.subscriptions.OpcUaMonitoredItem;
import org.eclipse.milo.opcua.sdk.client.subscriptions.OpcUaSubscription;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.security.DefaultClientCertificateValidator;
import org.eclipse.milo.opcua.stack.core.security.FileBasedTrustListManager;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UInteger;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UShort;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.EndpointDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;
import org.eclipse.milo.opcua.stack.core.types.structured.WriteValue;
import org.eclipse.milo.opcua.stack.core.util.EndpointUtil;
import org.safeloop.env.Quality;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.PlcException.Reason;
import org.safeloop.plc.PlcSubscription;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagValue;
import org.safeloop.plc.TagWrite;
import org.safeloop.plc.Tags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OPC UA client connection on Eclipse Milo. Milo keeps the session alive and reconnects on its own;
 * while the session is down, calls fail fast with {@link Reason#CONNECTION} and subscribers get BAD
 * values. Subscriptions that cannot be transferred to the new session (the server restarted) are
 * created again. Node ids are resolved from namespace URIs on every call, because a restarted
 * server may renumber its namespaces. Writes carry exactly the node's DataType (read once per node
 * and cached) as value-only DataValues. Thread-safe.
 */
final class OpcUaConnection implements PlcConnection {

  private static final Logger LOG = LoggerFactory.getLogger(OpcUaConnection.class);

  /** Status delivered to subscribers while the session is down. */
  private static final long BAD_NO_COMMUNICATION = StatusCodes.Bad_NoCommunication;

  /** First pause between start-up attempts, in ms; doubled after each failed attempt. */
  private static final long FIRST_RETRY_MILLIS = 100;

  /** Longest pause between start-up attempts, in ms. */
  private static final long MAX_RETRY_MILLIS = 2000;

  /** Shortest time one start-up attempt is given, in ms, even just before the deadline. */
  private static final long MIN_ATTEMPT_MILLIS = 200;

  /** Target time between a subscription's keep-alives, in ms, when nothing changes. */
  private static final double KEEP_ALIVE_MILLIS = 1000.0;

  private final PlcConnectionConfig config;
  private final OpcUaClient client;
  private final FileBasedTrustListManager trustList;
  private final Clock clock;
  private final String name;
  private final ScheduledExecutorService worker;
  private final Map<NodeId, NodeId> dataTypes = new ConcurrentHashMap<>();
  private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
  private volatile boolean sessionActive;
  private volatile boolean closed;

  private OpcUaConnection(
      PlcConnectionConfig config,
      OpcUaClient client,
      FileBasedTrustListManager trustList,
      Clock clock,
      String name) {
    this.config = config;
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
    client.addSessionActivityListener(
        new SessionActivityListener() {
          @Override
          public void onSessionActive(UaSession session) {
            sessionActive = true;
            LOG.info("{}: session active", OpcUaConnection.this.name);
          }

          @Override
          public void onSessionInactive(UaSession session) {
            sessionActive = false;
            LOG.info("{}: session inactive", OpcUaConnection.this.name);
            subscriptions.forEach(Subscription::reportCommunicationLoss);
          }
        });
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
        connection.checkRequiredTags(config.requiredTags());
      } catch (PlcException | InterruptedException | RuntimeException e) {
        connection.close();
        throw e;
      }
      return connection;
    }
  }

  /** Discovers the endpoint, builds the client and connects, within {@code timeout}. */
  private static OpcUaConnection connectOnce(
      PlcConnectionConfig config, OpcUaOptions options, Clock clock, String name, Duration timeout)
      throws PlcException, InterruptedException {
    String url = "opc.tcp://" + config.host() + ":" + config.port() + options.endpointPath();
    long connectMillis = timeout.toMillis();
    List<EndpointDescription> endpoints =
        await(
            DiscoveryClient.getEndpoints(url, t -> t.setConnectTimeout(uint(connectMillis))),
            timeout,
            name + ": discovering endpoints");
    EndpointDescription endpoint = select(endpoints, options, name);
    endpoint = EndpointUtil.updateUrl(endpoint, config.host(), config.port());

    OpcUaClientConfigBuilder builder =
        new OpcUaClientConfigBuilder()
            .setApplicationName(LocalizedText.english("SafeLoop PLC bridge"))
            .setApplicationUri(options.applicationUri())
            .setProductUri("urn:safeloop")
            .setEndpoint(endpoint)
            .setRequestTimeout(uint(config.requestTimeout().toMillis()))
            .setIdentityProvider(
                options.username() == null
                    ? AnonymousProvider.INSTANCE
                    : new UsernameProvider(options.username(), options.password()));
    FileBasedTrustListManager trustList = null;
    try {
      if (options.pkiDirectory() != null) {
        trustList = Pki.trustList(options.pkiDirectory());
        builder.setCertificateValidator(
            new DefaultClientCertificateValidator(
                trustList, Pki.quarantine(options.pkiDirectory())));
        if (options.securityPolicy() != OpcUaOptions.SecurityPolicy.NONE) {
          Pki.Identity identity =
              Pki.loadOrCreate(options.pkiDirectory(), "client", options.applicationUri());
          builder
              .setKeyPair(identity.keyPair())
              .setCertificate(identity.certificate())
              .setCertificateChain(
                  new java.security.cert.X509Certificate[] {identity.certificate()});
        }
      }
    } catch (IOException e) {
      closeQuietly(trustList);
      throw new PlcException(
          Reason.ACCESS_DENIED, 0, name + ": cannot prepare the PKI directory: " + e, e);
    }
    OpcUaClient client;
    try {
      client = OpcUaClient.create(builder.build(), t -> t.setConnectTimeout(uint(connectMillis)));
    } catch (UaException e) {
      closeQuietly(trustList);
      throw OpcUaStatus.toPlc(e, name + ": cannot create the client");
    }
    OpcUaConnection connection = new OpcUaConnection(config, client, trustList, clock, name);
    try {
      await(client.connectAsync(), timeout, name + ": connecting");
    } catch (PlcException | InterruptedException | RuntimeException e) {
      connection.close();
      throw e;
    }
    connection.sessionActive = true;
    LOG.info("{}: connected with {} / {}", name, options.securityPolicy(), options.securityMode());
    return connection;
  }

  private static EndpointDescription select(
      List<EndpointDescription> endpoints, OpcUaOptions options, String name) throws PlcException {
    SecurityPolicy policy =
        switch (options.securityPolicy()) {
          case NONE -> SecurityPolicy.None;
          case BASIC256SHA256 -> SecurityPolicy.Basic256Sha256;
          case AES128_SHA256_RSAOAEP -> SecurityPolicy.Aes128_Sha256_RsaOaep;
          case AES256_SHA256_RSAPSS -> SecurityPolicy.Aes256_Sha256_RsaPss;
        };
    MessageSecurityMode mode =
        switch (options.securityMode()) {
          case NONE -> MessageSecurityMode.None;
          case SIGN -> MessageSecurityMode.Sign;
          case SIGN_AND_ENCRYPT -> MessageSecurityMode.SignAndEncrypt;
        };
    List<String> offered = new ArrayList<>();
    for (EndpointDescription endpoint : endpoints) {
      offered.add(endpoint.getSecurityPolicyUri() + " " + endpoint.getSecurityMode());
      if (policy.getUri().equals(endpoint.getSecurityPolicyUri())
          && endpoint.getSecurityMode() == mode) {
        return endpoint;
      }
    }
    throw new PlcException(
        Reason.NOT_FOUND,
        StatusCodes.Bad_SecurityPolicyRejected,
        name
            + ": the server offers no endpoint with "
            + policy.getUri()
            + " "
            + mode
            + "; it offers "
            + offered);
  }

  @Override
  public CompletableFuture<Map<String, TagValue>> readAsync(Collection<Tag> tags) {
    List<Tag> checked;
    List<NodeId> nodeIds;
    try {
      checked = checkTags(tags);
      nodeIds = resolve(checked);
    } catch (IllegalArgumentException | PlcException e) {
      return CompletableFuture.failedFuture(e);
    }
    String what = "reading " + names(checked);
    return bounded(
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
                  return java.util.Collections.unmodifiableMap(result);
                }),
        what);
  }

  @Override
  public CompletableFuture<Void> writeAsync(Collection<TagWrite> writes) {
    List<TagWrite> checked;
    List<NodeId> nodeIds;
    try {
      checked = checkWrites(writes);
      List<Tag> tags = new ArrayList<>();
      checked.forEach(w -> tags.add(w.tag()));
      nodeIds = resolve(tags);
    } catch (PlcException e) {
      // A namespace the server does not have is its answer to this write, not a lost link.
      return CompletableFuture.failedFuture(
          e.reason() == Reason.NOT_FOUND
              ? PlcException.refusal(e.reason(), e.code(), e.getMessage(), e.getCause())
              : e);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    String what = "writing " + names(checked.stream().map(TagWrite::tag).toList());
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
                  return client.writeAsync(values);
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
    return bounded(written, what);
  }

  @Override
  public CompletableFuture<PlcSubscription> subscribeAsync(
      Collection<Tag> tags, Duration samplingInterval, Consumer<TagValue> listener) {
    List<Tag> checked;
    try {
      checked = checkTags(tags);
      if (samplingInterval == null || samplingInterval.isNegative() || samplingInterval.isZero()) {
        throw new IllegalArgumentException(
            "samplingInterval must be positive: " + samplingInterval);
      }
      Objects.requireNonNull(listener, "listener");
    } catch (IllegalArgumentException | NullPointerException e) {
      return CompletableFuture.failedFuture(e);
    }
    Subscription subscription = new Subscription(checked, samplingInterval, listener);
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
      future.completeExceptionally(closedException());
    }
    return future;
  }

  @Override
  public Duration callTimeout() {
    return config.connectTimeout().plus(config.requestTimeout());
  }

  @Override
  public boolean isConnected() {
    return sessionActive && !closed;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    sessionActive = false;
    worker.shutdownNow();
    subscriptions.clear();
    try {
      client.disconnectAsync().get(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.debug("{}: disconnect did not finish cleanly: {}", name, e.toString());
    }
    closeQuietly(trustList);
    LOG.info("{}: closed", name);
  }

  @Override
  public String toString() {
    return name;
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static List<Tag> checkTags(Collection<Tag> tags) {
    return Tags.requireAll(tags, OpcUaAddress.class, "an OPC UA connection");
  }

  private static List<TagWrite> checkWrites(Collection<TagWrite> writes) {
    Objects.requireNonNull(writes, "writes");
    List<Tag> tags = new ArrayList<>();
    for (TagWrite write : writes) {
      Tag tag = write.tag();
      if (tag.readOnly()) {
        throw new IllegalArgumentException("tag " + tag.name() + " is read-only");
      }
      boolean textTag = tag.dataType() == org.safeloop.plc.DataType.STRING;
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
    checkTags(tags);
    return List.copyOf(writes);
  }

  /**
   * Checks, in one read, that every required tag's node exists, is a variable, holds a DataType the
   * tag can carry, and is readable (and writable unless the tag is read-only) by this session;
   * refuses naming every tag and node that is not.
   */
  private void checkRequiredTags(List<Tag> required) throws PlcException, InterruptedException {
    if (required.isEmpty()) {
      return;
    }
    List<Tag> tags = checkTags(required);
    List<String> problems = new ArrayList<>();
    long firstCode = 0;
    Reason firstReason = null;
    List<Tag> resolvedTags = new ArrayList<>();
    List<ReadValueId> reads = new ArrayList<>();
    for (Tag tag : tags) {
      NodeId nodeId;
      try {
        nodeId = resolve(List.of(tag)).get(0);
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
    if (!reads.isEmpty()) {
      DataValue[] results =
          await(
                  client.readAsync(0.0, TimestampsToReturn.Neither, reads),
                  callTimeout(),
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

  /** Resolves namespace URIs to the server's current indexes. */
  private List<NodeId> resolve(List<Tag> tags) throws PlcException {
    if (closed) {
      throw closedException();
    }
    if (!sessionActive) {
      throw new PlcException(
          Reason.CONNECTION,
          StatusCodes.Bad_NoCommunication,
          name + ": no session (reconnecting); " + names(tags));
    }
    List<NodeId> ids = new ArrayList<>(tags.size());
    boolean refreshed = false;
    for (Tag tag : tags) {
      OpcUaAddress address = (OpcUaAddress) tag.address();
      UShort index = client.getNamespaceTable().getIndex(address.namespaceUri());
      if (index == null && !refreshed) {
        // The client's copy of the namespace table may predate the server's namespaces (a server
        // that registers them just after it starts listening): read it again, once per call.
        refreshed = true;
        try {
          client
              .readNamespaceTableAsync()
              .get(config.requestTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException
            | java.util.concurrent.TimeoutException e) {
          // fall through: the index stays unknown and the call fails below
        }
        index = client.getNamespaceTable().getIndex(address.namespaceUri());
      }
      if (index == null) {
        throw new PlcException(
            Reason.NOT_FOUND,
            StatusCodes.Bad_NodeIdUnknown,
            name
                + ": tag "
                + tag.name()
                + ": the server has no namespace "
                + address.namespaceUri());
      }
      ids.add(
          address.idType() == OpcUaAddress.IdType.NUMERIC
              ? new NodeId(index, UInteger.valueOf(Long.parseLong(address.identifier())))
              : new NodeId(index, address.identifier()));
    }
    return ids;
  }

  /** The DataType attribute of each node, read once per node and cached. */
  private CompletableFuture<List<NodeId>> dataTypesOf(List<NodeId> nodeIds, List<TagWrite> writes) {
    List<ReadValueId> missing = new ArrayList<>();
    for (NodeId nodeId : new java.util.LinkedHashSet<>(nodeIds)) {
      if (!dataTypes.containsKey(nodeId)) {
        missing.add(
            new ReadValueId(nodeId, AttributeId.DataType.uid(), null, QualifiedName.NULL_VALUE));
      }
    }
    CompletableFuture<Void> loaded =
        missing.isEmpty()
            ? CompletableFuture.completedFuture(null)
            : client
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
                              name
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

  /** Bounds an asynchronous call by the call timeout and maps Milo failures to PlcException. */
  private <T> CompletableFuture<T> bounded(CompletableFuture<T> future, String what) {
    CompletableFuture<T> result = new CompletableFuture<>();
    future
        .orTimeout(callTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (value, error) -> {
              if (error == null) {
                result.complete(value);
              } else {
                result.completeExceptionally(translate(error, name + ": " + what));
              }
            });
    return result;
  }

  private Throwable translate(Throwable error, String what) {
    Throwable cause = OpcUaStatus.unwrap(error);
    if (cause instanceof PlcException || cause instanceof IllegalArgumentException) {
      return cause;
    }
    if (closed) {
      return new PlcException(Reason.CLOSED, 0, what + ": connection closed", cause);
    }
    return OpcUaStatus.toPlc(cause, what);
  }

  private static <T> T await(CompletableFuture<T> future, Duration timeout, String what)
      throws PlcException, InterruptedException {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      future.cancel(false);
      throw e;
    } catch (TimeoutException e) {
      future.cancel(false);
      throw new PlcException(
          Reason.TIMEOUT, StatusCodes.Bad_Timeout, what + ": no answer within " + timeout, e);
    } catch (ExecutionException e) {
      throw OpcUaStatus.toPlc(e, what);
    }
  }

  private static String names(List<Tag> tags) {
    List<String> names = new ArrayList<>();
    tags.forEach(t -> names.add(t.name()));
    return "tag(s) " + String.join(", ", names);
  }

  private PlcException closedException() {
    return new PlcException(Reason.CLOSED, 0, name + " is closed");
  }

  private static void closeQuietly(FileBasedTrustListManager trustList) {
    if (trustList != null) {
      try {
        trustList.close();
      } catch (IOException e) {
        LOG.debug("closing trust list", e);
      }
    }
  }

  /**
   * One subscription of the bridge; holds the Milo subscription of the current session and creates
   * a new one when the server could not transfer the old one to a new session.
   */
  private final class Subscription implements PlcSubscription {
    private final List<Tag> tags;
    private final Duration samplingInterval;
    private final Consumer<TagValue> listener;
    private final Map<String, TagValue> latest = new ConcurrentHashMap<>();
    private final Map<OpcUaMonitoredItem, Tag> itemTags = new ConcurrentHashMap<>();
    private volatile OpcUaSubscription current;
    private volatile boolean stopped;
    private long retryDelayMillis;

    Subscription(List<Tag> tags, Duration samplingInterval, Consumer<TagValue> listener) {
      this.tags = tags;
      this.samplingInterval = samplingInterval;
      this.listener = listener;
    }

    /** Creates the Milo subscription and its monitored items; on the worker thread. */
    void create() throws PlcException {
      List<NodeId> nodeIds = resolve(tags);
      double intervalMillis = samplingInterval.toNanos() / 1e6;
      OpcUaSubscription subscription = new OpcUaSubscription(client, intervalMillis);
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
        throw OpcUaStatus.toPlc(e, name + ": creating a subscription for " + names(tags));
      } catch (RuntimeException e) {
        throw OpcUaStatus.toPlc(e, name + ": creating monitored items for " + names(tags));
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
            OpcUaStatus.reasonFor(code),
            code,
            name + ": server refused monitored items " + failures);
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
     * Delivers again, confirmed now, the values a publish of the subscription left unchanged; at
     * most once per sampling interval per tag, and never a value that a loss of communication made
     * BAD.
     */
    private void confirmUnchanged(List<OpcUaMonitoredItem> changed) {
      if (stopped || !sessionActive) {
        return;
      }
      java.time.Instant now = clock.instant();
      Set<String> skip = new java.util.HashSet<>();
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
        LOG.warn("{}: subscription listener failed on {}", name, value.tag(), e);
      }
    }

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
      if (stopped || closed) {
        return;
      }
      try {
        worker.schedule(this::recreate, delayMillis, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        LOG.debug("{}: closed; not recreating subscription", name);
      }
    }

    private void recreate() {
      if (stopped || closed) {
        return;
      }
      OpcUaSubscription old = current;
      if (old != null) {
        old.reset();
      }
      try {
        create();
        LOG.info("{}: subscription for {} created again", name, names(tags));
      } catch (PlcException | RuntimeException e) {
        retryDelayMillis = Math.min(5000, Math.max(100, retryDelayMillis * 2));
        LOG.debug(
            "{}: recreating subscription failed ({}); retry in {} ms", name, e, retryDelayMillis);
        OpcUaSubscription failed = current;
        if (failed != null && failed != old) {
          failed.reset();
        }
        scheduleRecreate(retryDelayMillis);
      }
    }

    void closeQuietly() {
      stopped = true;
      OpcUaSubscription subscription = current;
      if (subscription != null
          && subscription.getSyncState() != OpcUaSubscription.SyncState.INITIAL) {
        try {
          subscription.deleteAsync();
        } catch (RuntimeException e) {
          LOG.debug("{}: deleting subscription failed", name, e);
        }
      }
    }

    @Override
    public void close() {
      subscriptions.remove(this);
      closeQuietly();
    }
  }
}
