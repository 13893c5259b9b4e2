package org.safeloop.plc.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Telemetry of a running deployment ({@code deploy --telemetry kafka://HOST:PORT/TOPIC}): a
 * forwarder process beside the bridge that follows the audit log and produces every record to
 * Kafka. The bridge's own process never loads Kafka, and its control cycle does no telemetry work
 * at all: the forwarder reads the file the cycle writes anyway. When the broker is down the records
 * wait in the audit log, the store of this store-and-forward, and are sent when it returns; nothing
 * is dropped.
 *
 * <p>The forwarder is {@code safeloop telemetry forward} of the telemetry jar ({@code
 * telemetry/target/safeloop-telemetry.jar}, whose class path the launcher passes in the system
 * property {@value #CLASS_PATH}), run with this JVM's {@code java}. It reports on its standard
 * output, one JSON line per change, and this class turns what it reports into audit events: {@link
 * EventKind#TELEMETRY_STARTED}, {@code _STALLED} when the broker stops taking records, {@code
 * _RESUMED} when it takes them again, {@code _STOPPED} with how many records it had not sent. Its
 * diagnostics go to {@code audit.jsonl.telemetry.log} beside the log. Closing it closes its
 * standard input: it sends what is left, up to a deadline, and exits. Thread-safe.
 */
public final class TelemetryForwarder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TelemetryForwarder.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The system property with the forwarder's class path (the telemetry jar and its lib/). */
  public static final String CLASS_PATH = "safeloop.telemetry.classpath";

  /** The forwarder's entry point, in the telemetry jar. */
  static final String MAIN = "org.safeloop.telemetry.TelemetryMain";

  /** How long a forwarder may take to start and report that it runs. */
  private static final Duration START_WAIT = Duration.ofSeconds(30);

  /** The forwarder's JVM: small, with one GC thread, so it takes little from the cycle's cores. */
  private static final List<String> JVM_OPTIONS =
      List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

  private final TelemetryUrl url;
  private final AuditLog audit;
  private final Clock clock;
  private final Duration drainWait;
  private final Process process;
  private final Thread reader;
  private final CountDownLatch started = new CountDownLatch(1);
  private final Object lock = new Object();
  // Guarded by lock.
  private long acknowledged;
  private long seq;
  private long lost;
  private String state = "starting";
  private Instant stalledSince;
  private long stalls;
  private boolean closed;

  private TelemetryForwarder(
      TelemetryUrl url, AuditLog audit, Clock clock, Duration drainWait, Process process) {
    this.url = url;
    this.audit = audit;
    this.clock = clock;
    this.drainWait = drainWait;
    this.process = process;
    this.reader = new Thread(this::readStatus, "safeloop-telemetry-status");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Returns the forwarder's class path: {@value #CLASS_PATH} when set, else this JVM's class path
   * when it holds the forwarder (tests, a development tree).
   *
   * @throws IllegalStateException when there is none, naming what to install or set
   */
  static String classPath() {
    String configured = System.getProperty(CLASS_PATH);
    if (configured != null && !configured.isBlank()) {
      for (String entry : configured.split(File.pathSeparator)) {
        if (!Files.exists(Path.of(entry))) {
          throw new IllegalStateException(
              "telemetry needs the forwarder, but "
                  + entry
                  + " (from -D"
                  + CLASS_PATH
                  + ") does not exist: build it with mvn -pl telemetry -am package, or run through"
                  + " ./safeloop-bridge, which builds it");
        }
      }
      return configured;
    }
    if (ClassLoader.getSystemResource(MAIN.replace('.', '/') + ".class") != null) {
      return System.getProperty("java.class.path");
    }
    throw new IllegalStateException(
        "telemetry needs the forwarder of the telemetry module (telemetry/target/"
            + "safeloop-telemetry.jar), which is not on this bridge's class path by design (Kafka"
            + " stays out of it): run through ./safeloop-bridge or ./safeloop, which pass it in -D"
            + CLASS_PATH);
  }

  /**
   * Starts forwarding {@code audit}'s records of {@code plant} to {@code url}, and returns once the
   * forwarder runs (it does not wait for the broker: a broker that is down makes it stall, not
   * fail).
   *
   * @param drainWait how long {@link #close} lets the forwarder send what is left
   * @throws IllegalStateException when the forwarder cannot be found or does not start, with its
   *     reason
   */
  public static TelemetryForwarder start(
      TelemetryUrl url, String plant, AuditLog audit, Clock clock, Duration drainWait) {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(plant, "plant");
    Objects.requireNonNull(drainWait, "drainWait");
    Path file = audit.file();
    Path log = file.resolveSibling(file.getFileName() + ".telemetry.log");
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(JVM_OPTIONS);
    command.add("-cp");
    command.add(classPath());
    command.add(MAIN);
    command.addAll(
        List.of(
            "telemetry",
            "forward",
            file.toString(),
            "--telemetry",
            url.toString(),
            "--plant",
            plant,
            "--follow",
            "--report-to-parent"));
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the telemetry forwarder: " + e.getMessage(), e);
    }
    TelemetryForwarder forwarder =
        new TelemetryForwarder(
            url, audit, clock == null ? Clock.systemUTC() : clock, drainWait, process);
    forwarder.awaitStart(log);
    return forwarder;
  }

  private void awaitStart(Path log) {
    try {
      if (!started.await(START_WAIT.toMillis(), TimeUnit.MILLISECONDS) || !process.isAlive()) {
        String why = tail(log);
        process.destroyForcibly();
        throw new IllegalStateException(
            "the telemetry forwarder did not start"
                + (process.isAlive() ? " within " + START_WAIT.toSeconds() + " s" : "")
                + (why.isEmpty() ? "" : ": " + why)
                + " (its log: "
                + log
                + ")");
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the telemetry forwarder", e);
    }
    Map<String, String> details = new LinkedHashMap<>();
    details.put("telemetry", url.toString());
    details.put("pid", Long.toString(process.pid()));
    synchronized (lock) {
      details.put("from_seq", Long.toString(seq));
    }
    event(
        EventKind.TELEMETRY_STARTED,
        "telemetry forwarder started (pid " + process.pid() + ") to " + url,
        details);
  }

  /** The forwarder's last log lines, for a refusal to start. */
  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }

  /** Reads the forwarder's status lines until it exits. */
  private void readStatus() {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode status;
        try {
          status = JSON.readTree(line);
        } catch (IOException notStatus) {
          LOG.debug("telemetry forwarder said: {}", line);
          continue;
        }
        if (status != null && status.has("state")) {
          update(status);
        }
      }
    } catch (IOException e) {
      LOG.debug("telemetry forwarder's output closed: {}", e.toString());
    } finally {
      started.countDown();
    }
  }

  private void update(JsonNode status) {
    String now = status.get("state").asText();
    String error = status.hasNonNull("error") ? status.get("error").asText() : null;
    EventKind kind = null;
    Map<String, String> details = new LinkedHashMap<>();
    String message = null;
    synchronized (lock) {
      acknowledged = status.path("acknowledged").asLong(acknowledged);
      seq = status.path("seq").asLong(seq);
      lost = status.path("lost").asLong(lost);
      details.put("telemetry", url.toString());
      details.put("seq", Long.toString(seq));
      if (now.equals("stalled") && stalledSince == null) {
        stalledSince = clock.instant();
        stalls++;
        kind = EventKind.TELEMETRY_STALLED;
        details.put("error", error == null ? "" : error);
        message =
            "telemetry stalled: "
                + url
                + " does not take records; they wait in the audit log ("
                + (error == null ? "no reason given" : error)
                + ")";
      } else if (!now.equals("stalled") && stalledSince != null) {
        long millis = Duration.between(stalledSince, clock.instant()).toMillis();
        stalledSince = null;
        kind = EventKind.TELEMETRY_RESUMED;
        details.put("stalled_ms", Long.toString(millis));
        message = "telemetry resumed after " + millis + " ms: " + url + " takes records again";
      }
      state = now;
    }
    started.countDown();
    if (kind != null) {
      event(kind, message, details);
    }
  }

  private void event(EventKind kind, String message, Map<String, String> details) {
    try {
      audit.append(new EventRecord(clock.instant(), kind, message, details));
    } catch (RuntimeException e) {
      // The audit log is closed or failing: its own handling reports that.
      LOG.warn("cannot record {}: {}", kind, e.toString());
    }
  }

  /** Returns how many records the broker acknowledged since the forwarder started. */
  public long acknowledged() {
    synchronized (lock) {
      return acknowledged;
    }
  }

  /** Returns the {@code seq} of the last audit record the broker acknowledged (0: none yet). */
  public long lastSeq() {
    synchronized (lock) {
      return seq;
    }
  }

  /** Returns whether the broker is not taking records now. */
  public boolean stalled() {
    synchronized (lock) {
      return state.equals("stalled");
    }
  }

  /** Returns how many times the broker stopped taking records since the start. */
  public long stalls() {
    synchronized (lock) {
      return stalls;
    }
  }

  /** Returns how many records rotated out of the audit files before they could be sent. */
  public long lost() {
    synchronized (lock) {
      return lost;
    }
  }

  /**
   * Lets the forwarder send what is left (at most the drain wait; a second while the broker takes
   * nothing), stops it, and writes {@link EventKind#TELEMETRY_STOPPED} with how many of the log's
   * records it had not sent. Call before the audit log closes; the log's last lines (the chain
   * head) are sent by the next forwarder. Closing twice does nothing.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      process.getOutputStream().close(); // the forwarder's signal to finish
    } catch (IOException e) {
      LOG.debug("telemetry forwarder's input: {}", e.toString());
    }
    int exit;
    // A stalled forwarder cannot send what is left: give it a moment to notice the end, not the
    // whole drain wait (the records stay in the audit log either way).
    Duration wait = stalled() ? Duration.ofSeconds(1) : drainWait;
    try {
      if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      }
      reader.join(5_000);
      exit = process.isAlive() ? -1 : process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      exit = -1;
    }
    long written = audit.lastSeq();
    Map<String, String> details = new LinkedHashMap<>();
    long unsent;
    synchronized (lock) {
      unsent = Math.max(0, written - seq);
      details.put("telemetry", url.toString());
      details.put("acknowledged", Long.toString(acknowledged));
      details.put("seq", Long.toString(seq));
      details.put("unsent", Long.toString(unsent));
      details.put("lost", Long.toString(lost));
    }
    details.put("exit", Integer.toString(exit));
    event(
        EventKind.TELEMETRY_STOPPED,
        "telemetry forwarder stopped: "
            + details.get("acknowledged")
            + " records acknowledged, "
            + unsent
            + " of this log not yet sent (they are in the audit log; safeloop telemetry forward"
            + " sends them)",
        details);
  }
}
