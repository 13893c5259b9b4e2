package org.safeloop.plc.modbus;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Exponential back-off between reconnection attempts, measured on an injected clock so that a
 * control loop calling every cycle never waits: it is told how long until the next attempt. Not
 * thread-safe; confined to a connection's I/O thread.
 */
final class Backoff {

  private final Clock clock;
  private final Duration min;
  private final Duration max;
  private int failures;
  private Instant nextAttempt = Instant.MIN;

  Backoff(Clock clock, Duration min, Duration max) {
    this.clock = clock;
    this.min = min;
    this.max = max;
  }

  /** Time left before another attempt is allowed; zero or negative means now. */
  Duration remaining() {
    return Duration.between(clock.instant(), nextAttempt);
  }

  /** Records a failed attempt and schedules the next one (min, 2 min, 4 min, ... up to max). */
  Duration failed() {
    failures++;
    Duration delay = min.multipliedBy(1L << Math.min(failures - 1, 30));
    if (delay.compareTo(max) > 0 || delay.isNegative()) {
      delay = max;
    }
    nextAttempt = clock.instant().plus(delay);
    return delay;
  }

  /** Records a success; the next failure starts again at the minimum delay. */
  void succeeded() {
    failures = 0;
    nextAttempt = Instant.MIN;
  }

  int failures() {
    return failures;
  }
}
