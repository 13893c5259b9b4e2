package org.safeloop.experiments.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.runtime.DeploymentRuntime;
import org.safeloop.plc.telemetry.TelemetryForwarder;
import org.safeloop.plc.telemetry.TelemetryUrl;
import org.safeloop.plc.virtualplant.VirtualPlant;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;
import org.safeloop.plc.web.DeploymentView;
import org.safeloop.plc.web.HttpAddress;
import org.safeloop.plc.web.WebOptions;

/**
 * Measures the deployment runtime's control cycle in closed loop against the virtual plant over a
 * real Modbus TCP or OPC UA connection on 127.0.0.1: the {@code cstr-constrained} scenario with
 * realism on, stepped by hand, its PID loops as the policy, the {@code cstr-constrained} shield, a
 * signed closed-loop approval (fresh Ed25519 key pair) and the audit log in a temporary folder
 * rotated by size. Each iteration is one process step ({@link VirtualPlant#step()}, not timed as
 * part of the cycle) and one {@link DeploymentRuntime#runCycle()}.
 *
 * <p>Figures per cycle, in microseconds: the runtime's own {@code latencyMicros} (read to the end
 * of the writes; it stops the clock before the audit record is built and appended), the wall time
 * of the whole {@code runCycle} call (with the audit append), and, from timing decorators around
 * the connection, the shield and the approval authority, the read, the write, the shield's decision
 * and the approval's expiry check (made every cycle); what is left is validation, policy and
 * bookkeeping.
 *
 * <p>A benchmark that measured advisory mode would be wrong: every cycle's mode is checked, a
 * demotion is counted by its reason (numbers masked) and the loop is put back into closed loop by
 * an explicit promotion (as an engineer would), so that the caller can say loudly that it happened.
 *
 * <p>Not thread-safe: each measurement runs on the calling thread with a plant of its own.
 */
public final class DeployBenchmark {
  /** The scenario the virtual plant runs. */
  public static final String SCENARIO = "cstr-constrained";

  /** The built-in shield every proposal passes. */
  public static final String SHIELD = "cstr-constrained";

  /** Audit file size that triggers rotation: 16 MiB, so a soak does not fill the disk. */
  public static final long AUDIT_MAX_FILE_BYTES = 16L * 1024 * 1024;

  /** Rotated audit files kept: at most three files (48 MiB) exist at once. */
  public static final int AUDIT_KEEP_ROTATED_FILES = 2;

  private DeployBenchmark() {}

  /**
   * Latency percentiles, in microseconds.
   *
   * @param count samples
   * @param median 50th percentile
   * @param p90 90th percentile
   * @param p99 99th percentile
   * @param p999 99.9th percentile
   * @param max slowest sample
   */
  public record Percentiles(
      long count, double median, double p90, double p99, double p999, double max) {}

  /**
   * What the runtime did over a run: modes, the shield's verdicts, demotions.
   *
   * @param cycles cycles run
   * @param closedLoopCycles cycles that ended in closed loop with the setpoints written
   * @param accepted cycles whose proposal the shield accepted
   * @param repaired cycles whose proposal the shield repaired
   * @param fallbacks cycles in which the shield fell back
   * @param demotions demotions by reason (numbers masked as {@code #}), in order of first sight
   * @param examples the first full reason of each masked reason
   */
  public record Health(
      long cycles,
      long closedLoopCycles,
      long accepted,
      long repaired,
      long fallbacks,
      Map<String, Long> demotions,
      Map<String, String> examples) {

    /** Copies the maps, keeping their order. */
    public Health {
      demotions = Collections.unmodifiableMap(new LinkedHashMap<>(demotions));
      examples = Collections.unmodifiableMap(new LinkedHashMap<>(examples));
    }

    /**
     * Demotions in all.
     *
     * @return the count
     */
    public long demotionCount() {
      return demotions.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * The latency figures of one protocol.
   *
   * @param protocol the protocol measured
   * @param warmup unmeasured cycles before
   * @param cycle the runtime's {@code latencyMicros} (read to written, without the audit)
   * @param runCycle wall time of {@code runCycle}, audit append included
   * @param read the read of every tag (one request)
   * @param shield the shield's decision
   * @param write the write of setpoint, advisory tags and heartbeat
   * @param approvalCheck the approval's expiry check ({@code validUntil}, which loads the approval
   *     file)
   * @param rest the cycle less read, shield, write and expiry check: validation, policy, other
   *     checks
   * @param audit the {@code runCycle} wall time less the cycle: building and appending the record
   * @param plantStep the virtual plant's scan and process step (outside the cycle)
   * @param warmupHealth the runtime over the warm-up
   * @param health the runtime over the measured cycles
   * @param telemetryAcknowledged telemetry records the broker acknowledged (-1 without telemetry)
   * @param telemetryStalls times the broker stopped taking the forwarder's records (-1 without
   *     telemetry)
   * @param web the web view's figures, or null without one
   */
  public record Latency(
      Protocol protocol,
      int warmup,
      Percentiles cycle,
      Percentiles runCycle,
      Percentiles read,
      Percentiles shield,
      Percentiles write,
      Percentiles approvalCheck,
      Percentiles rest,
      Percentiles audit,
      Percentiles plantStep,
      Health warmupHealth,
      Health health,
      long telemetryAcknowledged,
      long telemetryStalls,
      Web web) {}

  /**
   * What the web view did over the measured cycles.
   *
   * @param clients pages connected to its event stream
   * @param toClient from a cycle's start to its record's arrival at a page, every page's
   * @param messages messages the pages read (all of them)
   * @param bytesPerCycleMessage mean size of a cycle record's message, in bytes
   * @param recordsPerCycle audit records per cycle handed to the view (cycle, writes, events)
   * @param feedMicrosPerCycle CPU time of the view's feed thread (parse, metrics, history, hand-out
   *     to every page) per cycle, off the cycle's thread
   * @param metricsMicrosPerCycle of which the metrics alone (wall time)
   * @param scrapeMillis mean time of one {@code /metrics} scrape of the registry
   * @param scrapeBytes size of one scrape's text
   * @param droppedClients pages dropped as too slow
   * @param droppedRecords audit records the view's queue dropped
   * @param pageBytes the page with its scripts and styles, uncompressed
   */
  public record Web(
      int clients,
      Percentiles toClient,
      long messages,
      double bytesPerCycleMessage,
      double recordsPerCycle,
      double feedMicrosPerCycle,
      double metricsMicrosPerCycle,
      double scrapeMillis,
      long scrapeBytes,
      long droppedClients,
      long droppedRecords,
      long pageBytes) {}

  /**
   * Where a soak stands.
   *
   * @param cycles soak cycles run so far (after the warm-up)
   * @param fraction share of the soak done, 0 after the warm-up
   * @param heapUsedMiB heap in use after {@code System.gc()}
   * @param heapCommittedMiB heap the JVM holds from the system then (part of the RSS)
   * @param threads live threads of the JVM
   * @param rssMiB resident memory (VmRSS), NaN where /proc is missing
   * @param cyclesPerSecond iterations (process step and cycle) per second of loop time since the
   *     previous point; NaN at the first point
   * @param interval the runtime's {@code latencyMicros} since the previous point
   * @param auditFiles audit files on disk
   * @param auditMiB their size
   * @param health the runtime over the soak so far
   */
  public record SoakPoint(
      long cycles,
      double fraction,
      double heapUsedMiB,
      double heapCommittedMiB,
      int threads,
      double rssMiB,
      double cyclesPerSecond,
      Percentiles interval,
      int auditFiles,
      double auditMiB,
      Health health) {}

  /**
   * Measures cycle latency on a fresh plant.
   *
   * @param protocol the protocol to connect with (the plant serves only that one)
   * @param warmup unmeasured cycles first
   * @param cycles measured cycles, at least 1
   * @return the figures
   * @throws IOException if the plant's servers or the temporary folder cannot be set up
   * @throws InterruptedException if interrupted while starting or connecting
   * @throws PlcException if the runtime cannot connect to the plant
   */
  public static Latency latency(Protocol protocol, int warmup, int cycles)
      throws IOException, InterruptedException, PlcException {
    return latency(protocol, warmup, cycles, null);
  }

  /**
   * As {@link #latency(Protocol, int, int)}, with every audit record also produced to {@code
   * telemetry} (null: none); the telemetry counts are taken after the deployment closed.
   */
  public static Latency latency(Protocol protocol, int warmup, int cycles, TelemetryUrl telemetry)
      throws IOException, InterruptedException, PlcException {
    return latency(protocol, warmup, cycles, telemetry, null, 0, 0);
  }

  /**
   * As {@link #latency(Protocol, int, int, TelemetryUrl)}, and with {@code http} (null: none) the
   * deployment also shows itself on a web view there, with {@code clients} pages reading its event
   * stream throughout (warm-up included; measured over the counted cycles). With {@code paceMillis}
   * above 0 an iteration starts every {@code paceMillis} ms, as a deployment's cycle period paces
   * it, instead of back to back.
   */
  public static Latency latency(
      Protocol protocol,
      int warmup,
      int cycles,
      TelemetryUrl telemetry,
      HttpAddress http,
      int clients,
      int paceMillis)
      throws IOException, InterruptedException, PlcException {
    if (warmup < 0 || cycles < 1 || clients < 0) {
      throw new IllegalArgumentException(
          "warm-up and clients must be >= 0 and measured cycles >= 1: "
              + warmup
              + ", "
              + cycles
              + ", "
              + clients);
    }
    Latency measured;
    TelemetryForwarder sink;
    Web web = null;
    WebOptions options = http == null ? null : WebOptions.of(http, null);
    try (DeployRig rig = new DeployRig(protocol, telemetry, options);
        WebLoad pages =
            rig.view == null || clients == 0
                ? null
                : new WebLoad(rig.view.url().resolve("/events"), clients)) {
      sink = rig.deployment.telemetry();
      Pace pace = new Pace(paceMillis);
      for (int i = 0; i < warmup; i++) {
        pace.await();
        rig.iterate();
      }
      Health warm = rig.counters.health();
      rig.counters.reset();
      rig.clearHistograms();
      long fed0 = rig.view == null ? 0 : rig.view.fedRecords();
      long feed0 = rig.view == null ? 0 : rig.view.feedNanos();
      long metrics0 = rig.view == null ? 0 : rig.view.metricsNanos();
      if (pages != null) {
        pages.clear();
      }
      for (int i = 0; i < cycles; i++) {
        pace.await();
        rig.iterate();
      }
      if (rig.view != null) {
        // Let the pages read what the last cycles sent before counting.
        Thread.sleep(200);
        DeploymentView v = rig.view;
        int scrapes = 20;
        long bytes = 0;
        long s0 = System.nanoTime();
        for (int i = 0; i < scrapes; i++) {
          bytes = v.metrics().scrape().length();
        }
        double scrapeMillis = (System.nanoTime() - s0) / 1e6 / scrapes;
        web =
            new Web(
                clients,
                pages == null
                    ? new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN)
                    : pages.toClient(),
                pages == null ? 0 : pages.messages(),
                pages == null ? Double.NaN : pages.bytesPerCycleMessage(),
                (v.fedRecords() - fed0) / (double) cycles,
                (v.feedNanos() - feed0) / 1000.0 / cycles,
                (v.metricsNanos() - metrics0) / 1000.0 / cycles,
                scrapeMillis,
                bytes,
                v.droppedClients(),
                v.droppedRecords(),
                DeploymentView.pageBytes());
      }
      measured =
          new Latency(
              protocol,
              warmup,
              rig.cycle.percentiles(),
              rig.runCycle.percentiles(),
              rig.connection.read.percentiles(),
              rig.shield.decide.percentiles(),
              rig.connection.write.percentiles(),
              rig.authority.validUntil.percentiles(),
              rig.rest.percentiles(),
              rig.audit.percentiles(),
              rig.plantStep.percentiles(),
              warm,
              rig.counters.health(),
              -1,
              -1,
              web);
    }
    if (sink == null) {
      return measured;
    }
    return new Latency(
        measured.protocol(),
        measured.warmup(),
        measured.cycle(),
        measured.runCycle(),
        measured.read(),
        measured.shield(),
        measured.write(),
        measured.approvalCheck(),
        measured.rest(),
        measured.audit(),
        measured.plantStep(),
        measured.warmupHealth(),
        measured.health(),
        sink.acknowledged(),
        sink.stalls(),
        web);
  }

  /**
   * Starts an iteration every period (none: at once), without a catch-up burst after a late one.
   */
  private static final class Pace {
    private final long periodNanos;
    private long next = System.nanoTime();

    Pace(int millis) {
      this.periodNanos = millis * 1_000_000L;
    }

    void await() {
      if (periodNanos == 0) {
        return;
      }
      long wait = next - System.nanoTime();
      if (wait > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(wait);
      }
      next = Math.max(next + periodNanos, System.nanoTime());
    }
  }

  /**
   * Runs a soak on a fresh plant and reports after the warm-up and at 1 %, 10 % and 100 % of it.
   *
   * @param protocol the protocol to connect with
   * @param warmup unmeasured cycles first
   * @param cycles soak cycles, at least 1
   * @param report receives each point on the calling thread
   * @throws IOException if the plant's servers or the temporary folder cannot be set up
   * @throws InterruptedException if interrupted while starting or connecting
   * @throws PlcException if the runtime cannot connect to the plant
   */
  public static void soak(Protocol protocol, int warmup, long cycles, Consumer<SoakPoint> report)
      throws IOException, InterruptedException, PlcException {
    if (warmup < 0 || cycles < 1) {
      throw new IllegalArgumentException(
          "warm-up must be >= 0 and soak cycles >= 1: " + warmup + ", " + cycles);
    }
    long[] marks =
        Arrays.stream(new long[] {cycles / 100, cycles / 10, cycles})
            .filter(m -> m > 0)
            .distinct()
            .toArray();
    try (DeployRig rig = new DeployRig(protocol)) {
      for (int i = 0; i < warmup; i++) {
        rig.iterate();
      }
      rig.counters.reset();
      rig.clearHistograms();
      report.accept(rig.soakPoint(0, 0, Double.NaN));
      long done = 0;
      for (long mark : marks) {
        rig.cycle.clear();
        long started = System.nanoTime();
        for (; done < mark; done++) {
          rig.iterate();
        }
        double seconds = (System.nanoTime() - started) * 1e-9;
        MicrosHistogram interval = rig.cycle;
        report.accept(rig.soakPoint(done, done / (double) cycles, interval.count / seconds));
      }
    }
  }

  /**
   * The system's load averages over 1, 5 and 15 minutes, as {@code uptime} shows them: other work
   * on the machine shows up in the tail of the latencies.
   *
   * @return e.g. {@code "1.17 2.96 4.30"}, or {@code "n/a"} where /proc/loadavg is missing
   */
  public static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields.length >= 3 ? fields[0] + " " + fields[1] + " " + fields[2] : "n/a";
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }
}
