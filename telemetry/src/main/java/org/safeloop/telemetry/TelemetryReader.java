package org.safeloop.telemetry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
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
import org.safeloop.plc.telemetry.TelemetryUrl;

/**
 * Reads a telemetry topic from its beginning to its end as it stands when reading starts, without
 * joining a consumer group (nothing is committed). The forwarder delivers at least once and retries
 * from its file after a failure, so a record can reach the topic twice, and after an outage a few
 * can reach it ahead of ones sent again: each plant's messages are put back in the order of its
 * audit log by {@code seq}, each handed out once, repeats counted and skipped. Not thread-safe; one
 * call, one consumer.
 */
public final class TelemetryReader {
  private TelemetryReader() {}

  /**
   * What a read found.
   *
   * @param messages messages read (of the plant asked for, or all)
   * @param unreadable messages that are not version-1 telemetry, skipped
   * @param missing records missing by sequence number within a bridge run (not forwarded yet, or
   *     rotated out of the audit files before they were)
   * @param repeated records skipped because their sequence number was not above the previous one of
   *     their run (sent again after a failure)
   * @param plants the plants seen
   */
  public record Result(
      long messages, long unreadable, long missing, long repeated, List<String> plants) {
    /** Copies the list. */
    public Result {
      plants = List.copyOf(plants);
    }
  }

  /**
   * Reads {@code url}'s topic and hands each message of {@code plant} (null: every plant) to {@code
   * consumer} once, in order per partition (so in order per plant), repeats skipped.
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
    long[] unreadable = {0};
    TreeSet<String> plants = new TreeSet<>();
    Map<String, Sequencer> sequencers = new HashMap<>();
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
            unreadable[0]++;
            continue;
          }
          plants.add(m.plant());
          if (plant == null || plant.equals(m.plant())) {
            sequencers.computeIfAbsent(m.plant(), k -> new Sequencer()).add(m, consumer);
          }
        }
      }
    } catch (KafkaException e) {
      throw new IllegalStateException(
          "cannot read telemetry from " + url + ": " + e.getMessage(), e);
    }
    long messages = 0;
    long missing = 0;
    long repeated = 0;
    for (Sequencer q : sequencers.values()) {
      q.drain(consumer, true);
      messages += q.handedOut;
      missing += q.missing;
      repeated += q.repeated;
    }
    return new Result(messages, unreadable[0], missing, repeated, new ArrayList<>(plants));
  }

  /**
   * One plant's messages put back in the order of its audit log: a message waits until every
   * smaller {@code seq} was handed out, or until more than {@link #WINDOW} wait (then the gap is
   * counted as missing), and a {@code seq} already handed out or waiting is a repeat. The log's
   * {@code seq} runs on across the bridge's restarts, so one plant (one log) is one sequence.
   */
  private static final class Sequencer {
    // A forwarder's retry can put at most a batch (500) of records ahead of the ones it resends.
    private static final int WINDOW = 10_000;
    private final TreeMap<Long, TelemetryMessages.Message> waiting = new TreeMap<>();
    private long next = 1;
    private long handedOut;
    private long missing;
    private long repeated;

    void add(TelemetryMessages.Message m, Consumer<? super TelemetryMessages.Message> consumer) {
      if (m.seq() <= 0) {
        handedOut++; // not chained: nothing to order it by
        consumer.accept(m);
        return;
      }
      if (m.seq() < next || waiting.containsKey(m.seq())) {
        repeated++;
        return;
      }
      waiting.put(m.seq(), m);
      drain(consumer, false);
    }

    /** Hands out what is in order (everything when {@code all}, counting the gaps). */
    void drain(Consumer<? super TelemetryMessages.Message> consumer, boolean all) {
      while (!waiting.isEmpty()) {
        long first = waiting.firstKey();
        if (first != next && !all && waiting.size() <= WINDOW) {
          return;
        }
        missing += first - next;
        next = first + 1;
        handedOut++;
        consumer.accept(waiting.pollFirstEntry().getValue());
      }
    }
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
