package org.safeloop.plc.audit;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lock-free queue bounded by a count, for handing work from the control cycle's thread to an
 * observer's thread (telemetry, the web view): {@link #offer} never waits, and an item that does
 * not fit is dropped and counted instead. One or more producers, one or more consumers.
 * Thread-safe.
 *
 * @param <T> what is queued
 */
public final class TapQueue<T> {
  private final int capacity;
  private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();

  /**
   * A queue of at most {@code capacity} items.
   *
   * @throws IllegalArgumentException when the capacity is below 1
   */
  public TapQueue(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("queue capacity must be at least 1, got " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * Queues an item if there is room, else drops and counts it; never waits.
   *
   * @return true when queued
   */
  public boolean offer(T item) {
    if (size.incrementAndGet() > capacity) {
      size.decrementAndGet();
      dropped.incrementAndGet();
      return false;
    }
    items.offer(item);
    return true;
  }

  /** Takes the oldest item, or returns null when the queue is empty; never waits. */
  public T poll() {
    T item = items.poll();
    if (item != null) {
      size.decrementAndGet();
    }
    return item;
  }

  /** Returns how many items wait. */
  public int size() {
    return size.get();
  }

  /** Returns the capacity. */
  public int capacity() {
    return capacity;
  }

  /** Returns how many offers were dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }
}
