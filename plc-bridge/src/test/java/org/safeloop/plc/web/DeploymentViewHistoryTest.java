package org.safeloop.plc.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.Quality;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;
import org.safeloop.plc.audit.WriteRecord;

/**
 * What a page gets on load: the audit log's last cycles (with their writes and events) and the
 * events before them, exactly as the log wrote them, then the live mark.
 */
class DeploymentViewHistoryTest {
  @TempDir Path dir;

  static CycleRecord cycle(long n) {
    return new CycleRecord(
        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(n),
        n,
        "advisory",
        Map.of("T", new CycleRecord.Input(325.0, Quality.GOOD, null)),
        Map.of("Tc", 300.0),
        new CycleRecord.ShieldOutcome(Map.of("Tc", 300.0), "accepted", "", List.of(), false),
        Map.of(),
        500);
  }

  @Test
  void aPageGetsTheLastCyclesAndEveryKeptEventAsTheLogWroteThem() throws Exception {
    WebOptions options = WebOptions.of(new HttpAddress("127.0.0.1", 0), null).withHistoryCycles(3);
    try (DeploymentView view = DeploymentView.start(options);
        AuditLog log = AuditLog.open(dir.resolve("audit.jsonl"))) {
      log.tap(view.tap());
      log.append(new EventRecord(Instant.now(), EventKind.STARTED, "started"));
      for (long n = 1; n <= 10; n++) {
        log.append(cycle(n));
        log.append(new WriteRecord(Instant.now(), n, true, null, false, 700));
        if (n == 2 || n == 9) {
          log.append(new EventRecord(Instant.now(), EventKind.CONNECTION_LOST, "lost " + n));
        }
      }
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (view.fedRecords() < 23 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(23, view.fedRecords(), "every line reached the view");
      HttpResponse<InputStream> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(view.url().resolve("/events")).build(),
                  HttpResponse.BodyHandlers.ofInputStream());
      List<String> seen = new ArrayList<>();
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        String event = null;
        String line;
        while ((line = in.readLine()) != null && !"live".equals(event)) {
          if (line.startsWith("event: ")) {
            event = line.substring(7);
          } else if (line.startsWith("data: ") && !"live".equals(event)) {
            String data = line.substring(6);
            seen.add(event + " " + (data.contains("\"cycle\":") ? cycleOf(data) : reason(data)));
          }
        }
      }
      assertEquals(
          List.of(
              "event started",
              "event lost 2",
              "event lost 9",
              "cycle 8",
              "writes 8",
              "cycle 9",
              "writes 9",
              "event lost 9",
              "cycle 10",
              "writes 10"),
          seen);
      assertTrue(view.metrics().scrape().contains("safeloop_cycles_total{mode=\"advisory\"} 10"));
    }
  }

  private static String cycleOf(String data) {
    int at = data.indexOf("\"cycle\":") + 8;
    int end = at;
    while (Character.isDigit(data.charAt(end))) {
      end++;
    }
    return data.substring(at, end);
  }

  private static String reason(String data) {
    int at = data.indexOf("\"reason\":\"") + 10;
    return data.substring(at, data.indexOf('"', at));
  }
}
