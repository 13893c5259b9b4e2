package org.safeloop.plc.plant;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.env.config.FieldException;

/**
 * A plant file as written: how to reach the PLC, how often to cycle, and which tag carries each of
 * the policy's signals, the operator mode, the setpoints in force, the advisory outputs and the
 * agent's heartbeat. Keys are snake_case in YAML; {@link PlantFile#load} resolves and checks it.
 *
 * @param name plant name, e.g. {@code cstr-virtual-modbus}
 * @param description one paragraph for people
 * @param connection protocol, address and protocol options
 * @param cyclePeriodMs control cycle in milliseconds (read, decide, write, audit); one cycle is one
 *     control interval of the process, so this must match the shield's control interval (scaled by
 *     {@code timeScale})
 * @param timeScale process time per wall time: 1 (the default) for a real plant; a virtual plant
 *     that runs its process faster than real time (a test bench) states its speed here, and the
 *     bridge says so when it starts
 * @param observations the policy's observation names to the tags that measure them
 * @param actions the policy's action names to the remote-setpoint tags closed loop writes
 * @param currentSetpoints action names to the tags that show the setpoint in force (whoever set
 *     it), for bumpless engagement and override detection
 * @param operatorMode the tag that says whether the loop is in remote/auto (the agent may act)
 * @param advisory the tags advisory mode writes for the HMI
 * @param heartbeat the agent heartbeat counter, written every cycle in advisory and closed loop so
 *     the PLC's watchdog can shed to local control when the agent stops
 * @param demotion when and where closed loop steps back
 * @param allowInsecureClosedLoop allow closed loop over an OPC UA connection without security
 *     (SecurityMode None); default false
 */
public record PlantSpec(
    String name,
    String description,
    ConnectionSpec connection,
    Integer cyclePeriodMs,
    Double timeScale,
    Map<String, TagSpec> observations,
    Map<String, TagSpec> actions,
    Map<String, TagSpec> currentSetpoints,
    ModeSpec operatorMode,
    AdvisorySpec advisory,
    TagSpec heartbeat,
    DemotionSpec demotion,
    Boolean allowInsecureClosedLoop) {

  /**
   * Why {@code stale_after_ms} is refused, on a tag or under {@code demotion}: the shield alone
   * judges input validity, staleness included.
   */
  static final String STALENESS_MOVED =
      "no longer accepted: the shield alone judges whether an input is stale; set max_age_s"
          + " (seconds of process time, by the time the PLC last confirmed the value) under the"
          + " signal's entry in the shield file's measurements, and leave it out there for a"
          + " value that is legitimately constant";

  /** Validates what can be checked without the policy and fills defaults. */
  public PlantSpec {
    FieldException.require(name != null && !name.isBlank(), "name", "give the plant a name");
    description = description == null ? "" : description;
    FieldException.require(connection != null, "connection", "say how to reach the PLC");
    cyclePeriodMs = cyclePeriodMs == null ? 1000 : cyclePeriodMs;
    FieldException.require(
        cyclePeriodMs >= 1, "cycle_period_ms", "must be at least 1, got " + cyclePeriodMs);
    timeScale = timeScale == null ? 1.0 : timeScale;
    FieldException.require(
        Double.isFinite(timeScale) && timeScale > 0,
        "time_scale",
        "must be positive (process time per wall time, 1 for a real plant), got " + timeScale);
    FieldException.require(
        observations != null && !observations.isEmpty(),
        "observations",
        "map every observation of the policy to a tag");
    FieldException.require(
        actions != null && !actions.isEmpty(),
        "actions",
        "map every action of the policy to its remote-setpoint tag");
    observations = new LinkedHashMap<>(observations);
    actions = new LinkedHashMap<>(actions);
    currentSetpoints = currentSetpoints == null ? Map.of() : new LinkedHashMap<>(currentSetpoints);
    for (String action : currentSetpoints.keySet()) {
      FieldException.require(
          actions.containsKey(action),
          "current_setpoints." + action,
          "not an action of this plant file; actions are " + actions.keySet());
    }
    FieldException.require(
        operatorMode != null, "operator_mode", "name the remote/auto vs local/manual tag");
    advisory = advisory == null ? new AdvisorySpec(null, null, null, null) : advisory;
    for (String action : advisory.recommended().keySet()) {
      FieldException.require(
          actions.containsKey(action),
          "advisory.recommended." + action,
          "not an action of this plant file; actions are " + actions.keySet());
    }
    demotion = demotion == null ? new DemotionSpec(null, null, null, null, null) : demotion;
    allowInsecureClosedLoop = allowInsecureClosedLoop != null && allowInsecureClosedLoop;
  }

  /**
   * How to reach the PLC.
   *
   * @param protocol {@code modbus} or {@code opcua} (any registered {@code PlcConnectionProvider})
   * @param host host name or address
   * @param port TCP port
   * @param connectTimeoutMs bound on connecting, default 2000
   * @param requestTimeoutMs bound on every read or write, default 500
   * @param unitId Modbus unit id, default 1
   * @param addressing Modbus addresses in this file: {@code zero-based} (a table prefix and the PDU
   *     offset, e.g. {@code holding:0}) or {@code modicon} (1-based references, e.g. {@code
   *     40001}); every address must be written that way; default {@code zero-based}
   * @param endpointPath OPC UA endpoint path, default {@code /safeloop}
   * @param securityPolicy OPC UA: {@code none}, {@code basic256sha256}, {@code
   *     aes128_sha256_rsaoaep} or {@code aes256_sha256_rsapss}, default none
   * @param securityMode OPC UA: {@code none}, {@code sign} or {@code sign-and-encrypt}
   * @param pkiDirectory OPC UA: folder of the client certificate and trust lists, relative to the
   *     plant file
   * @param username OPC UA user name (anonymous when absent)
   * @param passwordEnv the environment variable holding the password (never the password itself)
   * @param startupTimeoutMs how long the first connection is retried, with back-off, while the PLC
   *     does not answer (OPC UA; a Modbus connection retries on its own), default 30000 and at
   *     least {@code connectTimeoutMs}
   */
  public record ConnectionSpec(
      String protocol,
      String host,
      Integer port,
      Integer connectTimeoutMs,
      Integer requestTimeoutMs,
      Integer unitId,
      String addressing,
      String endpointPath,
      String securityPolicy,
      String securityMode,
      String pkiDirectory,
      String username,
      String passwordEnv,
      Integer startupTimeoutMs) {

    /** Default of {@code startup_timeout_ms}: a PLC or OPC UA server that is still starting. */
    public static final int DEFAULT_STARTUP_TIMEOUT_MS = 30_000;

    /** Validates and fills defaults. */
    public ConnectionSpec {
      FieldException.require(
          "modbus".equals(protocol) || "opcua".equals(protocol),
          "protocol",
          "must be modbus or opcua, got " + protocol);
      FieldException.require(host != null && !host.isBlank(), "host", "give the PLC's host");
      FieldException.require(port != null, "port", "give the PLC's TCP port");
      FieldException.require(port >= 1 && port <= 65535, "port", "must be in 1..65535");
      connectTimeoutMs = connectTimeoutMs == null ? 2000 : connectTimeoutMs;
      requestTimeoutMs = requestTimeoutMs == null ? 500 : requestTimeoutMs;
      FieldException.require(connectTimeoutMs >= 1, "connect_timeout_ms", "must be positive");
      FieldException.require(requestTimeoutMs >= 1, "request_timeout_ms", "must be positive");
      startupTimeoutMs =
          startupTimeoutMs == null
              ? Math.max(DEFAULT_STARTUP_TIMEOUT_MS, connectTimeoutMs)
              : startupTimeoutMs;
      FieldException.require(
          startupTimeoutMs >= connectTimeoutMs,
          "startup_timeout_ms",
          "must be at least connect_timeout_ms (" + connectTimeoutMs + ")");
      unitId = unitId == null ? 1 : unitId;
      FieldException.require(unitId >= 0 && unitId <= 255, "unit_id", "must be in 0..255");
      addressing = addressing == null ? "zero-based" : addressing;
      FieldException.require(
          addressing.equals("zero-based") || addressing.equals("modicon"),
          "addressing",
          "must be zero-based or modicon, got " + addressing);
      endpointPath = endpointPath == null ? "/safeloop" : endpointPath;
      securityPolicy = securityPolicy == null ? "none" : securityPolicy;
      FieldException.require(
          org.safeloop.plc.opcua.OpcUaOptions.SecurityPolicy.labels().contains(securityPolicy),
          "security_policy",
          "must be one of "
              + org.safeloop.plc.opcua.OpcUaOptions.SecurityPolicy.labels()
              + ", got "
              + securityPolicy);
      securityMode =
          securityMode == null
              ? (securityPolicy.equals("none") ? "none" : "sign-and-encrypt")
              : securityMode;
      FieldException.require(
          List.of("none", "sign", "sign-and-encrypt").contains(securityMode),
          "security_mode",
          "must be none, sign or sign-and-encrypt, got " + securityMode);
      FieldException.require(
          securityPolicy.equals("none") == securityMode.equals("none"),
          "security_mode",
          "security mode none goes with security policy none, and only with it");
      FieldException.require(
          securityPolicy.equals("none") || pkiDirectory != null,
          "pki_directory",
          "a secure connection needs a folder for certificates and trust lists");
      FieldException.require(
          (username == null) == (passwordEnv == null),
          "password_env",
          "give both username and password_env, or neither");
    }
  }

  /**
   * One tag.
   *
   * @param address Modbus: {@code holding:0}, {@code input:4} (zero-based) or {@code 40001}
   *     (modicon); OPC UA: {@code nsu=<namespace URI>;s=<name>} or {@code ;i=<number>}
   * @param type {@code bool}, {@code int16}, {@code uint16}, {@code int32}, {@code uint32}, {@code
   *     float32}, {@code float64} or {@code string}
   * @param wordOrder Modbus 32-bit values: {@code ABCD} (default), {@code CDAB}, {@code BADC} or
   *     {@code DCBA}
   * @param unit engineering unit; must equal the policy's unit for the signal
   * @param scale engineering = raw * scale + offset (default 1)
   * @param offset (default 0)
   * @param range the instrument range in engineering units {@code [low, high]}: a reading outside
   *     it is bad quality
   * @param staleAfterMs no longer accepted: the shield alone judges staleness, by its file's {@code
   *     measurements.<signal>.max_age_s}; a value is refused naming that key
   */
  public record TagSpec(
      String address,
      String type,
      String wordOrder,
      String unit,
      Double scale,
      Double offset,
      List<Double> range,
      Integer staleAfterMs) {

    /**
     * A tag without its own stale limit.
     *
     * @param address the address
     * @param type the data type
     * @param wordOrder Modbus word order, or null
     * @param unit engineering unit
     * @param scale raw to engineering scale, or null for 1
     * @param offset raw to engineering offset, or null for 0
     * @param range instrument range, or null
     */
    public TagSpec(
        String address,
        String type,
        String wordOrder,
        String unit,
        Double scale,
        Double offset,
        List<Double> range) {
      this(address, type, wordOrder, unit, scale, offset, range, null);
    }

    /** Validates and fills defaults. */
    public TagSpec {
      FieldException.require(address != null && !address.isBlank(), "address", "give the address");
      FieldException.require(type != null, "type", "give the data type");
      unit = unit == null ? "" : unit;
      scale = scale == null ? 1.0 : scale;
      offset = offset == null ? 0.0 : offset;
      FieldException.require(
          Double.isFinite(scale) && scale != 0, "scale", "must be finite and non-zero");
      FieldException.require(Double.isFinite(offset), "offset", "must be finite");
      if (range != null) {
        FieldException.require(
            range.size() == 2 && range.get(0) < range.get(1),
            "range",
            "write [low, high] with low < high");
        range = List.copyOf(range);
      }
      // One judge of input validity, the shield: two stale limits that disagreed let one be
      // silently ignored.
      FieldException.require(staleAfterMs == null, "stale_after_ms", STALENESS_MOVED);
    }
  }

  /**
   * The operator-mode tag: remote/auto when it reads {@code remoteValue}, local/manual otherwise.
   *
   * @param address the tag's address
   * @param type its data type (e.g. {@code uint16} or {@code bool})
   * @param remoteValue the value meaning remote/auto, default 1
   */
  public record ModeSpec(String address, String type, Double remoteValue) {

    /** Validates and fills defaults. */
    public ModeSpec {
      FieldException.require(address != null && !address.isBlank(), "address", "give the address");
      FieldException.require(type != null, "type", "give the data type");
      remoteValue = remoteValue == null ? 1.0 : remoteValue;
    }
  }

  /**
   * What advisory mode writes for the HMI (each optional).
   *
   * @param recommended per action, the recommended setpoint tag
   * @param reason the shield's verdict and reasons: a string tag (OPC UA), or a numeric tag that
   *     receives the verdict code 0 accepted, 1 repaired, 2 fallback
   * @param timestamp the time of the recommendation, epoch seconds
   * @param heartbeat the advisory heartbeat counter
   */
  public record AdvisorySpec(
      Map<String, TagSpec> recommended, TagSpec reason, TagSpec timestamp, TagSpec heartbeat) {

    /** Fills defaults. */
    public AdvisorySpec {
      recommended = recommended == null ? Map.of() : new LinkedHashMap<>(recommended);
    }
  }

  /**
   * When closed loop steps back, and to which mode.
   *
   * @param to {@code advisory} (default) or {@code shadow}
   * @param badInputCycles consecutive cycles with a bad, NaN, frozen or stale input before
   *     demotion, default 3
   * @param staleAfterMs no longer accepted, as a tag's {@code stale_after_ms}: the shield file's
   *     {@code max_age_s} judges staleness
   * @param maxFallbackRate no longer accepted: the shield alone keeps the fallback window (its
   *     file's {@code degraded_when}), and closed loop demotes when it reports itself degraded
   * @param fallbackWindow no longer accepted, as {@code maxFallbackRate}
   */
  public record DemotionSpec(
      String to,
      Integer badInputCycles,
      Integer staleAfterMs,
      Double maxFallbackRate,
      Integer fallbackWindow) {

    /** Validates and fills defaults. */
    public DemotionSpec {
      to = to == null ? "advisory" : to;
      FieldException.require(
          to.equals("advisory") || to.equals("shadow"),
          "to",
          "closed loop demotes to advisory or shadow, got " + to);
      badInputCycles = badInputCycles == null ? 3 : badInputCycles;
      FieldException.require(badInputCycles >= 1, "bad_input_cycles", "must be at least 1");
      FieldException.require(staleAfterMs == null, "stale_after_ms", STALENESS_MOVED);
      // One fallback window, the shield's: two that disagreed let one be silently ignored.
      FieldException.require(
          maxFallbackRate == null,
          "max_fallback_rate",
          "moved to the shield file: degraded_when: {fallback_fraction: ..., window: ...}; closed"
              + " loop demotes when the shield reports itself degraded");
      FieldException.require(
          fallbackWindow == null,
          "fallback_window",
          "moved to the shield file: degraded_when: {fallback_fraction: ..., window: ...}; closed"
              + " loop demotes when the shield reports itself degraded");
    }
  }
}
