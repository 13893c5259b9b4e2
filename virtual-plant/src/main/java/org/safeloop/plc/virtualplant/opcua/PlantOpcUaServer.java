package org.safeloop.plc.virtualplant.opcua;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.milo.opcua.sdk.server.EndpointConfig;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig;
import org.eclipse.milo.opcua.sdk.server.identity.AnonymousIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.identity.CompositeValidator;
import org.eclipse.milo.opcua.sdk.server.identity.IdentityValidator;
import org.eclipse.milo.opcua.sdk.server.identity.UsernameIdentityValidator;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.security.CertificateQuarantine;
import org.eclipse.milo.opcua.stack.core.security.CertificateStore;
import org.eclipse.milo.opcua.stack.core.security.DefaultApplicationGroup;
import org.eclipse.milo.opcua.stack.core.security.DefaultCertificateManager;
import org.eclipse.milo.opcua.stack.core.security.DefaultServerCertificateValidator;
import org.eclipse.milo.opcua.stack.core.security.FileBasedTrustListManager;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateStore;
import org.eclipse.milo.opcua.stack.core.security.RsaSha256CertificateFactory;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.transport.TransportProfile;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UInteger;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UShort;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.structured.BuildInfo;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransport;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransportConfig;
import org.safeloop.plc.DataType;
import org.safeloop.plc.opcua.OpcUaAddress;
import org.safeloop.plc.opcua.OpcUaOptions;
import org.safeloop.plc.opcua.Pki;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OPC UA server on 127.0.0.1 with a namespace of process variables, for the virtual plant and
 * for tests. Code creates variables, updates their values and status codes (e.g. Bad, or {@code
 * Good_LocalOverride} when an operator takes over), sees how often clients wrote each one, and may
 * veto client writes.
 *
 * <p>Endpoints: {@code opc.tcp://127.0.0.1:<port>/safeloop} with security None, and Basic256Sha256,
 * Aes128_Sha256_RsaOaep and Aes256_Sha256_RsaPss each with Sign and with SignAndEncrypt (or the
 * policies {@link Builder#securityPolicies} names), plus {@code /safeloop/discovery} with None. The
 * server always has a certificate (Milo needs one even for None, e.g. to encrypt passwords). Its
 * PKI directory has the layout described in {@link OpcUaOptions}: a client certificate is trusted
 * once a DER file of it sits in {@code trusted/certs} (the directory is watched, no restart
 * needed); refused client certificates land in {@code rejected/}. Identities: anonymous (unless
 * disabled) and the configured user names with passwords.
 *
 * <p>Thread-safe. Close it to unbind the port and release the trust-list watcher.
 */
public final class PlantOpcUaServer implements AutoCloseable {

  /** Default namespace URI of the plant variables. */
  public static final String DEFAULT_NAMESPACE_URI = "urn:safeloop:virtual-plant";

  /** Path of the endpoints. */
  public static final String PATH = "/safeloop";

  /** The only address the server binds to. */
  public static final String HOST = "127.0.0.1";

  /** Status code value meaning Good; a {@link WriteHandler} returns it to accept a write. */
  public static final long GOOD = 0L;

  private static final Logger LOG = LoggerFactory.getLogger(PlantOpcUaServer.class);

  /**
   * The MinimumSamplingInterval of every variable, in ms: values change at most once per plant scan
   * (tens of ms) and per process step, so faster sampling only costs the server.
   */
  public static final double MINIMUM_SAMPLING_INTERVAL_MILLIS = 100.0;

  /**
   * What an HMI sees of a variable besides its value: a description, whether clients may write it
   * (its AccessLevel), for an analog value its engineering unit and range (AnalogItemType with
   * EngineeringUnits and EURange), for a state its names (MultiStateDiscreteType with EnumStrings),
   * and whether it holds a time (DateTime). Immutable.
   *
   * @param description a sentence for the HMI engineer
   * @param writable whether clients may write the value (AccessLevel CurrentWrite)
   * @param engineeringUnit the unit of an analog value, e.g. "K"; null for a non-analog value
   * @param euLow the low end of the analog value's range (EURange); NaN for none
   * @param euHigh the high end of the range; NaN for none
   * @param states the names of the values 0, 1, ... of a state; empty for none
   * @param dateTime the node is a DateTime; numbers set or written are epoch seconds
   */
  public record NodeInfo(
      String description,
      boolean writable,
      String engineeringUnit,
      double euLow,
      double euHigh,
      List<String> states,
      boolean dateTime) {

    /** Checks the description and copies the state names. */
    public NodeInfo {
      Objects.requireNonNull(description, "description");
      states = List.copyOf(states);
      if (engineeringUnit != null && !states.isEmpty()) {
        throw new IllegalArgumentException("a variable is analog or a state, not both");
      }
    }

    /**
     * A plain variable.
     *
     * @param description a sentence for the HMI engineer
     * @param writable whether clients may write it
     * @return the info
     */
    public static NodeInfo of(String description, boolean writable) {
      return new NodeInfo(description, writable, null, Double.NaN, Double.NaN, List.of(), false);
    }

    /**
     * Returns a copy that is an analog value (AnalogItemType).
     *
     * @param unit the engineering unit
     * @param low the low end of its range
     * @param high the high end of its range
     * @return the info
     */
    public NodeInfo analog(String unit, double low, double high) {
      return new NodeInfo(
          description, writable, Objects.requireNonNull(unit, "unit"), low, high, states, dateTime);
    }

    /**
     * Returns a copy that is a state with these names for 0, 1, ... (EnumStrings).
     *
     * @param names the names
     * @return the info
     */
    public NodeInfo states(String... names) {
      return new NodeInfo(
          description, writable, engineeringUnit, euLow, euHigh, List.of(names), dateTime);
    }

    /**
     * Returns a copy whose node holds a DateTime (numbers are epoch seconds).
     *
     * @return the info
     */
    public NodeInfo asDateTime() {
      return new NodeInfo(description, writable, engineeringUnit, euLow, euHigh, states, true);
    }
  }

  /** Decides whether a client write to a variable is accepted. */
  @FunctionalInterface
  public interface WriteHandler {
    /**
     * Called for every client write before it is applied, on a server thread; must not block.
     *
     * @param value the value written, as a plain Java value (Double, Float, Short, Integer, Long,
     *     Boolean or String)
     * @return {@link #GOOD} to accept, or an OPC UA Bad status code (e.g. 0x803C0000
     *     Bad_OutOfRange) that the client receives instead
     */
    long onWrite(Object value);
  }

  private final OpcUaServer server;
  private final PlantNamespace namespace;
  private final FileBasedTrustListManager trustList;
  private final X509Certificate certificate;
  private final Path pkiDirectory;
  private final int port;
  private final String namespaceUri;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  private PlantOpcUaServer(
      OpcUaServer server,
      PlantNamespace namespace,
      FileBasedTrustListManager trustList,
      X509Certificate certificate,
      Path pkiDirectory,
      int port,
      String namespaceUri) {
    this.server = server;
    this.namespace = namespace;
    this.trustList = trustList;
    this.certificate = certificate;
    this.pkiDirectory = pkiDirectory;
    this.port = port;
    this.namespaceUri = namespaceUri;
  }

  /**
   * Starts building a server.
   *
   * @param pkiDirectory the server's PKI directory (created if missing); keep it across restarts so
   *     that clients keep trusting the same certificate
   * @return the builder
   */
  public static Builder builder(Path pkiDirectory) {
    return new Builder(pkiDirectory);
  }

  /** Configures and starts a {@link PlantOpcUaServer}. Not thread-safe. */
  public static final class Builder {
    private final Path pkiDirectory;
    private int port;
    private String namespaceUri = DEFAULT_NAMESPACE_URI;
    private String applicationUri = "urn:safeloop:virtual-plant:server";
    private boolean anonymous = true;
    private final Map<String, String> users = new LinkedHashMap<>();
    private Set<OpcUaOptions.SecurityPolicy> policies =
        java.util.EnumSet.allOf(OpcUaOptions.SecurityPolicy.class);

    private Builder(Path pkiDirectory) {
      this.pkiDirectory = Objects.requireNonNull(pkiDirectory, "pkiDirectory");
    }

    /**
     * The TCP port on 127.0.0.1; 0 (the default) picks a free one.
     *
     * @param value the port, 0..65535
     * @return this builder
     */
    public Builder port(int value) {
      if (value < 0 || value > 65535) {
        throw new IllegalArgumentException("port must be in 0..65535: " + value);
      }
      this.port = value;
      return this;
    }

    /**
     * The namespace URI of the plant variables.
     *
     * @param uri the URI
     * @return this builder
     */
    public Builder namespaceUri(String uri) {
      if (uri == null || uri.isBlank()) {
        throw new IllegalArgumentException("namespaceUri must not be blank");
      }
      this.namespaceUri = uri;
      return this;
    }

    /**
     * Accepts a user name with its password.
     *
     * @param name user name
     * @param password password
     * @return this builder
     */
    public Builder user(String name, String password) {
      if (name == null || name.isBlank() || password == null) {
        throw new IllegalArgumentException("a user needs a name and a password");
      }
      users.put(name, password);
      return this;
    }

    /**
     * The security policies of the session endpoints (default all: None, Basic256Sha256,
     * Aes128_Sha256_RsaOaep and Aes256_Sha256_RsaPss, each secure one with Sign and with
     * SignAndEncrypt). The discovery endpoint {@code /safeloop/discovery} always has None, as
     * clients need it to find the others.
     *
     * @param offered at least one policy
     * @return this builder
     */
    public Builder securityPolicies(OpcUaOptions.SecurityPolicy... offered) {
      if (offered == null || offered.length == 0) {
        throw new IllegalArgumentException("securityPolicies: offer at least one policy");
      }
      this.policies = java.util.EnumSet.copyOf(java.util.List.of(offered));
      return this;
    }

    /**
     * Whether anonymous sessions are accepted (default true).
     *
     * @param allowed true to accept anonymous sessions
     * @return this builder
     */
    public Builder anonymous(boolean allowed) {
      this.anonymous = allowed;
      return this;
    }

    /**
     * Starts the server; waits at most 10 s.
     *
     * @return the running server
     * @throws IOException if the PKI directory or the port cannot be used
     * @throws InterruptedException if interrupted while starting
     */
    public PlantOpcUaServer start() throws IOException, InterruptedException {
      if (!anonymous && users.isEmpty()) {
        throw new IllegalStateException("a server without anonymous access needs a user");
      }
      int attempts = port == 0 ? 5 : 1;
      IOException last = null;
      for (int attempt = 0; attempt < attempts; attempt++) {
        int chosen = port == 0 ? freePort() : port;
        try {
          return PlantOpcUaServer.start(this, chosen);
        } catch (IOException e) {
          last = e; // the free port was taken in between; try another
        }
      }
      throw last;
    }
  }

  private static int freePort() throws IOException {
    // Milo advertises the configured port in its endpoint URLs, so port 0 cannot be handed to it.
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
      return probe.getLocalPort();
    }
  }

  private static PlantOpcUaServer start(Builder builder, int port)
      throws IOException, InterruptedException {
    Pki.requireBouncyCastle();
    Pki.Identity identity =
        Pki.loadOrCreate(builder.pkiDirectory, "server", builder.applicationUri);
    FileBasedTrustListManager trustList = Pki.trustList(builder.pkiDirectory);
    try {
      CertificateQuarantine quarantine = Pki.quarantine(builder.pkiDirectory);
      CertificateStore store = new MemoryCertificateStore();
      store.set(
          NodeIds.RsaSha256ApplicationCertificateType,
          new CertificateStore.Entry(
              identity.keyPair().getPrivate(), new X509Certificate[] {identity.certificate()}));
      RsaSha256CertificateFactory factory =
          new RsaSha256CertificateFactory() {
            @Override
            protected X509Certificate[] createRsaSha256CertificateChain(KeyPair keyPair) {
              return new X509Certificate[] {identity.certificate()};
            }
          };
      DefaultApplicationGroup group =
          DefaultApplicationGroup.createAndInitialize(
              trustList,
              store,
              factory,
              new DefaultServerCertificateValidator(trustList, quarantine));
      OpcUaServerConfig config =
          OpcUaServerConfig.builder()
              .setApplicationUri(builder.applicationUri)
              .setApplicationName(LocalizedText.english("SafeLoop virtual plant"))
              .setProductUri("urn:safeloop")
              .setBuildInfo(
                  new BuildInfo(
                      "urn:safeloop",
                      "SafeLoop",
                      "SafeLoop virtual plant",
                      OpcUaServer.SDK_VERSION,
                      "",
                      DateTime.now()))
              .setEndpoints(endpoints(identity.certificate(), port, builder))
              .setCertificateManager(new DefaultCertificateManager(quarantine, group))
              .setIdentityValidator(identityValidator(builder))
              .build();
      OpcUaServer server =
          new OpcUaServer(
              config,
              profile -> {
                if (profile != TransportProfile.TCP_UASC_UABINARY) {
                  throw new IllegalArgumentException("unsupported transport " + profile);
                }
                return new OpcTcpServerTransport(OpcTcpServerTransportConfig.newBuilder().build());
              });
      PlantNamespace namespace = new PlantNamespace(server, builder.namespaceUri);
      namespace.startup();
      try {
        server.startup().get(10, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        namespace.shutdown();
        stopQuietly(server);
        throw new IOException("OPC UA server did not start on " + HOST + ":" + port, e);
      } catch (InterruptedException e) {
        namespace.shutdown();
        stopQuietly(server);
        throw e;
      }
      LOG.info("plant OPC UA server at opc.tcp://{}:{}{}", HOST, port, PATH);
      return new PlantOpcUaServer(
          server,
          namespace,
          trustList,
          identity.certificate(),
          builder.pkiDirectory,
          port,
          builder.namespaceUri);
    } catch (IOException | InterruptedException | RuntimeException e) {
      trustList.close();
      throw e;
    } catch (Exception e) {
      trustList.close();
      throw new IOException("cannot configure the OPC UA server", e);
    }
  }

  private static Set<EndpointConfig> endpoints(
      X509Certificate certificate, int port, Builder builder) {
    EndpointConfig.Builder base =
        EndpointConfig.newBuilder()
            .setTransportProfile(TransportProfile.TCP_UASC_UABINARY)
            .setBindAddress(HOST)
            .setHostname(HOST)
            .setBindPort(port)
            .setPath(PATH)
            .setCertificate(certificate);
    if (builder.anonymous) {
      base.addTokenPolicy(OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS);
    }
    if (!builder.users.isEmpty()) {
      base.addTokenPolicy(OpcUaServerConfig.USER_TOKEN_POLICY_USERNAME);
    }
    Set<EndpointConfig> endpoints = new LinkedHashSet<>();
    for (OpcUaOptions.SecurityPolicy offered : builder.policies) {
      if (offered == OpcUaOptions.SecurityPolicy.NONE) {
        endpoints.add(
            base.copy()
                .setSecurityPolicy(SecurityPolicy.None)
                .setSecurityMode(MessageSecurityMode.None)
                .build());
        continue;
      }
      SecurityPolicy policy =
          switch (offered) {
            case BASIC256SHA256 -> SecurityPolicy.Basic256Sha256;
            case AES128_SHA256_RSAOAEP -> SecurityPolicy.Aes128_Sha256_RsaOaep;
            case AES256_SHA256_RSAPSS -> SecurityPolicy.Aes256_Sha256_RsaPss;
            case NONE -> throw new AssertionError();
          };
      for (MessageSecurityMode mode :
          List.of(MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt)) {
        endpoints.add(base.copy().setSecurityPolicy(policy).setSecurityMode(mode).build());
      }
    }
    endpoints.add(
        base.copy()
            .setPath(PATH + "/discovery")
            .setSecurityPolicy(SecurityPolicy.None)
            .setSecurityMode(MessageSecurityMode.None)
            .build());
    return endpoints;
  }

  private static IdentityValidator identityValidator(Builder builder) {
    Map<String, String> users = Map.copyOf(builder.users);
    UsernameIdentityValidator userValidator =
        new UsernameIdentityValidator(
            challenge ->
                challenge.getPassword() != null
                    && challenge.getPassword().equals(users.get(challenge.getUsername())));
    if (!builder.anonymous) {
      return userValidator;
    }
    if (users.isEmpty()) {
      return AnonymousIdentityValidator.INSTANCE;
    }
    return new CompositeValidator(AnonymousIdentityValidator.INSTANCE, userValidator);
  }

  /**
   * The port the server listens on.
   *
   * @return the TCP port
   */
  public int port() {
    return port;
  }

  /**
   * The endpoint URL clients connect to.
   *
   * @return e.g. "opc.tcp://127.0.0.1:4840/safeloop"
   */
  public String endpointUrl() {
    return "opc.tcp://" + HOST + ":" + port + PATH;
  }

  /**
   * The namespace URI of the plant variables.
   *
   * @return the URI
   */
  public String namespaceUri() {
    return namespaceUri;
  }

  /**
   * The server's application certificate, which a client must trust for secure endpoints.
   *
   * @return the certificate
   */
  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * The directory of client certificates this server trusts (DER files).
   *
   * @return {@code <pki>/trusted/certs}
   */
  public Path trustedCertificatesDirectory() {
    return Pki.trustedCertificates(pkiDirectory);
  }

  /**
   * The directory where refused client certificates are kept for review.
   *
   * @return {@code <pki>/rejected}
   */
  public Path rejectedCertificatesDirectory() {
    return pkiDirectory.resolve("rejected");
  }

  /**
   * Adds a writable variable with a string node id (also its browse name) in the plant namespace.
   *
   * @param identifier the string identifier, e.g. "TIC101.PV"
   * @param type the variable's DataType (BOOLEAN, INT16, UINT16, INT32, UINT32, FLOAT32, FLOAT64 or
   *     STRING)
   * @param initialValue the initial value, a Java Number, Boolean or String convertible to {@code
   *     type}
   * @return the variable's address for clients
   */
  public OpcUaAddress addVariable(String identifier, DataType type, Object initialValue) {
    return addVariable(identifier, type, initialValue, NodeInfo.of(identifier, true));
  }

  /**
   * Adds a variable with a string node id (also its browse name) in the plant namespace, described
   * for HMIs.
   *
   * @param identifier the string identifier, e.g. "TIC101.PV"
   * @param type the variable's DataType (ignored for {@link NodeInfo#dateTime()} nodes)
   * @param initialValue the initial value
   * @param info description, access, unit and range, state names
   * @return the variable's address for clients
   */
  public OpcUaAddress addVariable(
      String identifier, DataType type, Object initialValue, NodeInfo info) {
    NodeId nodeId = namespace.stringNodeId(identifier);
    namespace.add(
        nodeId, identifier, nodeType(type, info), nodeValue(type, info, initialValue), info);
    return OpcUaAddress.string(namespaceUri, identifier);
  }

  /**
   * Adds a writable variable with a numeric node id in the plant namespace.
   *
   * @param identifier the numeric identifier, 0..4294967295
   * @param browseName the browse and display name
   * @param type the variable's DataType
   * @param initialValue the initial value
   * @return the variable's address for clients
   */
  public OpcUaAddress addVariable(
      long identifier, String browseName, DataType type, Object initialValue) {
    NodeId nodeId = namespace.numericNodeId(identifier);
    NodeInfo info = NodeInfo.of(browseName, true);
    namespace.add(
        nodeId, browseName, nodeType(type, info), nodeValue(type, info, initialValue), info);
    return OpcUaAddress.numeric(namespaceUri, identifier);
  }

  private static NodeId nodeType(DataType type, NodeInfo info) {
    return info.dateTime() ? NodeIds.DateTime : dataTypeId(type);
  }

  /** A value for a node: epoch seconds become a DateTime on DateTime nodes. */
  private static Object nodeValue(DataType type, NodeInfo info, Object value) {
    if (info.dateTime()) {
      if (!(value instanceof Number seconds)) {
        throw new IllegalArgumentException("a DateTime variable needs epoch seconds, not " + value);
      }
      return new DateTime(Instant.ofEpochMilli(Math.round(seconds.doubleValue() * 1000.0)));
    }
    return toNodeValue(type, value);
  }

  /**
   * The variable's current value as a plain Java value.
   *
   * @param address the variable
   * @return Double, Float, Short, Integer, Long (UInt32, and epoch seconds of a DateTime), Boolean
   *     or String; null if none
   */
  public Object value(OpcUaAddress address) {
    DataValue value = variable(address).node.getValue();
    return value.value() == null ? null : plainValue(value.value().value());
  }

  /**
   * The variable's current status code (32 bits, e.g. 0x00960000 for Good_LocalOverride).
   *
   * @param address the variable
   * @return the status code value
   */
  public long statusCode(OpcUaAddress address) {
    StatusCode status = variable(address).node.getValue().statusCode();
    return status == null ? GOOD : status.value();
  }

  /**
   * Sets the variable's value with status Good and the current time as source timestamp.
   *
   * @param address the variable
   * @param value a Java Number, Boolean or String convertible to the variable's type
   */
  public void setValue(OpcUaAddress address, Object value) {
    setValue(address, value, GOOD);
  }

  /**
   * Sets the variable's value and status code with the current time as source timestamp; reads
   * carry the time of the read as server timestamp (the server holds the live value).
   *
   * @param address the variable
   * @param value the value
   * @param statusCode the status, e.g. 0x00960000 (Good_LocalOverride) or 0x80000000 (Bad)
   */
  public void setValue(OpcUaAddress address, Object value, long statusCode) {
    setValue(address, value, statusCode, DateTime.now(), null);
  }

  /**
   * Sets the variable's value and status code with a given source timestamp, e.g. the time of a
   * simulated measurement on the plant's own clock.
   *
   * @param address the variable
   * @param value the value (a Float or Double variable also takes NaN, as a failed transmitter
   *     reports it)
   * @param statusCode the status code
   * @param sourceTime the source timestamp clients see, and their server timestamp until the next
   *     update: the server knew the value accurate then, as a PLC's cache of a measurement does (a
   *     measurement that stops updating goes stale by both timestamps)
   */
  public void setValue(OpcUaAddress address, Object value, long statusCode, Instant sourceTime) {
    DateTime time = new DateTime(sourceTime);
    setValue(address, value, statusCode, time, time);
  }

  /**
   * Sets the variable's value and status code with a source timestamp and a server timestamp of
   * their own, as a server does that sets the source timestamp only when the value changes.
   *
   * @param address the variable
   * @param value the value
   * @param statusCode the status code
   * @param sourceTime the source timestamp clients see (e.g. the last change, long ago)
   * @param serverTime when the server last knew the value to be accurate; null to answer every read
   *     (and stamp every notification) with the time the server answers, as a server holding a live
   *     value does
   */
  public void setValue(
      OpcUaAddress address, Object value, long statusCode, Instant sourceTime, Instant serverTime) {
    setValue(
        address,
        value,
        statusCode,
        new DateTime(sourceTime),
        serverTime == null ? null : new DateTime(serverTime));
  }

  private void setValue(
      OpcUaAddress address, Object value, long statusCode, DateTime sourceTime, DateTime pinned) {
    PlantNamespace.Variable variable = variable(address);
    NodeId nodeType = variable.node.getDataType();
    Object nodeValue =
        NodeIds.DateTime.equals(nodeType)
            ? nodeValue(DataType.UINT32, NodeInfo.of("", false).asDateTime(), value)
            : toNodeValue(dataType(nodeType), value);
    variable.serverTime = pinned;
    variable.node.setValue(
        new DataValue(new Variant(nodeValue), new StatusCode(statusCode), sourceTime));
  }

  /**
   * Changes only the variable's status code, keeping its value.
   *
   * @param address the variable
   * @param statusCode the new status code
   */
  public void setStatus(OpcUaAddress address, long statusCode) {
    PlantNamespace.Variable variable = variable(address);
    DataValue current = variable.node.getValue();
    variable.serverTime = null;
    variable.node.setValue(
        new DataValue(current.value(), new StatusCode(statusCode), DateTime.now()));
  }

  /**
   * How many client writes to the variable were accepted.
   *
   * @param address the variable
   * @return the count
   */
  public long writeCount(OpcUaAddress address) {
    return variable(address).writes.get();
  }

  /**
   * Installs the handler that accepts or vetoes client writes to the variable (by default all are
   * accepted).
   *
   * @param address the variable
   * @param handler the handler
   */
  public void onWrite(OpcUaAddress address, WriteHandler handler) {
    variable(address).handler = Objects.requireNonNull(handler, "handler");
  }

  /**
   * Stops the server, closes client connections and releases the port; waits at most 5 s.
   * Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    stopQuietly(server);
    namespace.shutdown();
    try {
      trustList.close();
    } catch (IOException e) {
      LOG.debug("closing trust list", e);
    }
    LOG.info("plant OPC UA server on port {} stopped", port);
  }

  private static void stopQuietly(OpcUaServer server) {
    try {
      server.shutdown().get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("OPC UA server did not shut down cleanly", e);
    }
  }

  private PlantNamespace.Variable variable(OpcUaAddress address) {
    if (!address.namespaceUri().equals(namespaceUri)) {
      throw new IllegalArgumentException(
          address + " is not in the plant namespace " + namespaceUri);
    }
    NodeId nodeId =
        address.idType() == OpcUaAddress.IdType.NUMERIC
            ? namespace.numericNodeId(Long.parseLong(address.identifier()))
            : namespace.stringNodeId(address.identifier());
    return namespace.get(nodeId);
  }

  private static NodeId dataTypeId(DataType type) {
    return switch (type) {
      case BOOLEAN -> NodeIds.Boolean;
      case INT16 -> NodeIds.Int16;
      case UINT16 -> NodeIds.UInt16;
      case INT32 -> NodeIds.Int32;
      case UINT32 -> NodeIds.UInt32;
      case FLOAT32 -> NodeIds.Float;
      case FLOAT64 -> NodeIds.Double;
      case STRING -> NodeIds.String;
    };
  }

  private static DataType dataType(NodeId id) {
    for (DataType type : DataType.values()) {
      if (dataTypeId(type).equals(id)) {
        return type;
      }
    }
    throw new IllegalStateException("unexpected DataType " + id);
  }

  private static Object toNodeValue(DataType type, Object value) {
    Objects.requireNonNull(value, "value");
    if (type == DataType.STRING) {
      if (!(value instanceof String)) {
        throw new IllegalArgumentException("a String variable needs a String, not " + value);
      }
      return value;
    }
    double number;
    if (value instanceof Boolean bool) {
      number = bool ? 1 : 0;
    } else if (value instanceof Number n) {
      number = n.doubleValue();
    } else {
      throw new IllegalArgumentException("a " + type + " variable needs a number, not " + value);
    }
    if ((type == DataType.FLOAT32 || type == DataType.FLOAT64) && Double.isNaN(number)) {
      return type == DataType.FLOAT32 ? (Object) Float.NaN : (Object) Double.NaN;
    }
    double raw = type.fitRaw(number, "plant variable");
    return switch (type) {
      case BOOLEAN -> raw != 0;
      case INT16 -> (short) raw;
      case UINT16 -> UShort.valueOf((int) raw);
      case INT32 -> (int) raw;
      case UINT32 -> UInteger.valueOf((long) raw);
      case FLOAT32 -> (float) raw;
      case FLOAT64 -> raw;
      case STRING -> throw new AssertionError();
    };
  }

  static Object plainValue(Object value) {
    if (value instanceof DateTime time) {
      return time.getJavaInstant().getEpochSecond();
    }
    if (value instanceof UShort unsigned) {
      return unsigned.intValue();
    }
    if (value instanceof UInteger unsigned) {
      return unsigned.longValue();
    }
    return value;
  }
}
