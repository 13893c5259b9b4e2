package org.safeloop.plc.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.safeloop.plc.approval.Approval;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.audit.AuditLogReader;
import org.safeloop.plc.audit.AuditRecord;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.audit.EventRecord;
import org.safeloop.plc.audit.TapQueue;
import org.safeloop.plc.audit.WriteRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running deployment's live web view ({@code deploy --http HOST:PORT}): the page, its event
 * stream, {@code /metrics} (Prometheus), {@code /health}, and the one write, a step back to
 * advisory.
 *
 * <p><b>It cannot slow the cycle.</b> The view is a tap of the audit log ({@link #tap()}): the
 * cycle's thread only offers each line, once it is in the file, to a bounded lock-free queue
 * ({@link TapQueue}, 4,096 lines) and wakes the view's feed thread; a full queue drops the line and
 * counts it. The feed thread parses the line, counts it into the metrics, keeps it in the history
 * (the last {@link WebOptions#historyCycles} cycles, and the last 200 events) and hands it to each
 * open page's own queue ({@link EventStream}); each page's sender is a server thread of its own,
 * and a page that does not keep up is dropped, never waited for. What the page shows is the audit
 * log's own lines, so it can show nothing the log does not say.
 *
 * <p><b>The one write</b> is {@code POST /api/step-back} with {@code {"who": ..., "why": ...}}
 * (both required; with a token set, behind it): it asks the deployment to step back from closed
 * loop to advisory at the start of its next cycle, on the cycle's thread, as an audited {@code
 * DEMOTION} (cause {@code operator_request}) naming who and why. Nothing on the web promotes.
 *
 * <p>Made with {@link #start} before the deployment is built (so that a port in use or a missing
 * token stops everything before it starts), handed to {@code Deployment.Builder.view}, which taps
 * the audit log and {@link #attach}es the deployment. Thread-safe.
 */
public final class DeploymentView implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DeploymentView.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Audit lines that may wait for the feed thread. */
  static final int FEED_CAPACITY = 4096;

  /** Events kept for pages beyond those of the recent cycles. */
  static final int EVENTS_KEPT = 200;

  private final WebOptions options;
  private final WebServer server;
  private final EventStream stream;
  private final DeploymentMetrics metrics;
  private final TapQueue<byte[]> feed = new TapQueue<>(FEED_CAPACITY);
  private final Thread feeder;
  private final Object historyLock = new Object();
  // Guarded by historyLock: SSE messages of the recent cycles (with their writes and events), and
  // of the recent events.
  private final ArrayDeque<byte[]> recent = new ArrayDeque<>();
  private final ArrayDeque<byte[]> events = new ArrayDeque<>();
  private int recentCycles;
  private final AtomicLong fed = new AtomicLong();
  private final AtomicLong unreadable = new AtomicLong();
  private final AtomicLong feedNanos = new AtomicLong();
  private final AtomicLong metricsNanos = new AtomicLong();
  private volatile DeploymentControls controls;
  private volatile ViewLayout layout;
  private volatile boolean closed;

  private DeploymentView(WebOptions options) {
    this.options = options;
    this.server = WebServer.bind(options, "deployment");
    this.stream =
        new EventStream(options.clientQueue(), options.maxClients(), this::historyMessages);
    this.metrics =
        new DeploymentMetrics(
            () -> {
              DeploymentControls c = controls;
              return c == null ? null : c.approvalValidUntil();
            });
    metrics.functionCounter(
        "safeloop.web.records.dropped",
        "audit records the web view dropped (its queue was full); the audit log has them",
        feed,
        TapQueue::dropped);
    metrics.functionCounter(
        "safeloop.web.clients.dropped",
        "pages dropped as too slow",
        stream,
        EventStream::droppedClients);
    metrics.gauge("safeloop.web.clients", "pages connected now", stream, EventStream::clients);
    routes();
    this.feeder = new Thread(this::feedLoop, "safeloop-web-feed");
    feeder.setDaemon(true);
  }

  /**
   * Binds the address and starts serving (the page says that no deployment runs until one is
   * attached).
   *
   * @throws IllegalStateException when the address cannot be bound
   */
  public static DeploymentView start(WebOptions options) {
    DeploymentView view = new DeploymentView(options);
    view.feeder.start();
    view.server.start();
    return view;
  }

  /** Returns the page's address. */
  public URI url() {
    return server.url();
  }

  /** Returns the tap to set on the deployment's audit log: it offers each line and never waits. */
  public AuditLog.LineTap tap() {
    return line -> {
      if (feed.offer(line)) {
        LockSupport.unpark(feeder);
      }
    };
  }

  /** Shows this deployment; called by {@code Deployment.Builder.build} once its runtime runs. */
  public void attach(ViewLayout viewLayout, DeploymentControls deploymentControls) {
    this.layout = viewLayout;
    this.controls = deploymentControls;
  }

  /** Stops offering the step back (the deployment stopped); the page keeps its history. */
  public void detach() {
    this.controls = null;
  }

  /** Returns the metrics. */
  public DeploymentMetrics metrics() {
    return metrics;
  }

  /** Returns the pages connected now. */
  public int clients() {
    return stream.clients();
  }

  /** Returns the pages dropped as too slow since the start. */
  public long droppedClients() {
    return stream.droppedClients();
  }

  /** Returns the audit lines the view dropped because its queue was full. */
  public long droppedRecords() {
    return feed.dropped();
  }

  /** Returns the audit lines the feed thread handled. */
  public long fedRecords() {
    return fed.get();
  }

  /**
   * Returns the feed thread's time on all lines: parse, metrics, history, hand-out; nanoseconds.
   */
  public long feedNanos() {
    return feedNanos.get();
  }

  /** Returns the feed thread's time in the metrics alone, nanoseconds. */
  public long metricsNanos() {
    return metricsNanos.get();
  }

  /** Returns the bytes of the page and its scripts and styles, uncompressed. */
  public static long pageBytes() {
    long total = WebServer.assetBytes();
    for (String[] r : RESOURCES) {
      total += WebServer.resourceBytes(r[1]).length;
    }
    return total;
  }

  private static final String BASE = "org/safeloop/plc/web/";

  /** Path, resource, content type of the page's own files (beside the shared assets). */
  static final String[][] RESOURCES = {
    {"/", BASE + "deployment.html", "text/html; charset=utf-8"},
    {"/deployment.js", BASE + "deployment.js", "text/javascript; charset=utf-8"}
  };

  private void routes() {
    for (String[] r : RESOURCES) {
      server.resource(r[0], r[1], r[2]);
    }
    server.assets();
    server.events("/events", stream);
    server.json("/api/status", () -> status().toString());
    server.route(
        "/metrics",
        List.of("GET"),
        false,
        ex ->
            WebServer.send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
    server.route(
        "/health",
        List.of("GET", "HEAD"),
        true,
        ex -> {
          ObjectNode h = JSON.createObjectNode();
          DeploymentControls c = controls;
          h.put("status", "up");
          h.put("deployment", c == null ? "none" : "running");
          if (c != null) {
            h.put("mode", c.mode());
            h.put("cycles", c.cycles());
          }
          WebServer.send(ex, 200, "application/json", h.toString());
        });
    server.route("/api/step-back", List.of("POST"), false, this::stepBack);
  }

  private ObjectNode status() {
    ObjectNode s = JSON.createObjectNode();
    DeploymentControls c = controls;
    ViewLayout l = layout;
    s.put("server_time", Instant.now().toString());
    s.put("running", c != null);
    s.put("token_required", server.tokenRequired());
    s.put("history_cycles", options.historyCycles());
    if (l != null) {
      s.set("layout", JSON.valueToTree(l));
    }
    if (c != null) {
      s.put("mode", c.mode());
      s.put("cycles", c.cycles());
      Approval a = c.approval();
      if (a != null) {
        ObjectNode approval = s.putObject("approval");
        approval.put("approver", a.approver());
        approval.put("mode", a.mode());
        approval.put("issued_at", a.issuedAt().toString());
        approval.put("valid_until", a.validUntil().toString());
        approval.put("comment", a.comment());
        approval.put("key_fingerprint", a.keyFingerprint());
        ArrayNode files = approval.putArray("files");
        file(files, "bundle", a.bundle());
        file(files, "shield", a.shield());
        file(files, "plant", a.plant());
      }
    }
    return s;
  }

  private static void file(ArrayNode files, String role, Approval.ApprovedFile f) {
    ObjectNode n = files.addObject();
    n.put("role", role);
    n.put("name", f.name());
    n.put("sha256", f.sha256());
    n.put("depends_on", f.dependsOn().size());
  }

  private void stepBack(com.sun.net.httpserver.HttpExchange ex) throws IOException {
    DeploymentControls c = controls;
    if (c == null) {
      answer(ex, 503, false, "no deployment is running");
      return;
    }
    String who;
    String why;
    try {
      JsonNode body = JSON.readTree(WebServer.body(ex));
      who = body == null ? null : text(body.get("who"), 200);
      why = body == null ? null : text(body.get("why"), 1000);
    } catch (IOException | IllegalArgumentException e) {
      answer(ex, 400, false, "the body must be JSON {\"who\": ..., \"why\": ...}");
      return;
    }
    if (who == null || why == null) {
      answer(ex, 400, false, "say who asks and why (both are written to the audit log)");
      return;
    }
    LOG.info("web view: step back to advisory asked by {}: {}", who, why);
    long waitMillis = Math.max(2000, 3 * (layout == null ? 1000 : layout.cyclePeriodMillis()));
    try {
      String refusal = c.requestStepBack(who, why).get(waitMillis, TimeUnit.MILLISECONDS);
      if (refusal == null) {
        answer(ex, 200, true, "stepped back to advisory; the audit log records who and why");
      } else {
        answer(ex, 409, false, refusal);
      }
    } catch (TimeoutException e) {
      answer(ex, 202, false, "queued: the deployment steps back at the start of its next cycle");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      answer(ex, 503, false, "interrupted");
    } catch (ExecutionException e) {
      answer(ex, 500, false, String.valueOf(e.getCause()));
    }
  }

  private static String text(JsonNode node, int max) {
    if (node == null || !node.isTextual() || node.asText().isBlank()) {
      return null;
    }
    String t = node.asText().strip();
    if (t.length() > max || t.chars().anyMatch(ch -> ch < 0x20)) {
      throw new IllegalArgumentException("too long or holds control characters");
    }
    return t;
  }

  private static void answer(
      com.sun.net.httpserver.HttpExchange ex, int status, boolean done, String message)
      throws IOException {
    ObjectNode a = JSON.createObjectNode();
    a.put("stepped_back", done);
    a.put("message", message);
    WebServer.send(ex, status, "application/json", a.toString());
  }

  private List<byte[]> historyMessages() {
    synchronized (historyLock) {
      List<byte[]> all = new ArrayList<>(events.size() + recent.size());
      all.addAll(events);
      all.addAll(recent);
      return all;
    }
  }

  private void feedLoop() {
    java.lang.management.ThreadMXBean cpu =
        java.lang.management.ManagementFactory.getThreadMXBean();
    while (!closed) {
      byte[] line = feed.poll();
      if (line == null) {
        LockSupport.parkNanos(this, Duration.ofMillis(100).toNanos());
        continue;
      }
      long t0 = cpu.getCurrentThreadCpuTime();
      try {
        handle(line);
      } catch (RuntimeException e) {
        unreadable.incrementAndGet();
        LOG.warn("web view: cannot show an audit line: {}", e.toString());
      }
      feedNanos.addAndGet(cpu.getCurrentThreadCpuTime() - t0);
      fed.incrementAndGet();
    }
  }

  private void handle(byte[] line) {
    String json = new String(line, StandardCharsets.UTF_8).strip();
    AuditRecord record = AuditLogReader.parseLine(json);
    long m0 = System.nanoTime();
    metrics.record(record, line.length);
    metricsNanos.addAndGet(System.nanoTime() - m0);
    String type =
        record instanceof CycleRecord
            ? "cycle"
            : record instanceof WriteRecord ? "writes" : "event";
    byte[] message = EventStream.message(type, json);
    synchronized (historyLock) {
      if (record instanceof CycleRecord) {
        recentCycles++;
        if (recentCycles > options.historyCycles()) {
          // Drop the oldest cycle, what came before it and what followed it (its writes, events,
          // which the events kept still show) up to the next cycle.
          while (recentCycles > options.historyCycles()) {
            if (startsWith(recent.pollFirst(), "event: cycle")) {
              recentCycles--;
            }
          }
          while (!recent.isEmpty() && !startsWith(recent.peekFirst(), "event: cycle")) {
            recent.pollFirst();
          }
        }
      }
      recent.addLast(message);
      if (record instanceof EventRecord) {
        events.addLast(message);
        if (events.size() > EVENTS_KEPT) {
          events.pollFirst();
        }
      }
    }
    stream.publish(message);
  }

  private static boolean startsWith(byte[] message, String prefix) {
    byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
    if (message.length < p.length) {
      return false;
    }
    for (int i = 0; i < p.length; i++) {
      if (message[i] != p[i]) {
        return false;
      }
    }
    return true;
  }

  /** Drops every page, stops the feed thread and the server. */
  @Override
  public void close() {
    closed = true;
    controls = null;
    LockSupport.unpark(feeder);
    stream.close();
    server.close();
    try {
      feeder.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
