package org.safeloop.plc.audit;

/**
 * Encodes records as the consecutive lines of one hash chain, for tests that write logs by hand.
 */
final class ChainedLines {
  private long seq;
  private String head = AuditJson.GENESIS;

  byte[] next(AuditRecord record) {
    byte[] line = AuditJson.line(record, ++seq, "test-writer", head);
    head = AuditJson.sha256(line, line.length - 1);
    return line;
  }
}
