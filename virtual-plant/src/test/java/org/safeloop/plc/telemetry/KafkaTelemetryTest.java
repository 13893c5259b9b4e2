package org.safeloop.plc.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import org.safeloop.plc.runtime.Deployment;
import org.safeloop.plc.runtime.DeploymentRuntime;
import org.safeloop.plc.runtime.Mode;
import org.safeloop.plc.runtime.TestDeployments;
import org.safeloop.plc.virtualplant.VirtualPlant;

/** Telemetry against a real KRaft broker in process: complete, ordered, and never in the way. */
class KafkaTelemetryTest {
  private static final String TOPIC = "safeloop-telemetry";

  @Test
  void everyRecordReachesKafkaInOrderAndABrokerOutageOnlyDropsTelemetry(@TempDir Path dir)
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
        VirtualPlant plant =
            VirtualPlant.builder(scenario)
                .manualStepping()
                .startInRemote(true)
                .watchdogTimeout(Duration.ofSeconds(30))
                .pkiDirectory(dir.resolve("pki"))
                .start()) {
      kafka.format();
      kafka.startup();
      kafka.waitForReadyBrokers();
      try (Admin admin = kafka.admin()) {
        admin
            .createTopics(List.of(new NewTopic(TOPIC, Optional.of(1), Optional.empty())))
            .all()
            .get();
      }
      String[] bootstrap = kafka.bootstrapServers().split(",")[0].split(":");
      TelemetryUrl url =
          TelemetryUrl.parse("kafka://127.0.0.1:" + bootstrap[bootstrap.length - 1] + "/" + TOPIC);
      Path plantFile = plant.writePlantFiles(dir.resolve("plants")).get(0);
      int brokerId = kafka.brokers().keySet().iterator().next();

      Telemetry telemetry;
      long cycles;
      String plantName;
      try (Deployment deployment =
          TestDeployments.builder(
                  dir,
                  plantFile,
                  scenario,
                  scenario.baselineController(),
                  Mode.SHADOW,
                  Clock.systemUTC())
              .telemetry(url)
              .telemetryOptions(
                  new Telemetry.Options(10_000, Duration.ofMillis(500), Clock.systemUTC()))
              .build()) {
        DeploymentRuntime runtime = deployment.runtime();
        telemetry = deployment.telemetry();
        plantName = deployment.plant().name();
        // Broker up: every record so far is acknowledged.
        runCycles(runtime, plant, 200);
        long upTo = AuditLogReader.readAll(deployment.auditFile()).size();
        awaitTrue(() -> telemetry.acknowledged() >= upTo, Duration.ofSeconds(30), "acks");
        assertEquals(0, telemetry.dropped());

        // Broker down: the cycle goes on, records drop and are counted.
        kafka.brokers().get(brokerId).shutdown();
        kafka.brokers().get(brokerId).awaitShutdown();
        long downStart = runtime.cycles();
        Instant deadline = Instant.now().plusSeconds(30);
        while (telemetry.dropped() == 0 || runtime.cycles() - downStart < 100) {
          assertTrue(Instant.now().isBefore(deadline), "no drop counted with the broker down");
          runCycles(runtime, plant, 10);
        }
        long ackedWhileDown = telemetry.acknowledged();

        // Broker back: production resumes.
        kafka.restartBroker(brokerId, Map.of());
        kafka.waitForReadyBrokers();
        deadline = Instant.now().plusSeconds(60);
        while (telemetry.acknowledged() < ackedWhileDown + 100) {
          assertTrue(Instant.now().isBefore(deadline), "production did not resume");
          runCycles(runtime, plant, 10);
        }
        cycles = runtime.cycles();
      }

      // The audit file has every cycle and the drop count.
      List<AuditRecord> audit = AuditLogReader.readAll(dir.resolve(auditName(plantFile)));
      assertEquals(cycles, audit.stream().filter(r -> r instanceof CycleRecord).count());
      long droppedInLog =
          audit.stream()
              .filter(r -> r instanceof EventRecord e && e.kind() == EventKind.TELEMETRY_DROPPED)
              .mapToLong(r -> Long.parseLong(((EventRecord) r).details().get("count")))
              .sum();
      assertTrue(telemetry.dropped() > 0);
      assertEquals(telemetry.dropped(), droppedInLog);
      ShadowSummary fromFile = ShadowSummary.of(audit, List.of());
      assertEquals(droppedInLog, fromFile.telemetryDropped());

      // Read back: in order, nothing duplicated, gaps only where records were dropped.
      List<TelemetryMessages.Message> read = new ArrayList<>();
      TelemetryReader.Result result =
          TelemetryReader.read(url, plantName, Duration.ofSeconds(30), read::add);
      assertEquals(0, result.outOfOrder());
      assertEquals(telemetry.acknowledged(), result.messages());
      assertEquals(List.of(plantName), result.plants());
      for (int i = 1; i < read.size(); i++) {
        assertTrue(read.get(i).seq() > read.get(i - 1).seq(), "order at message " + i);
      }
      assertTrue(result.missing() > 0, "the outage left a gap");
      // Every record produced before the outage is there, exactly as in the file.
      for (int i = 0; i < 200; i++) {
        assertEquals(i + 1, read.get(i).seq());
        assertEquals(audit.get(i), read.get(i).record());
      }
    }
  }

  private static String auditName(Path plantFile) {
    return plantFile.getFileName().toString().replaceAll("\\.yaml$", "") + "-audit.jsonl";
  }

  private static void runCycles(DeploymentRuntime runtime, VirtualPlant plant, int n) {
    for (int i = 0; i < n; i++) {
      runtime.runCycle();
      plant.step();
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
