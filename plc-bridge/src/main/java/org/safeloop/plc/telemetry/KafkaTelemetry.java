package org.safeloop.plc.telemetry;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;
import org.safeloop.plc.audit.TapQueue;
import org.safeloop.plc.audit.TelemetryMessages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Telemetry} on Kafka: an idempotent producer with {@code acks=all}, keyed by plant (so one
 * plant's records stay in one partition, in order), no compression. The control cycle's thread only
 * offers lines to a bounded queue; a daemon thread sends them. Every wait of that thread is bounded
 * ({@code max.block.ms}, {@code delivery.timeout.ms}), and what it cannot send is counted.
 */
final class KafkaTelemetry implements Telemetry {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaTelemetry.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  private final TelemetryUrl url;
  private final AuditLog audit;
  private final Options options;
  private final TelemetryMessages messages;
  private final String plant;
  // Lock-free, bounded by the count: an offer never waits for the sender thread.
  private final TapQueue<byte[]> queue;
  private final Producer<String, byte[]> producer;
  private final Thread sender;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong acknowledged = new AtomicLong();
  private final Object reportLock = new Object();
  // Guarded by reportLock.
  private long reported;
  private Instant lastReport;
  private volatile boolean closing;
  private boolean closed;

  KafkaTelemetry(TelemetryUrl url, String plant, AuditLog audit, Options options) {
    this.url = url;
    this.plant = plant;
    this.audit = audit;
    this.options = options;
    this.messages = TelemetryMessages.forPlant(plant);
    this.queue = new TapQueue<>(options.queueCapacity());
    this.producer = new KafkaProducer<>(producerConfig(url, plant));
    this.lastReport = options.clock().instant();
    this.sender = new Thread(this::sendLoop, "safeloop-telemetry");
    sender.setDaemon(true);
    sender.start();
  }

  static Properties producerConfig(TelemetryUrl url, String plant) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, url.bootstrapServers());
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "safeloop-bridge-" + plant);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // Bounded waits: a send blocks the sender thread (never the cycle) at most this long.
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5_000);
    p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
    p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 8L * 1024 * 1024);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return p;
  }

  @Override
  public void written(byte[] line) {
    if (closing) {
      // Only the last drop event and the signed chain head come after close: file only.
      return;
    }
    if (!queue.offer(line)) {
      dropped.incrementAndGet();
    }
  }

  @Override
  public long dropped() {
    return dropped.get();
  }

  @Override
  public long acknowledged() {
    return acknowledged.get();
  }

  private void sendLoop() {
    while (!Thread.currentThread().isInterrupted()) {
      byte[] line = queue.poll();
      if (line == null) {
        if (closing) {
          return;
        }
        // Nothing queued: look again in a millisecond (the cycle never wakes this thread).
        LockSupport.parkNanos(1_000_000L);
      } else {
        send(line);
      }
      reportDrops(false);
    }
  }

  private void send(byte[] line) {
    try {
      producer.send(
          new ProducerRecord<>(url.topic(), plant, messages.wrap(line)),
          (metadata, error) -> {
            if (error == null) {
              acknowledged.incrementAndGet();
            } else {
              dropped.incrementAndGet();
            }
          });
    } catch (KafkaException | IllegalStateException e) {
      // Metadata not available within max.block.ms, buffer full, producer closed.
      dropped.incrementAndGet();
    }
  }

  /** Writes a TELEMETRY_DROPPED event when records dropped and the period passed (or forced). */
  private void reportDrops(boolean force) {
    synchronized (reportLock) {
      long total = dropped.get();
      long count = total - reported;
      Instant now = options.clock().instant();
      if (count <= 0
          || (!force && Duration.between(lastReport, now).compareTo(options.reportEvery()) < 0)) {
        return;
      }
      Map<String, String> details = new LinkedHashMap<>();
      details.put("count", Long.toString(count));
      details.put("total", Long.toString(total));
      details.put("since", lastReport.toString());
      details.put("topic", url.toString());
      try {
        audit.append(
            new EventRecord(
                now,
                EventKind.TELEMETRY_DROPPED,
                count + " telemetry records dropped (broker down or slow, or queue full)",
                details));
        reported = total;
        lastReport = now;
      } catch (RuntimeException e) {
        // The audit log is closed or unwritable: its own handling reports that; retry later.
        LOG.debug("cannot record telemetry drops: {}", e.toString());
      }
    }
  }

  @Override
  public void close() {
    synchronized (reportLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    closing = true;
    try {
      sender.join(CLOSE_WAIT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sender.interrupt();
    try {
      producer.close(CLOSE_WAIT);
    } catch (KafkaException e) {
      LOG.warn("telemetry producer {} closed with an error: {}", url, e.toString());
    }
    byte[] left;
    while ((left = queue.poll()) != null) {
      dropped.incrementAndGet();
    }
    reportDrops(true);
  }
}
