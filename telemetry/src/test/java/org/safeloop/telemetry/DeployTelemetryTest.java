package org.safeloop.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.audit.AuditLogReader;
import org.safeloop.plc.audit.AuditRecord;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;
import org.safeloop.plc.audit.ShadowSummary;
import org.safeloop.plc.audit.TelemetryMessages;
import org.safeloop.plc.audit.WriteRecord;
import org.safeloop.plc.runtime.Deployment;
import org.safeloop.plc.runtime.DeploymentRuntime;
import org.safeloop.plc.runtime.Mode;
import org.safeloop.plc.runtime.TestDeployments;
import org.safeloop.plc.telemetry.TelemetryForwarder;
import org.safeloop.plc.telemetry.TelemetryUrl;
import org.safeloop.plc.virtualplant.VirtualPlant;

/**
 * {@code deploy --telemetry} against a real KRaft broker in process: two plants in closed loop,
 * each with its forwarder process beside it; a broker outage while they run delays telemetry and
 * loses none of it; every record read back once, in order per plant, equal to the audit file's; and
 * the records after a deployment's forwarder stopped are sent by {@code telemetry forward}.
 */
class DeployTelemetryTest {
  private static final String TOPIC = "safeloop-telemetry";

  /** Cycles of each plant before the outage. */
  private static final int BEFORE_OUTAGE = 400;

  /** Cycles of each plant over the whole run (the figure). */
  private static final int CYCLES = 1_000;

  /** One plant's deployment with its virtual plant. */
  private record Loop(VirtualPlant plant, Deployment deployment) {
    DeploymentRuntime runtime() {
      return deployment.runtime();
    }

    TelemetryForwarder telemetry() {
      return deployment.telemetry();
    }

    long written() {
      return AuditLogReader.readAll(deployment.auditFile()).size();
    }

    String lastDemotion() {
      return AuditLogReader.readAll(deployment.auditFile()).stream()
          .filter(r -> r instanceof EventRecord e && e.kind() == EventKind.DEMOTION)
          .reduce((first, second) -> second)
          .map(Object::toString)
          .orElse("no demotion event");
    }

    void run(int cycles) {
      for (int i = 0; i < cycles; i++) {
        Mode mode = runtime().runCycle().mode();
        assertEquals(
            Mode.CLOSED_LOOP,
            mode,
            () ->
                deployment.plant().name()
                    + " demoted at cycle "
                    + runtime().cycles()
                    + ": "
                    + lastDemotion());
        plant.step();
      }
    }
  }

  @Test
  void twoClosedLoopPlantsReachKafkaInOrderAndABrokerOutageLosesNothing(@TempDir Path dir)
      throws Exception {
    Scenario scenario = Scenarios.load("cstr-constrained");
    try (KafkaClusterTestKit kafka = LocalBroker.cluster(dir.resolve("kafka"), false);
        VirtualPlant plantA = virtualPlant(scenario, "reactor-a", dir);
        VirtualPlant plantB = virtualPlant(scenario, "reactor-b", dir)) {
      kafka.format();
      kafka.startup();
      kafka.waitForReadyBrokers();
      try (Admin admin = kafka.admin()) {
        // Three partitions: each plant's key puts all its records in one, which keeps its order.
        admin
            .createTopics(List.of(new NewTopic(TOPIC, Optional.of(3), Optional.empty())))
            .all()
            .get();
      }
      String[] bootstrap = kafka.bootstrapServers().split(",")[0].split(":");
      TelemetryUrl url =
          TelemetryUrl.parse("kafka://127.0.0.1:" + bootstrap[bootstrap.length - 1] + "/" + TOPIC);
      int brokerId = kafka.brokers().keySet().iterator().next();

      Map<String, Path> auditFiles = new LinkedHashMap<>();
      Map<String, Long> cycles = new LinkedHashMap<>();
      try (Deployment a = deployment(dir, plantA, scenario, url);
          Deployment b = deployment(dir, plantB, scenario, url)) {
        List<Loop> loops = List.of(new Loop(plantA, a), new Loop(plantB, b));
        // Broker up: every record so far is acknowledged.
        runAll(loops, BEFORE_OUTAGE);
        for (Loop loop : loops) {
          long upTo = loop.written();
          awaitTrue(() -> loop.telemetry().lastSeq() >= upTo, Duration.ofSeconds(60), "acks");
          assertFalse(loop.telemetry().stalled());
        }

        // Broker down, stopped while the loops run: they go on in closed loop, and each
        // forwarder reports the stall.
        long downStart = loops.get(0).runtime().cycles();
        CompletableFuture<Void> stopping =
            CompletableFuture.runAsync(
                () -> {
                  kafka.brokers().get(brokerId).shutdown();
                  kafka.brokers().get(brokerId).awaitShutdown();
                });
        Instant deadline = Instant.now().plusSeconds(90);
        while (!stopping.isDone()
            || loops.stream().anyMatch(l -> !l.telemetry().stalled())
            || loops.get(0).runtime().cycles() - downStart < 100) {
          assertTrue(Instant.now().isBefore(deadline), "no stall reported with the broker down");
          runAll(loops, 10);
        }
        stopping.get();
        Map<Loop, Long> writtenWhileDown = new LinkedHashMap<>();
        loops.forEach(l -> writtenWhileDown.put(l, l.written()));

        // Broker back, restarted while the loops run: the records of the outage are sent.
        CompletableFuture<Void> restarting =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    kafka.restartBroker(brokerId, Map.of());
                    kafka.waitForReadyBrokers();
                  } catch (Exception e) {
                    throw new IllegalStateException("broker restart", e);
                  }
                });
        deadline = Instant.now().plusSeconds(90);
        while (!restarting.isDone()
            || loops.stream()
                .anyMatch(
                    l ->
                        l.telemetry().stalled()
                            || l.telemetry().lastSeq() < writtenWhileDown.get(l))) {
          assertTrue(Instant.now().isBefore(deadline), "forwarding did not resume");
          runAll(loops, 10);
        }
        restarting.get();
        long left = CYCLES - loops.get(0).runtime().cycles();
        runAll(loops, (int) Math.max(0, left));
        for (Loop loop : loops) {
          String name = loop.deployment().plant().name();
          auditFiles.put(name, loop.deployment().auditFile());
          cycles.put(name, loop.runtime().cycles());
        }
      }

      for (String plant : auditFiles.keySet()) {
        long ran = cycles.get(plant);
        assertTrue(ran >= CYCLES, plant + " ran " + ran + " cycles");

        // The audit file has every cycle, each written in closed loop, and the forwarder's story.
        List<AuditRecord> audit = AuditLogReader.readAll(auditFiles.get(plant));
        List<CycleRecord> cycleRecords =
            audit.stream().filter(r -> r instanceof CycleRecord).map(r -> (CycleRecord) r).toList();
        assertEquals(ran, cycleRecords.size());
        assertTrue(cycleRecords.stream().allMatch(c -> c.mode().equals(Mode.CLOSED_LOOP.label())));
        long writes = audit.stream().filter(r -> r instanceof WriteRecord w && w.ok()).count();
        assertTrue(writes > ran / 2, plant + ": " + writes + " set-point writes in " + ran);
        assertEquals(1, events(audit, EventKind.TELEMETRY_STARTED).size());
        assertTrue(events(audit, EventKind.TELEMETRY_STALLED).size() >= 1, plant);
        assertEquals(
            events(audit, EventKind.TELEMETRY_STALLED).size(),
            events(audit, EventKind.TELEMETRY_RESUMED).size());
        List<EventRecord> stopped = events(audit, EventKind.TELEMETRY_STOPPED);
        assertEquals(1, stopped.size());
        // Drained at the stop: nothing written before its event was left unsent.
        assertEquals("0", stopped.get(0).details().get("unsent"), stopped.get(0).toString());
        assertEquals(0, ShadowSummary.of(audit, List.of()).telemetryUnsent());
        long sentUpTo = Long.parseLong(stopped.get(0).details().get("seq"));
        int stoppedAt = audit.indexOf(stopped.get(0));
        assertEquals(stoppedAt, sentUpTo, "every record before the stop event was acknowledged");

        // Read back: once each, in order, no gap, each the file's record of its seq.
        List<TelemetryMessages.Message> read =
            readBack(url, plant, List.copyOf(auditFiles.keySet()));
        assertEquals(sentUpTo, read.size());
        for (int i = 0; i < read.size(); i++) {
          assertEquals(i + 1, read.get(i).seq(), plant + ", message " + i);
          assertEquals(audit.get(i), read.get(i).record(), plant + ", seq " + (i + 1));
        }

        // The records after the forwarder stopped (its own event) go with telemetry forward,
        // from the checkpoint.
        int exit =
            TelemetryMain.commandLine()
                .execute(
                    "telemetry",
                    "forward",
                    auditFiles.get(plant).toString(),
                    "--telemetry",
                    url.toString(),
                    "--plant",
                    plant);
        assertEquals(0, exit);
        List<TelemetryMessages.Message> all =
            readBack(url, plant, List.copyOf(auditFiles.keySet()));
        assertEquals(audit.size(), all.size());
        assertEquals(audit.get(audit.size() - 1), all.get(all.size() - 1).record());
      }
    }
  }

  private static List<TelemetryMessages.Message> readBack(
      TelemetryUrl url, String plant, List<String> plants) {
    List<TelemetryMessages.Message> read = new ArrayList<>();
    TelemetryReader.Result result =
        TelemetryReader.read(url, plant, Duration.ofSeconds(60), read::add);
    assertEquals(0, result.missing(), plant + ": " + result);
    assertEquals(0, result.unreadable());
    assertEquals(plants, result.plants());
    return read;
  }

  private static List<EventRecord> events(List<AuditRecord> audit, EventKind kind) {
    return audit.stream()
        .filter(r -> r instanceof EventRecord e && e.kind() == kind)
        .map(r -> (EventRecord) r)
        .toList();
  }

  private static VirtualPlant virtualPlant(Scenario scenario, String name, Path dir)
      throws IOException, InterruptedException {
    return VirtualPlant.builder(scenario)
        .plantName(name)
        .protocols(VirtualPlant.Protocol.MODBUS)
        .manualStepping()
        .startInRemote(true)
        .watchdogTimeout(Duration.ofSeconds(30))
        .pkiDirectory(dir.resolve("pki-" + name))
        .start();
  }

  private static Deployment deployment(
      Path dir, VirtualPlant plant, Scenario scenario, TelemetryUrl url) throws IOException {
    Path plantFile = plant.writePlantFiles(dir.resolve("plants")).get(0);
    return TestDeployments.builder(
            dir,
            plantFile,
            scenario,
            scenario.baselineController(),
            Mode.CLOSED_LOOP,
            Clock.systemUTC())
        .telemetry(url)
        .telemetryDrainWait(Duration.ofSeconds(60))
        .build();
  }

  /** Runs the plants' cycles interleaved, as two bridges beside each other would. */
  private static void runAll(List<Loop> loops, int cycles) {
    for (int i = 0; i < cycles; i++) {
      for (Loop loop : loops) {
        loop.run(1);
      }
    }
  }

  private static void awaitTrue(BooleanSupplier condition, Duration timeout, String what)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      assertTrue(Instant.now().isBefore(deadline), "timed out waiting for " + what);
      Thread.sleep(20);
    }
  }
}
