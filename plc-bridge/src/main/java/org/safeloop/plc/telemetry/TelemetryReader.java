package org.safeloop.plc.telemetry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.safeloop.plc.audit.TelemetryMessages;

/**
 * Reads a telemetry topic from its beginning to its end as it stands when reading starts, without
 * joining a consumer group (nothing is committed). Not thread-safe; one call, one consumer.
 */
public final class TelemetryReader {
  private TelemetryReader() {}

  /**
   * What a read found.
   *
   * @param messages messages read (of the plant asked for, or all)
   * @param unreadable messages that are not version-1 telemetry, skipped
   * @param missing records missing by sequence number within a bridge run (dropped telemetry)
   * @param outOfOrder records whose sequence number was not above the previous one of their run
   * @param plants the plants seen
   */
  public record Result(
      long messages, long unreadable, long missing, long outOfOrder, List<String> plants) {
    /** Copies the list. */
    public Result {
      plants = List.copyOf(plants);
    }
  }

  /**
   * Reads {@code url}'s topic and hands each message of {@code plant} (null: every plant) to {@code
   * consumer}, in order per partition (so in order per plant).
   *
   * @param timeout the longest the whole read may take
   * @throws IllegalStateException when the broker cannot be reached or the topic does not exist
   *     within {@code timeout}
   */
  public static Result read(
      TelemetryUrl url,
      String plant,
      Duration timeout,
      Consumer<? super TelemetryMessages.Message> consumer) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, url.bootstrapServers());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "safeloop-telemetry-reader");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    Instant deadline = Instant.now().plus(timeout);
    long messages = 0;
    long unreadable = 0;
    long missing = 0;
    long outOfOrder = 0;
    TreeSet<String> plants = new TreeSet<>();
    Map<String, Long> lastSeq = new HashMap<>();
    try (KafkaConsumer<String, byte[]> kafka = new KafkaConsumer<>(p)) {
      List<PartitionInfo> infos;
      try {
        infos = kafka.partitionsFor(url.topic(), remaining(deadline));
      } catch (KafkaException e) {
        throw new IllegalStateException(
            "cannot read telemetry from " + url + " within " + timeout + ": " + e.getMessage(), e);
      }
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("telemetry topic " + url + " does not exist");
      }
      List<TopicPartition> partitions = new ArrayList<>();
      infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
      kafka.assign(partitions);
      kafka.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = kafka.endOffsets(partitions, remaining(deadline));
      while (!reachedEnd(kafka, end)) {
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException(
              "reading telemetry from " + url + " took longer than " + timeout);
        }
        for (ConsumerRecord<String, byte[]> r : kafka.poll(Duration.ofMillis(200))) {
          TelemetryMessages.Message m;
          try {
            m = TelemetryMessages.unwrap(r.value());
          } catch (IllegalArgumentException e) {
            unreadable++;
            continue;
          }
          plants.add(m.plant());
          if (plant != null && !plant.equals(m.plant())) {
            continue;
          }
          if (m.seq() > 0) {
            String run = m.plant() + "/" + m.instance();
            Long previous = lastSeq.put(run, m.seq());
            if (previous != null && m.seq() <= previous) {
              outOfOrder++;
            } else if (previous != null) {
              missing += m.seq() - previous - 1;
            }
          }
          messages++;
          consumer.accept(m);
        }
      }
    } catch (KafkaException e) {
      throw new IllegalStateException(
          "cannot read telemetry from " + url + ": " + e.getMessage(), e);
    }
    return new Result(messages, unreadable, missing, outOfOrder, new ArrayList<>(plants));
  }

  private static boolean reachedEnd(
      KafkaConsumer<String, byte[]> kafka, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (kafka.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static Duration remaining(Instant deadline) {
    Duration left = Duration.between(Instant.now(), deadline);
    return left.isNegative() ? Duration.ZERO : left;
  }
}
