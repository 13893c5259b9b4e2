package org.safeloop.plc.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safeloop.plc.audit.AuditSamples.START;
import static org.safeloop.plc.audit.AuditSamples.cycle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.Quality;

/** Writing the audit log: exact round trips, rotation, crashes, reopening and closing. */
class AuditLogTest {
  @TempDir Path dir;

  private Path log() {
    return dir.resolve("logs/audit.jsonl");
  }

  private static List<AuditRecord> mixedRecords() {
    Map<String, CycleRecord.Input> inputs = new LinkedHashMap<>();
    inputs.put("T", new CycleRecord.Input(Double.NaN, Quality.BAD, null));
    inputs.put("Ca", new CycleRecord.Input(Double.POSITIVE_INFINITY, Quality.UNCERTAIN, START));
    inputs.put("F", new CycleRecord.Input(Double.NEGATIVE_INFINITY, Quality.BAD, START));
    inputs.put("zero", new CycleRecord.Input(-0.0, Quality.GOOD, START.plusNanos(123_456_789)));
    inputs.put("tiny", new CycleRecord.Input(Double.MIN_VALUE, Quality.GOOD, START));
    inputs.put("tenth", new CycleRecord.Input(0.1, Quality.GOOD, START));
    inputs.put("Température \"réacteur\"\n", new CycleRecord.Input(1e300, Quality.GOOD, START));
    Map<String, Double> proposed = new LinkedHashMap<>();
    proposed.put("Tc", Double.NaN);
    proposed.put("F", -1.0 / 3.0);
    Map<String, Double> writes = new LinkedHashMap<>();
    writes.put("Tc_sp", Double.NaN);
    writes.put("heartbeat", 42.0);
    CycleRecord fallback =
        new CycleRecord(
            START.plusMillis(100),
            Long.MAX_VALUE,
            "shadow",
            inputs,
            proposed,
            new CycleRecord.ShieldOutcome(
                Map.of("Tc", 298.0),
                "FALLBACK",
                "INPUT_VALIDITY T: bad quality; FALLBACK Tc: hold last safe setpoint",
                List.of("INPUT_VALIDITY", "FALLBACK"),
                true),
            writes,
            12_345);
    Map<String, String> details = new LinkedHashMap<>();
    details.put("from", "closed-loop");
    details.put("to", "advisory");
    details.put("note", "line\nbreak, \"quotes\" and ünïcödé");
    return List.of(
        new EventRecord(START, EventKind.STARTED, "shadow mode, bundle cstr-ppo.bundle"),
        cycle(1),
        fallback,
        new EventRecord(START.plusSeconds(2), EventKind.DEMOTION, "T bad for 3 cycles", details),
        cycle(2));
  }

  @Test
  void recordsReadBackEqualToWhatWasWrittenIncludingNaNAndInfinities() {
    List<AuditRecord> written = mixedRecords();
    try (AuditLog audit = AuditLog.open(log())) {
      written.forEach(audit::append);
    }

    AuditLogReader.ReadResult[] result = new AuditLogReader.ReadResult[1];
    List<AuditRecord> read = new ArrayList<>();
    result[0] = AuditLogReader.read(log(), read::add);

    assertEquals(written, read);
    assertEquals(5, result[0].records());
    assertTrue(result[0].truncatedLines().isEmpty());
    CycleRecord fallback = (CycleRecord) read.get(2);
    assertTrue(Double.isNaN(fallback.inputs().get("T").value()));
    assertEquals(
        Double.doubleToRawLongBits(-0.0),
        Double.doubleToRawLongBits(fallback.inputs().get("zero").value()));
    assertEquals(
        List.copyOf(((CycleRecord) written.get(2)).inputs().keySet()),
        List.copyOf(fallback.inputs().keySet()));
  }

  @Test
  void everyRecordIsOneLineWithItsTypeAndNonFiniteValuesAsNamedStrings() throws IOException {
    try (AuditLog audit = AuditLog.open(log())) {
      mixedRecords().forEach(audit::append);
    }

    List<String> lines = Files.readAllLines(log());

    assertEquals(5, lines.size());
    assertTrue(
        lines
            .get(0)
            .matches(
                "\\{\"seq\":1,\"instance\":\"[-0-9a-f]{36}\",\"prev\":\"0{64}\",\"type\":\"event\",.*"),
        lines.get(0));
    assertTrue(lines.get(1).matches("\\{\"seq\":2,.*\"type\":\"cycle\",.*"), lines.get(1));
    String fallback = lines.get(2);
    assertTrue(fallback.contains("\"T\":{\"value\":\"NaN\",\"quality\":\"BAD\"}"), fallback);
    assertTrue(fallback.contains("\"value\":\"Infinity\""), fallback);
    assertTrue(fallback.contains("\"value\":\"-Infinity\""), fallback);
    assertTrue(fallback.contains("\"writes\":{\"Tc_sp\":\"NaN\",\"heartbeat\":42.0}"), fallback);
    assertTrue(fallback.contains("\"layers\":[\"INPUT_VALIDITY\",\"FALLBACK\"]"), fallback);
  }

  @Test
  void rotationKeepsEveryRecordOnceAndInOrderWithoutSplittingALine() throws IOException {
    AuditLog.Options options =
        AuditLog.Options.builder(log()).maxFileBytes(4096).keepRotatedFiles(1000).build();
    try (AuditLog audit = AuditLog.open(options)) {
      for (int n = 0; n < 300; n++) {
        audit.append(cycle(n));
      }
    }

    List<Path> files = AuditLogReader.files(log());
    assertTrue(files.size() > 10, "expected many files, got " + files);
    assertEquals(log(), files.get(files.size() - 1));
    assertEquals(AuditLog.rotated(log(), files.size() - 1), files.get(0));
    for (Path file : files) {
      byte[] bytes = Files.readAllBytes(file);
      assertTrue(bytes.length <= 4096, file + " has " + bytes.length + " bytes");
      assertEquals('\n', bytes[bytes.length - 1], file + " ends inside a record");
      for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
        assertTrue(
            line.startsWith("{\"seq\":")
                && line.contains("\"type\":\"cycle\"")
                && line.endsWith("}}"),
            line);
      }
    }
    AuditLogReader.ReadResult result = AuditLogReader.read(log(), r -> {});
    assertEquals(300, result.records());
    List<AuditRecord> read = AuditLogReader.readAll(log());
    for (int n = 0; n < 300; n++) {
      assertEquals(cycle(n), read.get(n));
    }
  }

  @Test
  void rotationDeletesFilesBeyondTheKeepCountAndKeepsTheNewestRecords() {
    AuditLog.Options options =
        AuditLog.Options.builder(log()).maxFileBytes(4096).keepRotatedFiles(2).build();
    try (AuditLog audit = AuditLog.open(options)) {
      for (int n = 0; n < 300; n++) {
        audit.append(cycle(n));
      }
    }

    assertEquals(
        List.of(AuditLog.rotated(log(), 2), AuditLog.rotated(log(), 1), log()),
        AuditLogReader.files(log()));
    assertFalse(Files.exists(AuditLog.rotated(log(), 3)));
    List<AuditRecord> read = AuditLogReader.readAll(log());
    long first = ((CycleRecord) read.get(0)).cycle();
    for (int i = 0; i < read.size(); i++) {
      assertEquals(cycle(first + i), read.get(i));
    }
    assertEquals(299, ((CycleRecord) read.get(read.size() - 1)).cycle());
  }

  @Test
  void aRecordLargerThanTheSizeLimitGetsAFileOfItsOwn() throws IOException {
    String longReason = "x".repeat(5000);
    try (AuditLog audit =
        AuditLog.open(AuditLog.Options.builder(log()).maxFileBytes(1024).build())) {
      audit.append(cycle(0));
      audit.append(new EventRecord(START, EventKind.ERROR, longReason));
      audit.append(cycle(1));
    }

    assertEquals(3, AuditLogReader.files(log()).size());
    assertEquals(1, Files.readAllLines(AuditLog.rotated(log(), 1)).size());
    assertEquals(longReason, ((EventRecord) AuditLogReader.readAll(log()).get(1)).reason());
  }

  @Test
  void aCrashInTheMiddleOfARecordLosesOnlyThatRecordAndTheReaderReportsIt() throws IOException {
    try (AuditLog audit = AuditLog.open(log())) {
      for (int n = 0; n < 10; n++) {
        audit.append(cycle(n));
      }
    }
    byte[] eleventh = line(cycle(10));
    Files.write(log(), Arrays.copyOf(eleventh, eleventh.length / 2), StandardOpenOption.APPEND);

    List<AuditRecord> read = new ArrayList<>();
    AuditLogReader.ReadResult result = AuditLogReader.read(log(), read::add);

    assertEquals(10, read.size());
    assertEquals(cycle(9), read.get(9));
    assertEquals(
        List.of(new AuditLogReader.TruncatedLine(log(), 11, eleventh.length / 2)),
        result.truncatedLines());
  }

  @Test
  void aWriteCutInsideAMultiByteCharacterIsStillReportedAsTruncated() throws IOException {
    try (AuditLog audit = AuditLog.open(log())) {
      audit.append(cycle(0));
    }
    byte[] line = line(new EventRecord(START, EventKind.STOPPED, "arrêt demandé par l'opérateur"));
    int cut = 0;
    while (line[cut] != (byte) 0xC3) { // the first byte of "ê" in UTF-8
      cut++;
    }
    cut++;
    Files.write(log(), Arrays.copyOf(line, cut), StandardOpenOption.APPEND);

    AuditLogReader.ReadResult result = AuditLogReader.read(log(), r -> {});

    assertEquals(1, result.records());
    assertEquals(1, result.truncatedLines().size());
  }

  @Test
  void reopeningAnExistingLogAppendsToIt() {
    try (AuditLog audit = AuditLog.open(log())) {
      for (int n = 0; n < 5; n++) {
        audit.append(cycle(n));
      }
    }
    try (AuditLog audit = AuditLog.open(log())) {
      for (int n = 5; n < 10; n++) {
        audit.append(cycle(n));
      }
    }

    List<AuditRecord> read = AuditLogReader.readAll(log());
    assertEquals(10, read.size());
    for (int n = 0; n < 10; n++) {
      assertEquals(cycle(n), read.get(n));
    }
  }

  @Test
  void reopeningAfterACrashClosesTheHalfLineSoTheNextRecordIsIntact() throws IOException {
    try (AuditLog audit = AuditLog.open(log())) {
      for (int n = 0; n < 5; n++) {
        audit.append(cycle(n));
      }
    }
    byte[] lost = line(cycle(99));
    Files.write(log(), Arrays.copyOf(lost, lost.length - 10), StandardOpenOption.APPEND);
    try (AuditLog audit = AuditLog.open(log())) {
      for (int n = 5; n < 10; n++) {
        audit.append(cycle(n));
      }
    }

    List<AuditRecord> read = new ArrayList<>();
    AuditLogReader.ReadResult result = AuditLogReader.read(log(), read::add);

    assertEquals(10, read.size());
    for (int n = 0; n < 10; n++) {
      assertEquals(cycle(n), read.get(n));
    }
    assertEquals(1, result.truncatedLines().size());
    assertEquals(6, result.truncatedLines().get(0).lineNumber());
    assertEquals(11, Files.readAllLines(log()).size());
  }

  @Test
  void aCompleteLastRecordWithoutItsNewlineIsKeptAndReopeningEndsIt() throws IOException {
    try (AuditLog audit = AuditLog.open(log())) {
      audit.append(cycle(0));
    }
    byte[] second = line(cycle(1));
    Files.write(log(), Arrays.copyOf(second, second.length - 1), StandardOpenOption.APPEND);
    assertEquals(List.of(cycle(0), cycle(1)), AuditLogReader.readAll(log()));

    try (AuditLog audit = AuditLog.open(log())) {
      audit.append(cycle(2));
    }

    assertEquals(List.of(cycle(0), cycle(1), cycle(2)), AuditLogReader.readAll(log()));
  }

  @Test
  void closingWhileAnotherThreadWritesLeavesOnlyWholeRecords() throws Exception {
    for (int round = 0; round < 5; round++) {
      Path file = dir.resolve("round" + round + "/audit.jsonl");
      AuditLog audit =
          AuditLog.open(
              AuditLog.Options.builder(file).maxFileBytes(8192).keepRotatedFiles(1000).build());
      AtomicLong written = new AtomicLong();
      AtomicReference<Throwable> unexpected = new AtomicReference<>();
      CountDownLatch running = new CountDownLatch(200);
      Thread writer =
          new Thread(
              () -> {
                try {
                  for (long n = 0; ; n++) {
                    audit.append(cycle(n));
                    written.incrementAndGet();
                    running.countDown();
                  }
                } catch (IllegalStateException closed) {
                  // The log was closed: the writer stops, as the runtime would.
                } catch (Throwable t) {
                  unexpected.set(t);
                }
              },
              "audit-writer");
      writer.start();
      assertTrue(running.await(30, TimeUnit.SECONDS), "writer did not start");

      audit.close();
      writer.join(TimeUnit.SECONDS.toMillis(30));

      assertFalse(writer.isAlive(), "writer still running after close");
      assertEquals(null, unexpected.get());
      AuditLogReader.ReadResult result = AuditLogReader.read(file, r -> {});
      assertEquals(written.get(), result.records());
      assertTrue(result.truncatedLines().isEmpty(), result::toString);
      List<AuditRecord> read = AuditLogReader.readAll(file);
      for (int n = 0; n < read.size(); n++) {
        assertEquals(cycle(n), read.get(n));
      }
    }
  }

  @Test
  void appendingAfterCloseIsRefusedAndClosingTwiceIsHarmless() {
    AuditLog audit = AuditLog.open(log());
    audit.append(cycle(0));
    audit.close();
    audit.close();

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> audit.append(cycle(1)));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertEquals(List.of(cycle(0)), AuditLogReader.readAll(log()));
  }

  @Test
  void anInterruptedControlThreadCanStillWriteAndTheLogStaysOpen() throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (AuditLog audit =
        AuditLog.open(AuditLog.Options.builder(log()).syncEveryRecord(true).build())) {
      Thread control =
          new Thread(
              () -> {
                Thread.currentThread().interrupt();
                try {
                  audit.append(cycle(0));
                  audit.append(cycle(1));
                } catch (Throwable t) {
                  failure.set(t);
                }
              });
      control.start();
      control.join(TimeUnit.SECONDS.toMillis(30));
      audit.append(cycle(2));
    }

    assertEquals(null, failure.get());
    assertEquals(List.of(cycle(0), cycle(1), cycle(2)), AuditLogReader.readAll(log()));
  }

  @Test
  void aDamagedLineInsideTheLogIsAnErrorNamingFileAndLine() throws IOException {
    try (AuditLog audit = AuditLog.open(log())) {
      audit.append(cycle(0));
      audit.append(cycle(1));
    }
    List<String> lines = new ArrayList<>(Files.readAllLines(log()));
    lines.add(1, "{\"type\":\"cycle\",\"ts\":\"yesterday\"}");
    Files.write(log(), lines);

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AuditLogReader.readAll(log()));

    assertTrue(e.getMessage().contains(log() + ", line 2"), e.getMessage());
    assertTrue(e.getMessage().contains("'ts'"), e.getMessage());
  }

  @Test
  void twoRecordsRunTogetherOnOneLineAreAnError() throws IOException {
    byte[] a = line(cycle(0));
    byte[] b = line(cycle(1));
    Files.createDirectories(log().getParent());
    Files.write(log(), Arrays.copyOf(a, a.length - 1));
    Files.write(log(), b, StandardOpenOption.APPEND);
    Files.write(log(), b, StandardOpenOption.APPEND);

    assertThrows(IllegalArgumentException.class, () -> AuditLogReader.readAll(log()));
  }

  @Test
  void readingWhereThereIsNoLogSaysSo() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AuditLogReader.readAll(log()));
    assertTrue(e.getMessage().contains("no audit log"), e.getMessage());
  }

  @Test
  void aGapInTheRotatedNumbersFromACrashDuringRotationIsTolerated() throws IOException {
    Files.createDirectories(log().getParent());
    Files.write(AuditLog.rotated(log(), 3), line(cycle(0)));
    Files.write(AuditLog.rotated(log(), 1), line(cycle(1)));
    Files.write(log(), line(cycle(2)));
    Files.write(dir.resolve("logs/audit.jsonl.bak"), new byte[] {'x'});

    assertEquals(List.of(cycle(0), cycle(1), cycle(2)), AuditLogReader.readAll(log()));
  }

  @Test
  void blankLinesCarryNoRecordAndArePassedOver() throws IOException {
    Files.createDirectories(log().getParent());
    Files.write(log(), line(cycle(0)));
    Files.write(log(), "\n  \n".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    Files.write(log(), line(cycle(1)), StandardOpenOption.APPEND);

    AuditLogReader.ReadResult result = AuditLogReader.read(log(), r -> {});

    assertEquals(2, result.records());
    assertTrue(result.truncatedLines().isEmpty());
  }

  @Test
  void optionsOutOfRangeAreRefusedNamingTheField() {
    IllegalArgumentException size =
        assertThrows(
            IllegalArgumentException.class,
            () -> AuditLog.Options.builder(log()).maxFileBytes(10).build());
    IllegalArgumentException keep =
        assertThrows(
            IllegalArgumentException.class,
            () -> AuditLog.Options.builder(log()).keepRotatedFiles(0).build());

    assertTrue(size.getMessage().contains("maxFileBytes"), size.getMessage());
    assertTrue(keep.getMessage().contains("keepRotatedFiles"), keep.getMessage());
  }

  @Test
  void aFailedWriteMustHaveAReasonAndASuccessfulOneNone() {
    assertThrows(
        IllegalArgumentException.class, () -> new WriteRecord(START, 1, false, null, false, 10));
    assertThrows(
        IllegalArgumentException.class, () -> new WriteRecord(START, 1, true, "x", false, 10));
    assertThrows(
        IllegalArgumentException.class, () -> new WriteRecord(START, 1, true, null, true, 10));
  }

  /** Encodes records as consecutive lines of one chain, as a writer would. */
  private final ChainedLines lines = new ChainedLines();

  private byte[] line(AuditRecord record) {
    return lines.next(record);
  }
}
