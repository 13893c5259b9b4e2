package org.safeloop.plc;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A live connection to one PLC or OPC UA server that reads and writes {@link Tag}s. Obtain one from
 * {@link PlcConnections#open(PlcConnectionConfig)}.
 *
 * <p>Every blocking call waits at most {@link #callTimeout()} and then fails with {@link
 * PlcException.Reason#TIMEOUT}; an interrupt while waiting ends the wait with {@link
 * InterruptedException}. Each blocking call has an {@code *Async} twin that never blocks and
 * completes exceptionally with the same exceptions (a {@link PlcException} for protocol failures,
 * an {@link IllegalArgumentException} for a tag or value that cannot work, such as text for a
 * numeric register or a scaled value that does not fit the raw type).
 *
 * <p>Implementations are thread-safe; calls from several threads are served one after another per
 * connection (one Modbus master, one OPC UA session). A lost connection is re-established by the
 * implementation; calls made meanwhile fail fast with {@link PlcException.Reason#CONNECTION}.
 */
public interface PlcConnection extends AutoCloseable {

  /**
   * Reads the current values of {@code tags}.
   *
   * @param tags the tags to read; names must be unique
   * @return a future of the values by tag name, in the order of {@code tags}
   */
  CompletableFuture<Map<String, TagValue>> readAsync(Collection<Tag> tags);

  /**
   * Writes values, in engineering units, to their tags.
   *
   * @param writes the values to write; each tag at most once
   * @return a future that completes when the device has confirmed every write
   */
  CompletableFuture<Void> writeAsync(Collection<TagWrite> writes);

  /**
   * Starts delivering values of {@code tags} to {@code listener} whenever they change (value,
   * quality or status), and once at the start. OPC UA uses monitored items; protocols without
   * subscriptions poll at {@code samplingInterval}. Where the protocol confirms unchanged values
   * (an OPC UA keep-alive, or a publish that carries other items), the unchanged values arrive
   * again, at most once per sampling interval, with a later {@link TagValue#confirmedTime()}, so
   * that a listener can tell a constant value from a stale one. The listener runs on a connection
   * thread and must not block; values for tags that cannot be read arrive with quality BAD.
   *
   * @param tags the tags to watch
   * @param samplingInterval how often the source samples (OPC UA) or is polled; positive
   * @param listener receives each changed value
   * @return a future of the running subscription
   */
  CompletableFuture<PlcSubscription> subscribeAsync(
      Collection<Tag> tags, Duration samplingInterval, Consumer<TagValue> listener);

  /**
   * The longest a blocking call waits before failing with a timeout.
   *
   * @return the call timeout (the configured connect plus request timeouts)
   */
  Duration callTimeout();

  /**
   * Whether the connection is up right now (a hint; the next call may still fail).
   *
   * @return true if connected
   */
  boolean isConnected();

  /**
   * Closes the connection and its subscriptions; pending calls fail with {@link
   * PlcException.Reason#CLOSED}. Idempotent; waits at most a few seconds.
   */
  @Override
  void close();

  /**
   * Blocking twin of {@link #readAsync(Collection)}.
   *
   * @param tags the tags to read
   * @return the values by tag name, in the order of {@code tags}
   * @throws PlcException if the read failed or timed out
   * @throws InterruptedException if the calling thread was interrupted while waiting
   */
  default Map<String, TagValue> read(Collection<Tag> tags)
      throws PlcException, InterruptedException {
    return await(readAsync(tags), callTimeout());
  }

  /**
   * Blocking twin of {@link #writeAsync(Collection)}.
   *
   * @param writes the values to write
   * @throws PlcException if a write failed or timed out
   * @throws InterruptedException if the calling thread was interrupted while waiting
   */
  default void write(Collection<TagWrite> writes) throws PlcException, InterruptedException {
    await(writeAsync(writes), callTimeout());
  }

  /**
   * Blocking twin of {@link #subscribeAsync(Collection, Duration, Consumer)}.
   *
   * @param tags the tags to watch
   * @param samplingInterval sampling or polling interval
   * @param listener receives each changed value
   * @return the running subscription; close it to stop
   * @throws PlcException if the subscription could not be created
   * @throws InterruptedException if the calling thread was interrupted while waiting
   */
  default PlcSubscription subscribe(
      Collection<Tag> tags, Duration samplingInterval, Consumer<TagValue> listener)
      throws PlcException, InterruptedException {
    return await(subscribeAsync(tags, samplingInterval, listener), callTimeout());
  }

  /**
   * Waits for {@code future} at most {@code timeout}, unwrapping its failure. On timeout or
   * interrupt the future is cancelled.
   *
   * @param future the pending call
   * @param timeout the longest wait
   * @param <T> result type
   * @return the result
   * @throws PlcException the call's failure, or a TIMEOUT
   * @throws InterruptedException if interrupted while waiting (the interrupt is not swallowed)
   */
  private static <T> T await(CompletableFuture<T> future, Duration timeout)
      throws PlcException, InterruptedException {
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      future.cancel(false);
      throw e;
    } catch (TimeoutException e) {
      future.cancel(false);
      throw new PlcException(
          PlcException.Reason.TIMEOUT, 0, "PLC call did not finish within " + timeout, e);
    } catch (CancellationException e) {
      throw new PlcException(PlcException.Reason.CLOSED, 0, "PLC call was cancelled", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof PlcException plc) {
        throw plc;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new PlcException(PlcException.Reason.PROTOCOL, 0, String.valueOf(cause), cause);
    }
  }
}
