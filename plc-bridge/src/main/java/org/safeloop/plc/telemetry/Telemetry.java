package org.safeloop.plc.telemetry;

import java.time.Clock;
import java.time.Duration;
import org.safeloop.plc.audit.AuditLog;

/**
 * A telemetry sink fed from the audit log's tap: it takes each audit line without blocking and
 * sends it on its own thread, dropping and counting what it cannot send. Thread-safe.
 */
public interface Telemetry extends AuditLog.LineTap, AutoCloseable {
  /** Returns how many records were dropped since the start (queue full, send failed). */
  long dropped();

  /** Returns how many records the broker acknowledged since the start. */
  long acknowledged();

  /**
   * Sends what is queued (waiting at most a few seconds), counts the rest as dropped, and writes
   * the last {@code TELEMETRY_DROPPED} event to the audit log if anything was dropped since the
   * previous one. Closing twice does nothing.
   */
  @Override
  void close();

  /**
   * How telemetry runs.
   *
   * @param queueCapacity records that may wait between the cycle and the producer thread
   * @param reportEvery at most one {@code TELEMETRY_DROPPED} event per this period while dropping
   * @param clock the clock of those events
   */
  record Options(int queueCapacity, Duration reportEvery, Clock clock) {
    /** The defaults: 10,000 records, an event at most every 10 s, the system clock. */
    public static final Options DEFAULTS =
        new Options(10_000, Duration.ofSeconds(10), Clock.systemUTC());

    /** Checks every field. */
    public Options {
      if (queueCapacity < 1) {
        throw new IllegalArgumentException(
            "queueCapacity must be at least 1, got " + queueCapacity);
      }
      if (reportEvery == null || reportEvery.isNegative()) {
        throw new IllegalArgumentException("reportEvery must be zero or positive");
      }
      if (clock == null) {
        throw new IllegalArgumentException("clock is required");
      }
    }
  }

  /**
   * Starts producing {@code plant}'s audit lines to Kafka, writing drop counts to {@code audit}.
   * Does not wait for the broker: a broker that is down only makes records drop. The caller also
   * sets it as the audit log's tap ({@link AuditLog#tap}).
   */
  static Telemetry kafka(TelemetryUrl url, String plant, AuditLog audit, Options options) {
    return new KafkaTelemetry(url, plant, audit, options);
  }
}
