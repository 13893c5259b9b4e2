package org.safeloop.plc.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.hawkular.agent.prometheus.text.TextPrometheusMetricDataParser;
import org.hawkular.agent.prometheus.types.Counter;
import org.hawkular.agent.prometheus.types.Gauge;
import org.hawkular.agent.prometheus.types.Histogram;
import org.hawkular.agent.prometheus.types.Metric;
import org.hawkular.agent.prometheus.types.MetricFamily;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.plc.audit.AuditRecord;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;
import org.safeloop.plc.audit.WriteRecord;
import org.safeloop.plc.runtime.Mode;
import org.safeloop.plc.virtualplant.SensorFault;
import org.safeloop.plc.virtualplant.VirtualPlant;

/**
 * The deployment's view on the virtual plant over HTTP (no browser): {@code /metrics} read back by
 * a Prometheus text-format parser agrees with the audit log, and the one write, the step back, is
 * carried out on the cycle's thread, audited with who and why, and never promotes.
 */
class DeploymentViewTest {
  static final String TOKEN = "deployment-view-test-token-42";
  static VirtualPlant plant;

  @TempDir static Path shared;
  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startPlant() throws Exception {
    plant = LiveDeployment.startPlant(7);
  }

  @AfterAll
  static void stopPlant() {
    plant.close();
  }

  static DeploymentView view() {
    return DeploymentView.start(
        WebOptions.of(new HttpAddress("127.0.0.1", 0), AccessToken.of(TOKEN)));
  }

  HttpResponse<String> get(URI uri, boolean withToken) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
    if (withToken) {
      b.header("Authorization", "Bearer " + TOKEN);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  CompletableFuture<HttpResponse<String>> stepBack(URI base, String body) {
    return post(base.resolve("/api/step-back"), body);
  }

  CompletableFuture<HttpResponse<String>> post(URI uri, String body) {
    return http.sendAsync(
        HttpRequest.newBuilder(uri)
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Every metric family of a scrape, parsed by Hawkular's Prometheus text-format parser. */
  static Map<String, MetricFamily> parse(String text) throws Exception {
    Map<String, MetricFamily> families = new HashMap<>();
    TextPrometheusMetricDataParser parser =
        new TextPrometheusMetricDataParser(
            new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    MetricFamily f;
    while ((f = parser.parse()) != null) {
      families.put(f.getName(), f);
    }
    return families;
  }

  /** A counter family's values by one label. */
  static Map<String, Double> byLabel(
      Map<String, MetricFamily> families, String name, String label) {
    Map<String, Double> values = new TreeMap<>();
    MetricFamily f = families.get(name);
    if (f == null) {
      return values;
    }
    for (Metric m : f.getMetrics()) {
      double v = m instanceof Counter c ? c.getValue() : ((Gauge) m).getValue();
      values.merge(m.getLabels().get(label), v, Double::sum);
    }
    return values;
  }

  static <K> Map<K, Double> counts(Map<K, Long> longs) {
    Map<K, Double> d = new TreeMap<>();
    longs.forEach((k, v) -> d.put(k, v.doubleValue()));
    return d;
  }

  @Test
  void metricsReadBackByAPrometheusParserAgreeWithTheAuditLog() throws Exception {
    try (DeploymentView view = view();
        LiveDeployment live =
            new LiveDeployment(plant, dir, view, Mode.CLOSED_LOOP, Duration.ofMillis(5))) {
      live.cycles(30);
      // An operator override and, after the engineer's promotion, a bad sensor: two demotions.
      plant.setOperatorMode(false);
      assertTrue(live.within(10, () -> live.runtime.mode() == Mode.ADVISORY));
      plant.setOperatorMode(true);
      live.cycles(3);
      assertNull(live.onCycleThread(() -> live.runtime.promote(Mode.CLOSED_LOOP)));
      plant.sensorFault("T", SensorFault.BAD);
      assertTrue(live.within(10, () -> live.runtime.mode() == Mode.ADVISORY));
      plant.clearFaults();
      live.cycles(10);
      live.pause();
      long lines = Files.readAllLines(live.auditFile).size();
      assertTrue(live.within(5, () -> view.fedRecords() == lines), "the view read every line");

      assertEquals(401, get(view.url().resolve("/metrics"), false).statusCode());
      assertEquals(200, get(view.url().resolve("/health"), false).statusCode());
      HttpResponse<String> scrape = get(view.url().resolve("/metrics"), true);
      assertEquals(200, scrape.statusCode());
      assertTrue(scrape.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
      Map<String, MetricFamily> m = parse(scrape.body());

      List<AuditRecord> records = live.records();
      Map<String, Long> cyclesByMode = new TreeMap<>();
      Map<String, Long> layers = new TreeMap<>();
      Map<String, Long> verdicts = new TreeMap<>();
      Map<String, Long> demotions = new TreeMap<>();
      Map<String, Long> events = new TreeMap<>();
      Map<String, Long> types = new TreeMap<>();
      Map<String, Long> readings = new TreeMap<>();
      long cycles = 0;
      for (AuditRecord r : records) {
        if (r instanceof CycleRecord c) {
          cycles++;
          types.merge("cycle", 1L, Long::sum);
          cyclesByMode.merge(c.mode(), 1L, Long::sum);
          verdicts.merge(c.shield().verdict(), 1L, Long::sum);
          c.shield().interventionLayers().forEach(l -> layers.merge(l, 1L, Long::sum));
          c.inputs()
              .forEach(
                  (signal, in) ->
                      readings.merge(
                          signal + "/" + in.quality().name().toLowerCase(Locale.ROOT),
                          1L,
                          Long::sum));
        } else if (r instanceof WriteRecord) {
          types.merge("writes", 1L, Long::sum);
        } else if (r instanceof EventRecord e) {
          types.merge("event", 1L, Long::sum);
          events.merge(e.kind().name(), 1L, Long::sum);
          if (e.kind() == EventKind.DEMOTION) {
            demotions.merge(e.details().get("cause"), 1L, Long::sum);
          }
        }
      }
      assertEquals(counts(cyclesByMode), byLabel(m, "safeloop_cycles_total", "mode"));
      assertEquals(counts(verdicts), byLabel(m, "safeloop_shield_verdicts_total", "verdict"));
      assertEquals(counts(layers), byLabel(m, "safeloop_interventions_total", "layer"));
      assertEquals(counts(demotions), byLabel(m, "safeloop_demotions_total", "cause"));
      assertTrue(demotions.containsKey("operator_override"), demotions.toString());
      assertTrue(demotions.containsKey("bad_inputs"), demotions.toString());
      assertEquals(counts(events), byLabel(m, "safeloop_events_total", "kind"));
      assertEquals(counts(types), byLabel(m, "safeloop_audit_records_total", "type"));
      Map<String, Double> served = new TreeMap<>();
      for (Metric x : m.get("safeloop_input_readings_total").getMetrics()) {
        served.merge(
            x.getLabels().get("signal") + "/" + x.getLabels().get("quality"),
            ((Counter) x).getValue(),
            Double::sum);
      }
      assertEquals(counts(readings), served, "readings per tag and quality");
      double bytes = ((Counter) m.get("safeloop_audit_bytes_total").getMetrics().get(0)).getValue();
      assertEquals((double) Files.size(live.auditFile), bytes, "audit bytes = the file's size");
      Histogram latency = (Histogram) m.get("safeloop_cycle_latency_seconds").getMetrics().get(0);
      assertEquals(cycles, latency.getSampleCount());
      assertEquals(
          Map.of("advisory", 1.0, "closed-loop", 0.0, "shadow", 0.0),
          byLabel(m, "safeloop_mode", "mode"));
      assertFalse(
          Double.isNaN(
              ((Gauge) m.get("safeloop_approval_valid_until_seconds").getMetrics().get(0))
                  .getValue()),
          "the approval's expiry is known");
      assertEquals(documentedMetrics(), servedMetrics(m), "docs/reference/metrics.md's table");
    }
  }

  /** The metric names docs/reference/metrics.md lists in its table. */
  static java.util.Set<String> documentedMetrics() throws Exception {
    java.util.Set<String> names = new java.util.TreeSet<>();
    java.util.regex.Matcher row =
        java.util.regex.Pattern.compile("(?m)^\\| `(safeloop_[a-z_]+)` \\|")
            .matcher(Files.readString(Path.of("..", "docs", "reference", "metrics.md")));
    while (row.find()) {
      names.add(row.group(1));
    }
    return names;
  }

  /** The SafeLoop metric families a scrape served, without Micrometer's histogram maxima. */
  static java.util.Set<String> servedMetrics(Map<String, MetricFamily> families) {
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (String name : families.keySet()) {
      if (name.startsWith("safeloop_") && !name.endsWith("_seconds_max")) {
        names.add(name);
      }
    }
    return names;
  }

  @Test
  void theStepBackIsAuditedWithWhoAndWhyOnTheCycleThreadAndNeverPromotes() throws Exception {
    try (DeploymentView view = view();
        LiveDeployment live =
            new LiveDeployment(plant, dir, view, Mode.CLOSED_LOOP, Duration.ofMillis(20))) {
      live.cycles(5);
      URI base = view.url();
      assertEquals(400, stepBack(base, "{\"who\": \"\", \"why\": \"x\"}").get().statusCode());
      assertEquals(400, stepBack(base, "not json").get().statusCode());
      assertEquals(Mode.CLOSED_LOOP, live.runtime.mode(), "a refused request changes nothing");
      HttpResponse<String> done =
          stepBack(base, "{\"who\": \"J. Meyer (shift lead)\", \"why\": \"feed pump noisy\"}")
              .get();
      assertEquals(200, done.statusCode(), done.body());
      assertEquals(Mode.ADVISORY, live.runtime.mode());
      EventRecord demotion = live.lastDemotion();
      assertEquals("J. Meyer (shift lead)", demotion.details().get("who"));
      assertEquals("feed pump noisy", demotion.details().get("why"));
      assertEquals("operator_request", demotion.details().get("cause"));
      assertEquals("advisory", demotion.details().get("to"));
      assertTrue(demotion.reason().contains("J. Meyer"), demotion.reason());

      HttpResponse<String> again =
          stepBack(base, "{\"who\": \"J. Meyer\", \"why\": \"twice\"}").get();
      assertEquals(409, again.statusCode(), again.body());
      HttpResponse<String> promote = post(base.resolve("/api/promote"), "{}").get();
      assertEquals(404, promote.statusCode(), "there is no promotion on the web");
      live.cycles(5);
      assertEquals(Mode.ADVISORY, live.runtime.mode());
      HttpResponse<String> status = get(base.resolve("/api/status"), true);
      assertTrue(status.body().contains("\"mode\":\"advisory\""), status.body());
      assertTrue(
          status.body().toLowerCase(Locale.ROOT).contains("\"approver\":\"test\""), status.body());
    }
  }
}
