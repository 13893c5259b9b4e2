package org.safeloop.plc;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds or a deadline passes: bounded waits without sleep guesses. */
public final class Await {
  private Await() {}

  /**
   * Waits until {@code condition} is true.
   *
   * @param what description for the failure message
   * @param timeout the longest wait
   * @param condition the condition, polled every 20 ms
   * @throws InterruptedException if interrupted
   * @throws AssertionError if the deadline passes first
   */
  public static void until(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(20); // polling interval of a bounded wait, not a guess at timing
    }
  }
}
