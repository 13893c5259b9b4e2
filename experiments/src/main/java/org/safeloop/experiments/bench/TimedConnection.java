package org.safeloop.experiments.bench;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.PlcSubscription;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagValue;
import org.safeloop.plc.TagWrite;

/**
 * Times the blocking read and write of the connection the runtime uses; delegates the rest. For
 * {@link DeployBenchmark}; the timing is not thread-safe (one runtime thread calls it).
 */
final class TimedConnection implements PlcConnection {
  final MicrosHistogram read = new MicrosHistogram();
  final MicrosHistogram write = new MicrosHistogram();
  private final PlcConnection delegate;

  TimedConnection(PlcConnection delegate) {
    this.delegate = delegate;
  }

  @Override
  public Map<String, TagValue> read(Collection<Tag> tags)
      throws PlcException, InterruptedException {
    long start = System.nanoTime();
    try {
      return delegate.read(tags);
    } finally {
      read.record((System.nanoTime() - start) / 1000);
    }
  }

  @Override
  public void write(Collection<TagWrite> writes) throws PlcException, InterruptedException {
    long start = System.nanoTime();
    try {
      delegate.write(writes);
    } finally {
      write.record((System.nanoTime() - start) / 1000);
    }
  }

  @Override
  public CompletableFuture<Map<String, TagValue>> readAsync(Collection<Tag> tags) {
    return delegate.readAsync(tags);
  }

  @Override
  public CompletableFuture<Void> writeAsync(Collection<TagWrite> writes) {
    return delegate.writeAsync(writes);
  }

  @Override
  public CompletableFuture<PlcSubscription> subscribeAsync(
      Collection<Tag> tags, Duration samplingInterval, Consumer<TagValue> listener) {
    return delegate.subscribeAsync(tags, samplingInterval, listener);
  }

  @Override
  public Duration callTimeout() {
    return delegate.callTimeout();
  }

  @Override
  public boolean isConnected() {
    return delegate.isConnected();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
