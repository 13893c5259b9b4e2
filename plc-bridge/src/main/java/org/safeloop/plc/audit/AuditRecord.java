package org.safeloop.plc.audit;

import java.time.Instant;

/**
 * One line of the audit log: a {@link CycleRecord} per control cycle or an {@link EventRecord} per
 * event. Records are plain values (names, doubles, strings, enums) so that any runtime can fill
 * them, whatever the PLC protocol.
 */
public sealed interface AuditRecord permits CycleRecord, EventRecord {
  /** Returns when the cycle ran or the event happened, on the runtime's clock. */
  Instant timestamp();
}
