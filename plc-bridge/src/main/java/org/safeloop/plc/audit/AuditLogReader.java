package org.safeloop.plc.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Reads an audit log back, record by record, oldest first across its rotated files ({@code
 * audit.jsonl.N} .. {@code audit.jsonl.1}, then {@code audit.jsonl}), without holding it in memory.
 *
 * <p>A line cut short by a crash is skipped and reported in {@link ReadResult#truncatedLines()}:
 * the last line of a file that is not a complete record, and any line that ends in the middle of
 * its JSON (a crashed write that the writer closed with a newline when it reopened the log). Any
 * other bad line is damage the reader will not guess about: it stops with an error naming the file
 * and line. Blank lines carry no record and are passed over.
 *
 * <p>Thread-safe: stateless.
 */
public final class AuditLogReader {

  private AuditLogReader() {}

  /**
   * What a read found besides the records.
   *
   * @param files the files read, oldest first
   * @param records how many records were read
   * @param truncatedLines the lines skipped as cut short by a crash
   */
  public record ReadResult(List<Path> files, long records, List<TruncatedLine> truncatedLines) {
    /** Copies the lists. */
    public ReadResult {
      files = List.copyOf(files);
      truncatedLines = List.copyOf(truncatedLines);
    }
  }

  /**
   * One line skipped because it was cut short.
   *
   * @param file the file holding it
   * @param lineNumber its line number in the file, from 1
   * @param length its length in characters
   */
  public record TruncatedLine(Path file, long lineNumber, int length) {}

  /**
   * Returns the files of the log whose active file is {@code activeFile}, oldest first: the rotated
   * files by decreasing number, then the active file if it exists.
   *
   * @throws IllegalArgumentException when there is no such log
   */
  public static List<Path> files(Path activeFile) {
    Path name = Objects.requireNonNull(activeFile, "activeFile").getFileName();
    Path dir = activeFile.toAbsolutePath().getParent();
    String prefix = name + ".";
    TreeMap<Integer, Path> rotated = new TreeMap<>(Comparator.reverseOrder());
    if (Files.isDirectory(dir)) {
      try (Stream<Path> entries = Files.list(dir)) {
        entries.forEach(
            p -> {
              String n = p.getFileName().toString();
              if (n.startsWith(prefix) && n.length() > prefix.length()) {
                String suffix = n.substring(prefix.length());
                if (suffix.chars().allMatch(Character::isDigit) && suffix.length() < 10) {
                  rotated.put(Integer.parseInt(suffix), activeFile.resolveSibling(n));
                }
              }
            });
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + dir, e);
      }
    }
    List<Path> files = new ArrayList<>(rotated.values());
    if (Files.exists(activeFile)) {
      files.add(activeFile);
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no audit log at " + activeFile);
    }
    return files;
  }

  /**
   * Reads every record of the log, oldest first, handing each to {@code consumer}.
   *
   * @param activeFile the log's active file, e.g. {@code logs/audit.jsonl}
   * @param consumer receives the records in order
   * @return the files read, the record count and the lines skipped as cut short
   * @throws IllegalArgumentException when there is no log, or a line other than a crash's tail is
   *     malformed (the message names file, line and field)
   * @throws UncheckedIOException when a file cannot be read
   */
  public static ReadResult read(Path activeFile, Consumer<? super AuditRecord> consumer) {
    List<Path> files = files(activeFile);
    List<TruncatedLine> truncated = new ArrayList<>();
    long records = 0;
    for (Path file : files) {
      records += readFile(file, consumer, truncated);
    }
    return new ReadResult(files, records, truncated);
  }

  /** Reads the whole log into a list; for tests and small logs. See {@link #read}. */
  public static List<AuditRecord> readAll(Path activeFile) {
    List<AuditRecord> records = new ArrayList<>();
    read(activeFile, records::add);
    return records;
  }

  private static long readFile(
      Path file, Consumer<? super AuditRecord> consumer, List<TruncatedLine> truncated) {
    long records = 0;
    // InputStreamReader replaces bytes that are not UTF-8 (a write cut inside a character)
    // instead of failing, so such a line is judged as JSON like any other.
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
      long lineNumber = 0;
      String line = in.readLine();
      while (line != null) {
        lineNumber++;
        String next = in.readLine();
        if (line.isBlank()) {
          line = next;
          continue;
        }
        try {
          consumer.accept(AuditJson.parse(line));
          records++;
        } catch (AuditJson.MalformedLineException e) {
          if (e.truncated() || next == null) {
            truncated.add(new TruncatedLine(file, lineNumber, line.length()));
          } else {
            throw new IllegalArgumentException(
                "audit log " + file + ", line " + lineNumber + ": " + e.getMessage(), e);
          }
        }
        line = next;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read audit log " + file, e);
    }
    return records;
  }
}
