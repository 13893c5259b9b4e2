package org.safeloop.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.safeloop.plc.audit.TelemetryMessages;
import org.safeloop.plc.telemetry.TelemetryUrl;

/**
 * Produces an audit log to a Kafka topic as it is written: store and forward, with the audit file
 * as the store. It follows the log ({@link AuditTail}), sends each line wrapped as a telemetry
 * message ({@link TelemetryMessages}) keyed by plant, so one plant's records stay in one partition
 * and in order, with an idempotent producer and {@code acks=all}, and after each acknowledged batch
 * writes the last {@code seq} sent to a checkpoint beside the log ({@code audit.jsonl.telemetry}).
 * When the broker is down or slow it keeps the unsent records where they are, in the file, and
 * retries with a growing pause; when it returns, it sends them, so an outage delays telemetry and
 * loses none. After a restart it goes on from the checkpoint. Delivery is at least once: a batch
 * the broker took but could not acknowledge before a failure is sent again, and {@link
 * TelemetryReader} skips the repeats by their {@code seq}. Not thread-safe; one forwarder per log.
 */
final class AuditForwarder implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BATCH = 500;
  private static final long POLL_MILLIS = 20;
  private static final long MIN_BACKOFF_MILLIS = 200;
  private static final long MAX_BACKOFF_MILLIS = 5_000;

  /**
   * Where forwarding stands.
   *
   * @param state {@code up} (the last batch was acknowledged), {@code stalled} (it was not; the
   *     records wait in the file), or {@code done} (caught up with the log and stopped)
   * @param acknowledged records the broker acknowledged since this forwarder started
   * @param seq the {@code seq} of the last record acknowledged (the checkpoint), 0 for none
   * @param lost records that rotated out of the kept audit files before they were sent
   * @param error why the last batch failed, or null
   */
  record Status(String state, long acknowledged, long seq, long lost, String error) {}

  private final TelemetryUrl url;
  private final String plant;
  private final Path checkpoint;
  private final TelemetryMessages messages;
  private final Producer<String, byte[]> producer;
  private final AuditTail tail;
  private final Consumer<? super Status> listener;
  private long acknowledged;
  private long seq;
  private String state = "starting";
  private String error;

  /**
   * Prepares forwarding {@code auditFile} (the log's active file) to {@code url}, going on from its
   * checkpoint when there is one.
   *
   * @param listener told the status after every batch, every change of state, and at every look for
   *     new records while there are none
   * @throws IllegalArgumentException when the checkpoint is unreadable or names another topic
   */
  AuditForwarder(
      TelemetryUrl url, String plant, Path auditFile, Consumer<? super Status> listener) {
    this.url = Objects.requireNonNull(url, "url");
    this.plant = Objects.requireNonNull(plant, "plant");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.checkpoint = checkpointOf(auditFile);
    this.messages = TelemetryMessages.forPlant(plant);
    this.seq = readCheckpoint(checkpoint, url);
    this.tail = new AuditTail(auditFile, seq);
    this.producer = new KafkaProducer<>(producerConfig(url, plant));
  }

  /** Returns the checkpoint file of the log whose active file is {@code auditFile}. */
  static Path checkpointOf(Path auditFile) {
    return auditFile.resolveSibling(auditFile.getFileName() + ".telemetry");
  }

  static Properties producerConfig(TelemetryUrl url, String plant) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, url.bootstrapServers());
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "safeloop-telemetry-" + plant);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // One request at a time: after a failed one, fewer records are ahead of those sent again.
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    // Bounded waits, so that an outage shows as a failed batch within seconds and is retried
    // from the file rather than from the producer's memory.
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 8_000);
    p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
    p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return p;
  }

  /**
   * Forwards until caught up with the log while {@code follow} is false (it is asked whenever
   * nothing is left to send), or until {@code giveUpAt} passes while the broker does not take the
   * records (null: never give up).
   *
   * @return the last status
   * @throws IOException when the log or the checkpoint cannot be read or written
   * @throws InterruptedException when interrupted while waiting
   */
  Status run(BooleanSupplier follow, Instant giveUpAt) throws IOException, InterruptedException {
    List<AuditTail.Line> batch = List.of();
    long backoff = MIN_BACKOFF_MILLIS;
    while (true) {
      if (batch.isEmpty()) {
        batch = tail.poll(BATCH);
        if (batch.isEmpty()) {
          if (!follow.getAsBoolean()) {
            report("done", null);
            return status();
          }
          listener.accept(status()); // idle: the listener may pass on a status it held back
          Thread.sleep(POLL_MILLIS);
          continue;
        }
      }
      int sent = send(batch);
      if (sent > 0) {
        acknowledged += sent;
        seq = batch.get(sent - 1).seq();
        writeCheckpoint(checkpoint, url, seq);
      }
      if (sent == batch.size()) {
        batch = List.of();
        backoff = MIN_BACKOFF_MILLIS;
        report("up", null);
      } else {
        batch = new ArrayList<>(batch.subList(sent, batch.size()));
        report("stalled", error);
        if (giveUpAt != null && Instant.now().isAfter(giveUpAt)) {
          return status();
        }
        Thread.sleep(backoff);
        backoff = Math.min(2 * backoff, MAX_BACKOFF_MILLIS);
      }
    }
  }

  /**
   * Sends the batch and waits for the broker; returns how many of its first records were
   * acknowledged (all of them, or those before the first failure).
   */
  private int send(List<AuditTail.Line> batch) throws InterruptedException {
    List<Future<RecordMetadata>> futures = new ArrayList<>(batch.size());
    String failure = null;
    for (AuditTail.Line line : batch) {
      try {
        futures.add(
            producer.send(new ProducerRecord<>(url.topic(), plant, messages.wrap(line.bytes()))));
      } catch (KafkaException | IllegalStateException e) {
        // No metadata within max.block.ms (broker down), or the buffer is full.
        failure = e.toString();
        break;
      }
    }
    producer.flush();
    int acked = 0;
    for (Future<RecordMetadata> f : futures) {
      try {
        f.get();
        acked++;
      } catch (ExecutionException e) {
        failure = e.getCause() == null ? e.toString() : e.getCause().toString();
        break;
      }
    }
    error = acked == batch.size() ? null : failure;
    return acked;
  }

  private void report(String newState, String why) {
    state = newState;
    error = why;
    listener.accept(status());
  }

  /** Returns where forwarding stands now. */
  Status status() {
    return new Status(state, acknowledged, seq, tail.lost(), error);
  }

  /**
   * Returns the {@code seq} the checkpoint records (0 when there is none).
   *
   * @throws IllegalArgumentException when it is unreadable or was written for another topic
   */
  static long readCheckpoint(Path file, TelemetryUrl url) {
    if (!Files.exists(file)) {
      return 0;
    }
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "telemetry checkpoint " + file + " is unreadable: " + e.getMessage(), e);
    }
    JsonNode topic = root == null ? null : root.get("telemetry");
    JsonNode seq = root == null ? null : root.get("seq");
    if (topic == null || seq == null || !seq.canConvertToLong() || seq.asLong() < 0) {
      throw new IllegalArgumentException(
          "telemetry checkpoint " + file + " needs 'telemetry' and a 'seq' of 0 or more");
    }
    if (!topic.asText().equals(url.toString())) {
      throw new IllegalArgumentException(
          "telemetry checkpoint "
              + file
              + " is for "
              + topic.asText()
              + ", not "
              + url
              + ": forward to that topic, or delete the checkpoint to send the whole log to this"
              + " one");
    }
    return seq.asLong();
  }

  /** Replaces the checkpoint atomically: a crash leaves the old one or the new one. */
  static void writeCheckpoint(Path file, TelemetryUrl url, long seq) throws IOException {
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("telemetry", url.toString());
    content.put("seq", seq);
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, JSON.writeValueAsBytes(content));
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Override
  public void close() throws IOException {
    try {
      producer.close(java.time.Duration.ofSeconds(5));
    } finally {
      tail.close();
    }
  }
}
