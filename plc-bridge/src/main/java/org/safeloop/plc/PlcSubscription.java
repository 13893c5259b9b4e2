package org.safeloop.plc;

/**
 * A running stream of value changes from {@link PlcConnection#subscribeAsync}. Close it to stop
 * deliveries. Thread-safe.
 */
public interface PlcSubscription extends AutoCloseable {

  /** Stops deliveries and releases server resources; idempotent and never blocks long. */
  @Override
  void close();
}
