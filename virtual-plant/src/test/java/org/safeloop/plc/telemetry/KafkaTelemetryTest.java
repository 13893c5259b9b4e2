package org.safeloop.plc.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.apache.kafka.common.test.TestKitNodes;
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
import org.safeloop.plc.virtualplant.VirtualPlant;

/**
 * Telemetry against a real KRaft broker in process: two plants in closed loop, every record
 * consumed back in order per plant, and a broker outage that only drops (and counts) telemetry.
 */
class KafkaTelemetryTest {
  private static final String TOPIC = "safeloop-telemetry";

  /** Cycles of each plant before the outage; all of them must reach the topic. */
  private static final int BEFORE_OUTAGE = 400;

  /** Cycles of each plant over the whole run (the figure). */
  private static final int CYCLES = 1_000;

  /** One plant's deployment with its virtual plant. */
  private record Loop(VirtualPlant plant, Deployment deployment) {
    DeploymentRuntime runtime() {
      return deployment.runtime();
    }

    Telemetry telemetry() {
      return deployment.telemetry();
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
  void twoClosedLoopPlantsReachKafkaInOrderAndABrokerOutageOnlyDropsTelemetry(@TempDir Path dir)
      throws Exception {
    Scenario scenario = Scenarios.load("cstr-constrained");
    try (KafkaClusterTestKit kafka =
            new KafkaClusterTestKit.Builder(
                    new TestKitNodes.Builder()
                        .setCombined(false)
                        .setNumControllerNodes(1)
                        .setNumBrokerNodes(1)
                        .setBaseDirectory(dir.resolve("kafka"))
                        .build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .build();
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
      Map<String, Telemetry> telemetries = new LinkedHashMap<>();
      Map<String, Long> cycles = new LinkedHashMap<>();
      try (Deployment a = deployment(dir, plantA, scenario, url);
          Deployment b = deployment(dir, plantB, scenario, url)) {
        List<Loop> loops = List.of(new Loop(plantA, a), new Loop(plantB, b));
        // Broker up: every record so far is acknowledged.
        runAll(loops, BEFORE_OUTAGE);
        for (Loop loop : loops) {
          long upTo = AuditLogReader.readAll(loop.deployment().auditFile()).size();
          awaitTrue(() -> loop.telemetry().acknowledged() >= upTo, Duration.ofSeconds(30), "acks");
          assertEquals(0, loop.telemetry().dropped());
        }

        // Broker down, stopped while the loops run: they go on in closed loop, records drop and
        // are counted.
        long downStart = loops.get(0).runtime().cycles();
        CompletableFuture<Void> stopping =
            CompletableFuture.runAsync(
                () -> {
                  kafka.brokers().get(brokerId).shutdown();
                  kafka.brokers().get(brokerId).awaitShutdown();
                });
        Instant deadline = Instant.now().plusSeconds(60);
        while (!stopping.isDone()
            || loops.stream().anyMatch(l -> l.telemetry().dropped() == 0)
            || loops.get(0).runtime().cycles() - downStart < 100) {
          assertTrue(Instant.now().isBefore(deadline), "no drop counted with the broker down");
          runAll(loops, 10);
        }
        stopping.get();
        Map<Loop, Long> ackedWhileDown = new LinkedHashMap<>();
        loops.forEach(l -> ackedWhileDown.put(l, l.telemetry().acknowledged()));

        // Broker back, restarted while the loops run: production resumes for both plants.
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
        deadline = Instant.now().plusSeconds(60);
        while (!restarting.isDone()
            || loops.stream()
                .anyMatch(l -> l.telemetry().acknowledged() < ackedWhileDown.get(l) + 100)) {
          assertTrue(Instant.now().isBefore(deadline), "production did not resume");
          runAll(loops, 10);
        }
        restarting.get();
        long left = CYCLES - loops.get(0).runtime().cycles();
        runAll(loops, (int) Math.max(0, left));
        for (Loop loop : loops) {
          String name = loop.deployment().plant().name();
          auditFiles.put(name, loop.deployment().auditFile());
          telemetries.put(name, loop.telemetry());
          cycles.put(name, loop.runtime().cycles());
        }
      }

      for (String plant : auditFiles.keySet()) {
        long ran = cycles.get(plant);
        Telemetry telemetry = telemetries.get(plant);
        assertTrue(ran >= CYCLES, plant + " ran " + ran + " cycles");

        // The audit file has every cycle, each written in closed loop, and the drop count.
        List<AuditRecord> audit = AuditLogReader.readAll(auditFiles.get(plant));
        List<CycleRecord> cycleRecords =
            audit.stream().filter(r -> r instanceof CycleRecord).map(r -> (CycleRecord) r).toList();
        assertEquals(ran, cycleRecords.size());
        assertTrue(cycleRecords.stream().allMatch(c -> c.mode().equals(Mode.CLOSED_LOOP.label())));
        long writes = audit.stream().filter(r -> r instanceof WriteRecord w && w.ok()).count();
        assertTrue(writes > ran / 2, plant + ": " + writes + " set-point writes in " + ran);
        long droppedInLog =
            audit.stream()
                .filter(r -> r instanceof EventRecord e && e.kind() == EventKind.TELEMETRY_DROPPED)
                .mapToLong(r -> Long.parseLong(((EventRecord) r).details().get("count")))
                .sum();
        assertTrue(telemetry.dropped() > 0);
        assertEquals(telemetry.dropped(), droppedInLog);
        assertEquals(droppedInLog, ShadowSummary.of(audit, List.of()).telemetryDropped());

        // Read back: in order, nothing duplicated, gaps only where records were dropped.
        List<TelemetryMessages.Message> read = new ArrayList<>();
        TelemetryReader.Result result =
            TelemetryReader.read(url, plant, Duration.ofSeconds(30), read::add);
        assertEquals(0, result.outOfOrder());
        assertEquals(telemetry.acknowledged(), result.messages());
        assertEquals(List.copyOf(auditFiles.keySet()), result.plants());
        for (int i = 1; i < read.size(); i++) {
          assertTrue(read.get(i).seq() > read.get(i - 1).seq(), plant + ", message " + i);
        }
        assertTrue(result.missing() > 0, "the outage left a gap");
        assertTrue(result.missing() <= telemetry.dropped());
        // Every record produced before the outage is there, exactly as in the file.
        long beforeOutage =
            audit.stream()
                .takeWhile(r -> !(r instanceof CycleRecord c) || c.cycle() <= BEFORE_OUTAGE)
                .count();
        for (int i = 0; i < beforeOutage; i++) {
          assertEquals(i + 1, read.get(i).seq());
          assertEquals(audit.get(i), read.get(i).record());
        }
        // And every record after the outage that was produced is the file's record of its seq.
        for (TelemetryMessages.Message m : read) {
          assertEquals(audit.get((int) m.seq() - 1), m.record(), plant + ", seq " + m.seq());
        }
      }
    }
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
        .telemetryOptions(new Telemetry.Options(10_000, Duration.ofMillis(500), Clock.systemUTC()))
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
      Thread.onSpinWait();
      Thread.sleep(20);
    }
  }
}
