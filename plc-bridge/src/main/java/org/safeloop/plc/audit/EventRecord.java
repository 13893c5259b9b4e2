package org.safeloop.plc.audit;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One event of the deployment runtime, such as a demotion or a refused approval. The details map is
 * copied and keeps its order.
 *
 * @param timestamp when the event happened
 * @param kind what happened
 * @param reason a sentence for the operator, e.g. {@code "T bad quality for 5 cycles (limit 3)"}
 * @param details further facts by name, e.g. {@code from=closed-loop, to=advisory}; may be empty
 */
public record EventRecord(
    Instant timestamp, EventKind kind, String reason, Map<String, String> details)
    implements AuditRecord {

  /** Checks that nothing is missing and copies the details. */
  public EventRecord {
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(reason, "reason");
    details = CycleRecord.copy(details, "details");
  }

  /** An event without details. */
  public EventRecord(Instant timestamp, EventKind kind, String reason) {
    this(timestamp, kind, reason, Map.of());
  }
}
