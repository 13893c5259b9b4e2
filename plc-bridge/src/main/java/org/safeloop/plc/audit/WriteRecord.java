package org.safeloop.plc.audit;

import java.time.Instant;
import java.util.Objects;

/**
 * How the writes of one cycle went. The runtime records a cycle's decision, with the values it is
 * about to write, in a {@link CycleRecord} before it writes anything (a decision that cannot be
 * recorded must not act on the plant); this record follows once the PLC has answered.
 *
 * @param timestamp when the write finished
 * @param cycle the cycle whose {@link CycleRecord#writes()} were written
 * @param ok true when the PLC acknowledged every write
 * @param failure why the write failed, e.g. {@code "timeout after 500 ms"}; null when ok
 * @param refused true when the PLC answered and refused the write (an exception response, a Bad
 *     status), false when it did not answer or the write is ok
 * @param latencyMicros time from the start of the cycle's read to the end of the write, in
 *     microseconds
 */
public record WriteRecord(
    Instant timestamp, long cycle, boolean ok, String failure, boolean refused, long latencyMicros)
    implements AuditRecord {

  /** Checks that a failure has a reason and a success has none. */
  public WriteRecord {
    Objects.requireNonNull(timestamp, "timestamp");
    if (ok != (failure == null)) {
      throw new IllegalArgumentException(
          ok ? "a successful write has no failure reason" : "a failed write needs a reason");
    }
    if (ok && refused) {
      throw new IllegalArgumentException("a successful write was not refused");
    }
  }
}
