package org.safeloop.plc.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.safeloop.env.Quality;
import org.safeloop.plc.audit.AuditRecord;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;
import org.safeloop.plc.audit.WriteRecord;

/**
 * A deployment's Prometheus metrics (Micrometer's Prometheus registry), counted from the audit
 * records as they are written, so that {@code /metrics} and the audit log tell the same story. The
 * names, as Prometheus sees them ({@code docs/deployment.md} lists them with their labels):
 *
 * <ul>
 *   <li>{@code safeloop_cycles_total{mode}}: cycle records, by the mode they ran in;
 *   <li>{@code safeloop_cycle_latency_seconds}: histogram of each cycle's time from the start of
 *       its read to its decision in the audit log ({@code latency_us} of the cycle record);
 *   <li>{@code safeloop_write_latency_seconds}: histogram of the time from the start of the read to
 *       the end of the writes (write records);
 *   <li>{@code safeloop_writes_total{result}}: write records by {@code ok}, {@code failed}, {@code
 *       refused};
 *   <li>{@code safeloop_shield_verdicts_total{verdict}}: {@code accepted}, {@code repaired}, {@code
 *       fallback}, or {@code none} for a cycle without inputs;
 *   <li>{@code safeloop_interventions_total{layer}}: cycles in which each shield layer intervened;
 *   <li>{@code safeloop_demotions_total{cause}}: {@code DEMOTION} events by their {@code cause};
 *   <li>{@code safeloop_events_total{kind}}: every event by kind;
 *   <li>{@code safeloop_mode{mode}}: 1 for the mode in force, 0 for the others;
 *   <li>{@code safeloop_input_readings_total{signal,quality}} and {@code
 *       safeloop_input_quality{signal}} (latest: 0 good, 1 uncertain, 2 bad): data quality per tag;
 *   <li>{@code safeloop_audit_records_total{type}}, {@code safeloop_audit_bytes_total}: what the
 *       audit log was handed;
 *   <li>{@code safeloop_last_cycle_timestamp_seconds}, {@code
 *       safeloop_approval_valid_until_seconds} (NaN without an approval).
 * </ul>
 *
 * <p>Only the view's feed thread calls {@link #record}; {@link #scrape} may run on any thread.
 */
public final class DeploymentMetrics {
  /** Bucket bounds of the latency histograms. */
  static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(1).dividedBy(4),
    Duration.ofMillis(1).dividedBy(2),
    Duration.ofMillis(1),
    Duration.ofMillis(2),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(20),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1)
  };

  private static final String[] MODES = {"shadow", "advisory", "closed-loop"};

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Counter> counters = new HashMap<>();
  private final Map<String, AtomicInteger> quality = new HashMap<>();
  private final AtomicInteger[] mode = new AtomicInteger[MODES.length];
  private final Timer cycleLatency;
  private final Timer writeLatency;
  private final Counter auditBytes;
  private volatile double lastCycleSeconds = Double.NaN;

  /**
   * Metrics with the approval's expiry from {@code approvalValidUntil} (null or a supplier of null:
   * none).
   */
  DeploymentMetrics(Supplier<Instant> approvalValidUntil) {
    for (int i = 0; i < MODES.length; i++) {
      mode[i] = new AtomicInteger();
      Gauge.builder("safeloop.mode", mode[i], AtomicInteger::get)
          .description("1 for the deployment's mode in force, 0 for the others")
          .tag("mode", MODES[i])
          .register(registry);
    }
    cycleLatency = latency("safeloop.cycle.latency", "read to decision in the audit log");
    writeLatency = latency("safeloop.write.latency", "read to the end of the cycle's writes");
    auditBytes =
        Counter.builder("safeloop.audit.bytes")
            .description("bytes of audit log lines written (rotation included)")
            .register(registry);
    Gauge.builder("safeloop.last.cycle.timestamp.seconds", this, m -> m.lastCycleSeconds)
        .description("when the last cycle started, seconds since 1970 (UTC)")
        .register(registry);
    ToDoubleFunction<Supplier<Instant>> expiry =
        s -> {
          Instant until = s == null ? null : s.get();
          return until == null || until.equals(Instant.MIN)
              ? Double.NaN
              : until.getEpochSecond() + until.getNano() * 1e-9;
        };
    Gauge.builder("safeloop.approval.valid.until.seconds", approvalValidUntil, expiry)
        .description("when the closed-loop approval expires, seconds since 1970; NaN without one")
        .strongReference(true)
        .register(registry);
  }

  private Timer latency(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .minimumExpectedValue(LATENCY_BUCKETS[0])
        .maximumExpectedValue(LATENCY_BUCKETS[LATENCY_BUCKETS.length - 1])
        .register(registry);
  }

  /** Counts a function's value as a counter (the view's own: clients dropped, records dropped). */
  <T> void functionCounter(String name, String description, T source, ToDoubleFunction<T> f) {
    FunctionCounter.builder(name, source, f).description(description).register(registry);
  }

  /** Reports a function's value as a gauge. */
  <T> void gauge(String name, String description, T source, ToDoubleFunction<T> f) {
    Gauge.builder(name, source, f)
        .description(description)
        .strongReference(true)
        .register(registry);
  }

  /** Counts one audit record of {@code bytes} bytes (feed thread only). */
  void record(AuditRecord record, int bytes) {
    auditBytes.increment(bytes);
    if (record instanceof CycleRecord c) {
      count("safeloop.audit.records", "audit records by type", "type", "cycle");
      cycle(c);
    } else if (record instanceof WriteRecord w) {
      count("safeloop.audit.records", "audit records by type", "type", "writes");
      writeLatency.record(w.latencyMicros(), TimeUnit.MICROSECONDS);
      String result = w.ok() ? "ok" : w.refused() ? "refused" : "failed";
      count("safeloop.writes", "cycle writes by result", "result", result);
    } else if (record instanceof EventRecord e) {
      count("safeloop.audit.records", "audit records by type", "type", "event");
      count("safeloop.events", "audit events by kind", "kind", e.kind().name());
      if (e.kind() == EventKind.DEMOTION) {
        count(
            "safeloop.demotions",
            "demotions by cause",
            "cause",
            e.details().getOrDefault("cause", "other"));
      }
      String to = e.details().get("to");
      if (to != null
          && (e.kind() == EventKind.DEMOTION
              || e.kind() == EventKind.PROMOTION
              || e.kind() == EventKind.MODE_CHANGE
              || e.kind() == EventKind.AUDIT_FAILED)) {
        mode(to);
      }
    }
  }

  private void cycle(CycleRecord c) {
    count("safeloop.cycles", "control cycles by mode", "mode", c.mode());
    mode(c.mode());
    lastCycleSeconds = c.timestamp().getEpochSecond() + c.timestamp().getNano() * 1e-9;
    cycleLatency.record(c.latencyMicros(), TimeUnit.MICROSECONDS);
    count(
        "safeloop.shield.verdicts",
        "shield verdicts by kind (none: no inputs)",
        "verdict",
        c.shield().verdict());
    for (String layer : c.shield().interventionLayers()) {
      count("safeloop.interventions", "cycles in which a shield layer intervened", "layer", layer);
    }
    for (Map.Entry<String, CycleRecord.Input> in : c.inputs().entrySet()) {
      Quality q = in.getValue().quality();
      String signal = in.getKey();
      Counter readings =
          counters.computeIfAbsent(
              "safeloop.input.readings|" + signal + "|" + q,
              k ->
                  Counter.builder("safeloop.input.readings")
                      .description("readings per signal by quality")
                      .tag("signal", signal)
                      .tag("quality", q.name().toLowerCase(Locale.ROOT))
                      .register(registry));
      readings.increment();
      quality
          .computeIfAbsent(
              signal,
              s -> {
                AtomicInteger latest = new AtomicInteger();
                Gauge.builder("safeloop.input.quality", latest, AtomicInteger::get)
                    .description("latest reading's quality: 0 good, 1 uncertain, 2 bad")
                    .tag("signal", s)
                    .register(registry);
                return latest;
              })
          .set(q.ordinal());
    }
  }

  private void mode(String label) {
    for (int i = 0; i < MODES.length; i++) {
      mode[i].set(MODES[i].equals(label) ? 1 : 0);
    }
  }

  private void count(String name, String description, String tag, String value) {
    counters
        .computeIfAbsent(
            name + "|" + value,
            k -> Counter.builder(name).description(description).tag(tag, value).register(registry))
        .increment();
  }

  /** Returns the metrics in the Prometheus text format, version 0.0.4. */
  public String scrape() {
    return registry.scrape();
  }
}
