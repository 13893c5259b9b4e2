package org.safeloop.plc.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TelemetryUrlTest {
  @Test
  void aKafkaUrlGivesBrokerAndTopic() {
    TelemetryUrl url = TelemetryUrl.parse("kafka://127.0.0.1:9092/plant-telemetry");
    assertEquals("127.0.0.1:9092", url.bootstrapServers());
    assertEquals("plant-telemetry", url.topic());
    assertEquals("kafka://127.0.0.1:9092/plant-telemetry", url.toString());
  }

  @Test
  void badUrlsFailNamingWhatIsWrongAndTheExpectedForm() {
    for (String bad :
        new String[] {
          "http://host:9092/t",
          "kafka://host/t",
          "kafka://host:9092",
          "kafka://host:9092/a/b",
          "kafka://host:9092/bad topic",
          "kafka://host:70000/t",
          "kafka://host:9092/t?x=1"
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> TelemetryUrl.parse(bad), bad);
      assertTrue(e.getMessage().contains("telemetry URL"), e.getMessage());
    }
  }
}
