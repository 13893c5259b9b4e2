package org.safeloop.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.audit.AuditLogReader;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;

/** Following an audit log as it is written and rotated, by sequence number. */
class AuditTailTest {
  private static EventRecord event(int i) {
    // About 200 bytes per line: a 1 KiB file holds a few records before it rotates.
    return new EventRecord(
        Instant.parse("2026-12-04T00:00:00Z").plusSeconds(i),
        EventKind.ERROR,
        "record " + i + " " + "x".repeat(100),
        Map.of("i", Integer.toString(i)));
  }

  private static AuditLog log(Path file, int keep) {
    return AuditLog.open(
        AuditLog.Options.builder(file).maxFileBytes(1024).keepRotatedFiles(keep).build());
  }

  private static List<Long> seqs(List<AuditTail.Line> lines) {
    return lines.stream().map(AuditTail.Line::seq).toList();
  }

  private static List<AuditTail.Line> readToTheEnd(AuditTail tail) throws IOException {
    List<AuditTail.Line> lines = new ArrayList<>();
    List<AuditTail.Line> more;
    while (!(more = tail.poll(1000)).isEmpty()) {
      lines.addAll(more);
    }
    return lines;
  }

  @Test
  void followsTheLogThroughItsRotationsOnceEachInOrder(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("audit.jsonl");
    List<Long> seen = new ArrayList<>();
    try (AuditTail tail = new AuditTail(file, 0)) {
      assertTrue(tail.poll(100).isEmpty(), "no log yet");
      // Enough rotated files kept for the tail's lag of a few files.
      try (AuditLog log = log(file, 500)) {
        for (int i = 1; i <= 300; i++) {
          log.append(event(i));
          // Read between the writes now and then, as a forwarder does, often across a rotation.
          if (i % 7 == 0) {
            tail.poll(3).forEach(l -> seen.add(l.seq()));
          }
        }
      }
      seen.addAll(seqs(readToTheEnd(tail)));
      assertEquals(0, tail.lost());
      assertEquals(0, tail.unreadable());
    }
    assertTrue(AuditLogReader.files(file).size() > 30, "the log rotated many times");
    List<Long> expected = new ArrayList<>();
    for (long s = 1; s <= 300; s++) {
      expected.add(s);
    }
    assertEquals(expected, seen);
  }

  @Test
  void startsAfterAGivenRecordInTheRotatedFileThatHoldsIt(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("audit.jsonl");
    try (AuditLog log = log(file, 50)) {
      for (int i = 1; i <= 100; i++) {
        log.append(event(i));
      }
    }
    try (AuditTail tail = new AuditTail(file, 42)) {
      List<AuditTail.Line> lines = readToTheEnd(tail);
      assertEquals(43L, lines.get(0).seq());
      assertEquals(100L, lines.get(lines.size() - 1).seq());
      assertEquals(58, lines.size());
      // The lines are the file's bytes, each ending with its newline.
      String first = new String(lines.get(0).bytes(), StandardCharsets.UTF_8);
      assertTrue(first.startsWith("{\"seq\":43,") && first.endsWith("\n"), first);
    }
  }

  @Test
  void recordsRotatedAwayBeforeTheyWereReadAreCountedAsLost(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("audit.jsonl");
    try (AuditLog log = log(file, 2)) {
      for (int i = 1; i <= 100; i++) {
        log.append(event(i));
      }
    }
    try (AuditTail tail = new AuditTail(file, 0)) {
      List<AuditTail.Line> lines = readToTheEnd(tail);
      long first = lines.get(0).seq();
      assertTrue(first > 1, "the oldest files were deleted by the rotation");
      assertEquals(first - 1, tail.lost());
      assertEquals(100L, lines.get(lines.size() - 1).seq());
      assertEquals(100 - first + 1, lines.size());
    }
  }

  @Test
  void aLineCutShortByACrashIsSkippedAndTheChainGoesOn(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("audit.jsonl");
    try (AuditLog log = AuditLog.open(file)) {
      log.append(event(1));
    }
    // A crash in the middle of a line; the next writer ends it with a newline and goes on.
    Files.writeString(file, "{\"seq\":2,\"instance\":\"ab", StandardOpenOption.APPEND);
    try (AuditLog log = AuditLog.open(file)) {
      log.append(event(3));
    }
    try (AuditTail tail = new AuditTail(file, 0)) {
      List<Long> seqs = seqs(tail.poll(100));
      assertEquals(1, tail.unreadable());
      assertEquals(1L, seqs.get(0));
      assertTrue(seqs.size() >= 2, seqs.toString());
      for (int i = 1; i < seqs.size(); i++) {
        assertEquals(seqs.get(i - 1) + 1, seqs.get(i), seqs.toString());
      }
      assertEquals(0, tail.lost());
    }
  }
}
