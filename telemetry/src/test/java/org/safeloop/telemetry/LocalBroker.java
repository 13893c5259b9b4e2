package org.safeloop.telemetry;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A one-node KRaft broker on 127.0.0.1 for benchmarks by hand ({@code safeloop bench deploy
 * --telemetry}, docs/benchmarks.md): Kafka's own test kit, as the tests use it, with its data in a
 * temporary folder. Prints the bootstrap address and runs until its standard input closes.
 */
public final class LocalBroker {
  private LocalBroker() {}

  /**
   * Starts the broker.
   *
   * @param args none
   * @throws Exception when it cannot start
   */
  public static void main(String[] args) throws Exception {
    try (KafkaClusterTestKit kafka = cluster(Files.createTempDirectory("safeloop-kafka"), true)) {
      kafka.format();
      kafka.startup();
      kafka.waitForReadyBrokers();
      System.out.println("broker up: " + kafka.bootstrapServers());
      System.out.flush();
      while (System.in.read() >= 0) {
        // runs until standard input closes
      }
    }
  }

  /**
   * Returns a one-broker KRaft cluster with its data under {@code dir}, not yet formatted or
   * started; {@code combined}: the controller and the broker in one node (separate nodes let a test
   * stop the broker alone).
   */
  static KafkaClusterTestKit cluster(Path dir, boolean combined) throws Exception {
    return new KafkaClusterTestKit.Builder(
            new TestKitNodes.Builder()
                .setCombined(combined)
                .setNumControllerNodes(1)
                .setNumBrokerNodes(1)
                .setBaseDirectory(dir)
                .build())
        .setConfigProp("offsets.topic.replication.factor", "1")
        .setConfigProp("transaction.state.log.replication.factor", "1")
        .setConfigProp("transaction.state.log.min.isr", "1")
        .build();
  }
}
