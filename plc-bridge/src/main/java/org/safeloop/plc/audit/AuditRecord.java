package org.safeloop.plc.audit;

import java.time.Instant;

/**
 * One line of the audit log: a {@link CycleRecord} per control cycle (and a {@link WriteRecord}
 * after a cycle's writes) or an {@link EventRecord} per event. Records are plain values (names,
 * doubles, strings, enums) so that any runtime can fill them, whatever the PLC protocol.
 */
public sealed interface AuditRecord permits CycleRecord, EventRecord, WriteRecord {
  /** Returns when the cycle ran or the event happened, on the runtime's clock. */
  Instant timestamp();
}
