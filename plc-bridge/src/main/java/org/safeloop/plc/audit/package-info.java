/**
 * The deployment audit log: one JSON line per control cycle ({@link
 * org.safeloop.plc.audit.CycleRecord}) and per event ({@link org.safeloop.plc.audit.EventRecord}),
 * written append-only with size rotation by {@link org.safeloop.plc.audit.AuditLog}, read back by
 * {@link org.safeloop.plc.audit.AuditLogReader} and summarised for the shadow report by {@link
 * org.safeloop.plc.audit.ShadowSummary}.
 */
package org.safeloop.plc.audit;
