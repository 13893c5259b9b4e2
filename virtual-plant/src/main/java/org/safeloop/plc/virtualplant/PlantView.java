package org.safeloop.plc.virtualplant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.safeloop.env.SignalSpec;
import org.safeloop.plc.virtualplant.PlantLayout.PlantTag;
import org.safeloop.plc.web.EventStream;
import org.safeloop.plc.web.WebOptions;
import org.safeloop.plc.web.WebServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The virtual plant's own live web view ({@code safeloop plant --http HOST:PORT}): what its PLC
 * shows, as an HMI would: every tag's value, the loop's mode (remote/auto or local/manual), the
 * watchdog's sheds, refused writes, the sensor faults in force and whether its servers run, with
 * trends of the process values and set points. Read-only: the page changes nothing on the plant.
 *
 * <p>A sampler thread of its own reads the plant once per control interval (at least once and at
 * most ten times a second) and publishes one snapshot to every open page through an {@link
 * EventStream} (a page that does not keep up is dropped); the plant's own stepping never waits for
 * the view. Same server, token and headers as the deployment's view. Thread-safe.
 */
public final class PlantView implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PlantView.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BASE = "org/safeloop/plc/virtualplant/web/";

  private static final Duration MIN_PERIOD = Duration.ofMillis(100);
  private static final Duration MAX_PERIOD = Duration.ofSeconds(1);

  private final VirtualPlant plant;
  private final WebServer server;
  private final EventStream stream;
  private final int historySize;
  private final ArrayDeque<byte[]> history = new ArrayDeque<>();
  private final Thread sampler;
  private final Duration period;
  private volatile boolean closed;

  private PlantView(VirtualPlant plant, WebOptions options) {
    this.plant = plant;
    this.historySize = options.historyCycles();
    this.server = WebServer.bind(options, "plant");
    this.stream = new EventStream(options.clientQueue(), options.maxClients(), this::historyCopy);
    // Once a control interval, but at least once a second (an operator's switch shows at once on a
    // plant in real time) and at most ten times a second.
    Duration step = plant.stepPeriod();
    this.period =
        step.compareTo(MIN_PERIOD) < 0
            ? MIN_PERIOD
            : step.compareTo(MAX_PERIOD) > 0 ? MAX_PERIOD : step;
    server.resource("/", BASE + "plant.html", "text/html; charset=utf-8");
    server.resource("/plant.js", BASE + "plant.js", "text/javascript; charset=utf-8");
    server.assets();
    server.events("/events", stream);
    server.json("/api/status", () -> layout().toString());
    server.route(
        "/health",
        List.of("GET", "HEAD"),
        true,
        ex -> WebServer.send(ex, 200, "application/json", "{\"status\":\"up\"}"));
    this.sampler = new Thread(this::sampleLoop, "safeloop-plant-view");
    sampler.setDaemon(true);
  }

  /**
   * Binds the address and starts serving the plant's view.
   *
   * @throws IllegalStateException when the address cannot be bound
   */
  public static PlantView start(VirtualPlant plant, WebOptions options) {
    PlantView view = new PlantView(plant, options);
    view.sampler.start();
    view.server.start();
    return view;
  }

  /** Returns the page's address. */
  public URI url() {
    return server.url();
  }

  private ObjectNode layout() {
    ObjectNode s = JSON.createObjectNode();
    PlantLayout layout = plant.layout();
    s.put("plant", plant.plantName());
    s.put("scenario", plant.scenario().name());
    s.put("speed", plant.speed());
    s.put("step_period_ms", plant.stepPeriod().toMillis());
    s.put("watchdog_s", plant.watchdogTimeout().toMillis() / 1000.0);
    s.put(
        "modbus_port",
        plant.protocols().contains(VirtualPlant.Protocol.MODBUS) ? plant.modbusPort() : -1);
    s.put(
        "opcua_endpoint",
        plant.protocols().contains(VirtualPlant.Protocol.OPCUA) ? plant.opcUaEndpoint() : "");
    s.put("truth", plant.truthDifference());
    s.put("history", historySize);
    ArrayNode observations = s.putArray("observations");
    for (SignalSpec o : layout.observations().signals()) {
      signal(observations, o, layout.observation(o.name()).name());
    }
    ArrayNode actions = s.putArray("actions");
    for (SignalSpec a : layout.actions().signals()) {
      ObjectNode n = signal(actions, a, layout.setpointInForce(a.name()).name());
      n.put("remote_tag", layout.remoteSetpoint(a.name()).name());
      n.put("local_tag", layout.localSetpoint(a.name()).name());
      n.put("recommended_tag", layout.recommendedSetpoint(a.name()).name());
    }
    ArrayNode tags = s.putArray("tags");
    for (PlantTag t : layout.tags()) {
      ObjectNode n = tags.addObject();
      n.put("name", t.name());
      n.put("unit", t.unit());
      n.put("writable", t.writable());
    }
    return s;
  }

  private static ObjectNode signal(ArrayNode into, SignalSpec s, String tag) {
    ObjectNode n = into.addObject();
    n.put("name", s.name());
    n.put("unit", s.unit());
    n.put("min", s.min());
    n.put("max", s.max());
    n.put("tag", tag);
    return n;
  }

  /** One snapshot of what the PLC shows, as one line of JSON. */
  private String snapshot() {
    ObjectNode s = JSON.createObjectNode();
    s.put("ts", Instant.now().toString());
    s.put("steps", plant.steps());
    s.put("remote", plant.isRemote());
    s.put("servers_running", plant.serversRunning());
    s.put("watchdog_sheds", plant.watchdogSheds());
    long refused = 0;
    ObjectNode values = s.putObject("tags");
    for (PlantTag t : plant.layout().tags()) {
      double v = plant.value(t.name());
      if (Double.isFinite(v)) {
        values.put(t.name(), v);
      } else {
        values.put(t.name(), Double.toString(v));
      }
      refused += plant.rejectedWrites(t.name());
    }
    s.put("refused_writes", refused);
    s.put("advisory_reason", plant.advisoryReasonText());
    ObjectNode faults = s.putObject("faults");
    for (Map.Entry<String, SensorFault> f : plant.sensorFaults().entrySet()) {
      faults.put(f.getKey(), f.getValue().name());
    }
    return s.toString();
  }

  private List<byte[]> historyCopy() {
    synchronized (history) {
      return new ArrayList<>(history);
    }
  }

  private void sampleLoop() {
    while (!closed) {
      try {
        byte[] message = EventStream.message("plant", snapshot());
        synchronized (history) {
          history.addLast(message);
          if (history.size() > historySize) {
            history.pollFirst();
          }
        }
        stream.publish(message);
      } catch (RuntimeException e) {
        // A plant closing under the sampler; or a bug, which must not kill the view.
        if (!closed) {
          LOG.warn("plant view: cannot sample the plant: {}", e.toString());
        }
      }
      try {
        Thread.sleep(period.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Drops every page, stops sampling and the server. */
  @Override
  public void close() {
    closed = true;
    sampler.interrupt();
    stream.close();
    server.close();
  }
}
