package org.safeloop.plc.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.audit.AuditLogReader;

/**
 * The bridge's side of telemetry without Kafka: the bridge's own class path has no forwarder (by
 * design), so telemetry is refused with what to do, before a record is written.
 */
class TelemetryForwarderTest {
  private static final TelemetryUrl URL = TelemetryUrl.parse("kafka://127.0.0.1:9/plant");

  /** Starts telemetry on a new log in {@code dir}, which must be refused. */
  private static IllegalStateException refusal(Path dir) {
    try (AuditLog audit = AuditLog.open(dir.resolve("audit.jsonl"))) {
      return assertThrows(
          IllegalStateException.class,
          () ->
              TelemetryForwarder.start(
                  URL, "reactor", audit, Clock.systemUTC(), Duration.ofSeconds(1)));
    }
  }

  @Test
  void theBridgesClassPathHasNoKafkaAndTelemetryWithoutTheForwarderIsRefused(@TempDir Path dir) {
    assertNull(
        ClassLoader.getSystemResource("org/apache/kafka/clients/producer/KafkaProducer.class"),
        "Kafka reached the bridge's class path");
    String saved = System.clearProperty(TelemetryForwarder.CLASS_PATH);
    try {
      IllegalStateException e = refusal(dir);
      assertTrue(e.getMessage().contains("telemetry needs the forwarder"), e.getMessage());
      assertTrue(e.getMessage().contains(TelemetryForwarder.CLASS_PATH), e.getMessage());
    } finally {
      if (saved != null) {
        System.setProperty(TelemetryForwarder.CLASS_PATH, saved);
      }
    }
    assertEquals(0, AuditLogReader.readAll(dir.resolve("audit.jsonl")).size());
  }

  @Test
  void aForwarderClassPathThatDoesNotExistIsNamed(@TempDir Path dir) {
    Path missing = dir.resolve("no-such/safeloop-telemetry.jar");
    String saved = System.setProperty(TelemetryForwarder.CLASS_PATH, missing.toString());
    try {
      IllegalStateException e = refusal(dir);
      assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    } finally {
      if (saved == null) {
        System.clearProperty(TelemetryForwarder.CLASS_PATH);
      } else {
        System.setProperty(TelemetryForwarder.CLASS_PATH, saved);
      }
    }
  }
}
