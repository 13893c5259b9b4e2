package org.safeloop.plc.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.plc.approval.ApprovalKeys;

/** The audit log's hash chain, instance ids, lock and signed chain head. */
class AuditChainTest {
  static final Instant START = Instant.parse("2025-06-02T08:00:00Z");

  @TempDir Path dir;

  Path log() {
    return dir.resolve("audit.jsonl");
  }

  static EventRecord event(int n) {
    return new EventRecord(START.plusSeconds(n), EventKind.ERROR, "record " + n);
  }

  void write(int from, int to) {
    try (AuditLog audit = AuditLog.open(log())) {
      for (int n = from; n < to; n++) {
        audit.append(event(n));
      }
    }
  }

  List<String> lines() throws IOException {
    return new ArrayList<>(Files.readAllLines(log()));
  }

  void rewrite(List<String> lines) throws IOException {
    Files.writeString(log(), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
  }

  @Test
  void aLogWrittenAcrossRestartsAndRotationsIsOneIntactChainWithAnInstancePerRun() {
    write(0, 5);
    try (AuditLog audit =
        AuditLog.open(AuditLog.Options.builder(log()).maxFileBytes(1024).build())) {
      for (int n = 5; n < 40; n++) {
        audit.append(event(n));
      }
    }

    AuditLogReader.ReadResult result = AuditLogReader.read(log(), r -> {});

    assertEquals(40, result.records());
    assertTrue(result.files().size() > 1, "rotated");
    assertTrue(result.chainIntact(), result.chainBreaks().toString());
    assertEquals(2, result.instances().size());
  }

  @Test
  void anEditedLineBreaksTheChainAtTheLineAfterIt() throws IOException {
    write(0, 10);
    List<String> lines = lines();
    lines.set(4, lines.get(4).replace("record 4", "record 4, all fine"));
    rewrite(lines);

    AuditLogReader.ReadResult result = AuditLogReader.read(log(), r -> {});

    assertEquals(1, result.chainBreaks().size(), result.chainBreaks().toString());
    assertEquals(6, result.chainBreaks().get(0).lineNumber());
    assertTrue(result.chainBreaks().get(0).problem().contains("edited"));
  }

  @Test
  void removedLinesAreReportedAsMissingRecords() throws IOException {
    write(0, 10);
    List<String> lines = lines();
    lines.subList(3, 6).clear();
    rewrite(lines);

    AuditLogReader.ReadResult result = AuditLogReader.read(log(), r -> {});

    assertEquals(1, result.chainBreaks().size(), result.chainBreaks().toString());
    assertEquals("records 4 to 6 are missing", result.chainBreaks().get(0).problem());
  }

  @Test
  void aSecondWriterOnTheSameLogIsRefusedWhileTheFirstHoldsIt() {
    try (AuditLog first = AuditLog.open(log())) {
      first.append(event(0));
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> AuditLog.open(log()));
      assertTrue(e.getMessage().contains("in use by another bridge"), e.getMessage());
      assertTrue(e.getMessage().contains(first.instance()), e.getMessage());
    }
    try (AuditLog after = AuditLog.open(log())) {
      after.append(event(1));
    }
    assertTrue(AuditLogReader.read(log(), r -> {}).chainIntact());
  }

  @Test
  void theSignedChainHeadVerifiesWithTheDeploymentKeyAndNoOther() throws IOException {
    KeyPair deployment = ApprovalKeys.generate();
    try (AuditLog audit =
        AuditLog.open(AuditLog.Options.builder(log()).signingKeys(deployment).build())) {
      for (int n = 0; n < 5; n++) {
        audit.append(event(n));
      }
    }

    AuditLogReader.ReadResult result = AuditLogReader.read(log(), r -> {});
    assertEquals(1, result.signedHeads().size());
    AuditLogReader.SignedHead head = result.signedHeads().get(0);
    assertEquals(5, head.seq());
    assertTrue(AuditLogReader.signatureValid(head, deployment.getPublic()));
    assertFalse(AuditLogReader.signatureValid(head, ApprovalKeys.generate().getPublic()));

    // Rewriting a record and re-chaining everything after it still leaves the signature over
    // the old head: it no longer sits where it claims.
    List<String> lines = lines();
    ChainedLines forged = new ChainedLines();
    List<String> rewritten = new ArrayList<>();
    for (int n = 0; n < 5; n++) {
      EventRecord r =
          n == 2 ? new EventRecord(START.plusSeconds(n), EventKind.ERROR, "forged") : event(n);
      rewritten.add(new String(forged.next(r), StandardCharsets.UTF_8).strip());
    }
    rewritten.add(lines.get(5));
    rewrite(rewritten);
    AuditLogReader.SignedHead after = AuditLogReader.read(log(), r -> {}).signedHeads().get(0);
    assertFalse(AuditLogReader.signatureValid(after, deployment.getPublic()));
  }

  @Test
  void aDeviceOrDirectoryGivenAsTheAuditLogIsRefusedAtOnce() {
    IllegalArgumentException device =
        assertThrows(IllegalArgumentException.class, () -> AuditLog.open(Path.of("/dev/full")));
    IllegalArgumentException directory =
        assertThrows(IllegalArgumentException.class, () -> AuditLog.open(dir));

    assertTrue(device.getMessage().contains("not a regular file"), device.getMessage());
    assertTrue(directory.getMessage().contains("not a regular file"), directory.getMessage());
  }
}
