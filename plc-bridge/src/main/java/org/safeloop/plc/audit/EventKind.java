package org.safeloop.plc.audit;

/** What kind of event an {@link EventRecord} reports. */
public enum EventKind {
  /** The runtime started (details: mode, bundle, plant file, ...). */
  STARTED,
  /** The runtime stopped. */
  STOPPED,
  /** The mode changed on command (details: from, to). */
  MODE_CHANGE,
  /** The runtime raised its mode, e.g. advisory to closed-loop, on an explicit command. */
  PROMOTION,
  /** The runtime lowered its mode by itself: communication loss, bad inputs, override, expiry. */
  DEMOTION,
  /** An approval was checked and accepted. */
  APPROVAL_ACCEPTED,
  /** An approval was checked and refused (reason: the check that failed). */
  APPROVAL_REFUSED,
  /** The connection to the PLC was lost. */
  CONNECTION_LOST,
  /** The connection to the PLC came back. */
  CONNECTION_RESTORED,
  /** The operator took over: loop switched to local/manual or a setpoint changed by hand. */
  OPERATOR_OVERRIDE,
  /** The shield's fallback rate exceeded its limit. */
  SHIELD_DEGRADED,
  /** The PLC answered a write and refused it (exception response, Bad status). */
  WRITE_REFUSED,
  /** The audit log could not be written; the runtime stepped back to shadow. */
  AUDIT_FAILED,
  /**
   * Records that could not be held while the audit log was unwritable were lost (details: count,
   * first and last timestamp); written as soon as the log takes writes again.
   */
  AUDIT_RECORDS_LOST,
  /**
   * The head of the audit log's hash chain, signed with the deployment's key (details: seq, head,
   * key_fingerprint, signature).
   */
  CHAIN_SIGNED,
  /**
   * The heartbeat tag does not read what this bridge last wrote: another bridge or program writes
   * to the plant (details: instance of this bridge).
   */
  ANOTHER_WRITER,
  /**
   * Telemetry records were dropped (details: count, total since start, topic). Written by bridges
   * that produced telemetry in process, before the forwarder; still read in their logs, no longer
   * written.
   */
  TELEMETRY_DROPPED,
  /**
   * The telemetry forwarder ({@code deploy --telemetry}) started beside the bridge (details:
   * telemetry, pid, from_seq: the checkpoint it goes on from).
   */
  TELEMETRY_STARTED,
  /**
   * The broker did not take the forwarder's records: telemetry waits in the audit log and is sent
   * when the broker returns (details: telemetry, seq of the last record acknowledged, error).
   */
  TELEMETRY_STALLED,
  /** The broker takes records again after a stall (details: telemetry, stalled_ms, seq). */
  TELEMETRY_RESUMED,
  /**
   * The telemetry forwarder stopped (details: telemetry, acknowledged, seq of the last record
   * acknowledged, unsent: records of this log after it, exit code). The unsent ones are in the
   * audit log; {@code safeloop telemetry forward} sends them from the checkpoint.
   */
  TELEMETRY_STOPPED,
  /** An unexpected error the runtime caught and survived. */
  ERROR
}
