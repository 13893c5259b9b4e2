package org.safeloop.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.safeloop.plc.audit.AuditLogReader;

/**
 * Follows an audit log as it is written, line by line in chain order, from a given {@code seq} on:
 * {@code tail -F} by sequence number. It reads the active file, and when the writer rotates it
 * ({@code audit.jsonl} becomes {@code audit.jsonl.1}, see {@link org.safeloop.plc.audit.AuditLog})
 * it finishes the renamed file and goes on in the new one. A start in the middle of the log looks
 * for the file that holds the wanted record among the rotated ones. Records that rotated out of the
 * kept files before they were read are counted ({@link #lost}), and lines that are not a complete
 * JSON record with a {@code seq} (a crash's cut-short tail) are skipped and counted ({@link
 * #unreadable}). It only reads; the writer never waits for it. Not thread-safe.
 */
final class AuditTail implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] SEQ_PREFIX = "{\"seq\":".getBytes(StandardCharsets.US_ASCII);

  /** One complete line of the log. */
  record Line(long seq, byte[] bytes) {}

  private final Path active;
  private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private FileChannel channel;
  private Object channelKey;
  // The rotated file read to its end (its identity and first seq, as an inode can be reused once
  // the writer deletes the file): only files newer than it can hold what comes next.
  private Object exhausted;
  private long exhaustedFirst;
  private long channelFirst;
  private long nextSeq;
  private long lost;
  private long unreadable;

  /**
   * Follows the log whose active file is {@code active}, starting after the record {@code afterSeq}
   * (0: from the first record). The log need not exist yet.
   */
  AuditTail(Path active, long afterSeq) {
    this.active = Objects.requireNonNull(active, "active");
    if (afterSeq < 0) {
      throw new IllegalArgumentException("afterSeq must be 0 or more, got " + afterSeq);
    }
    this.nextSeq = afterSeq + 1;
  }

  /** Returns the sequence number of the next record this tail will hand out. */
  long nextSeq() {
    return nextSeq;
  }

  /** Returns how many records rotated out of the kept files before they could be read. */
  long lost() {
    return lost;
  }

  /** Returns how many lines were skipped as not a complete record. */
  long unreadable() {
    return unreadable;
  }

  /**
   * Returns the complete lines after the last one returned, oldest first: at least {@code max} when
   * that many are written (reading stops at the first buffer that reaches it); an empty list when
   * nothing new is written yet (or there is no log yet).
   *
   * @throws IOException when a file of the log cannot be read
   */
  List<Line> poll(int max) throws IOException {
    List<Line> out = new ArrayList<>();
    if (channel == null && !openFileHolding(nextSeq)) {
      return out;
    }
    while (out.size() < max) {
      int read = readInto(out);
      if (read > 0 || out.size() >= max) {
        continue;
      }
      // At the end of the file: either the writer has not written more yet, or it rotated.
      if (isActive(channelKey)) {
        break;
      }
      // Rotated: the writer closed this file before renaming it, so read its last bytes (written
      // between our read and the rename), then look for the file holding the next record.
      while (readInto(out) > 0) {
        // drain
      }
      exhausted = channelKey;
      exhaustedFirst = channelFirst;
      closeChannel();
      if (!openFileHolding(nextSeq)) {
        break;
      }
    }
    return out;
  }

  /**
   * Reads one buffer's worth of the file into complete lines; returns the bytes read, 0 at the end.
   */
  private int readInto(List<Line> out) throws IOException {
    buffer.clear();
    int n = channel.read(buffer);
    if (n <= 0) {
      return 0;
    }
    byte[] bytes = buffer.array();
    int start = 0;
    for (int i = 0; i < n; i++) {
      if (bytes[i] == '\n') {
        partial.write(bytes, start, i + 1 - start);
        start = i + 1;
        accept(partial.toByteArray(), out);
        partial.reset();
      }
    }
    partial.write(bytes, start, n - start);
    return n;
  }

  private void accept(byte[] line, List<Line> out) {
    long seq = seqOf(line);
    if (seq < 0) {
      unreadable++;
      return;
    }
    if (seq < nextSeq) {
      return; // already handed out (a start in the middle of a file)
    }
    if (seq > nextSeq) {
      lost += seq - nextSeq;
    }
    out.add(new Line(seq, line));
    nextSeq = seq + 1;
  }

  /** Returns the line's {@code seq}, or -1 when it is not a complete JSON record with one. */
  static long seqOf(byte[] line) {
    if (line.length < SEQ_PREFIX.length + 2) {
      return -1;
    }
    for (int i = 0; i < SEQ_PREFIX.length; i++) {
      if (line[i] != SEQ_PREFIX[i]) {
        return -1;
      }
    }
    try {
      JsonNode node = JSON.readTree(line);
      JsonNode seq = node == null ? null : node.get("seq");
      return seq != null && seq.canConvertToLong() && seq.asLong() > 0 ? seq.asLong() : -1;
    } catch (IOException e) {
      return -1; // JsonProcessingException included: not a complete record
    }
  }

  /**
   * Opens the newest file of the log whose first record is at most {@code seq} (the oldest kept
   * file when all start later: the records before it are lost). Returns false when there is no log,
   * or it holds nothing at or after {@code seq} yet.
   */
  private boolean openFileHolding(long seq) throws IOException {
    List<Path> files;
    try {
      files = AuditLogReader.files(active);
    } catch (IllegalArgumentException noLogYet) {
      return false;
    }
    Path chosen = null;
    long chosenFirst = -1;
    for (int i = files.size() - 1; i >= 0; i--) {
      long first = firstSeq(files.get(i));
      if (exhausted != null
          && first == exhaustedFirst
          && exhausted.equals(keyOrNull(files.get(i)))) {
        break; // the writer has not started its new file yet
      }
      if (first < 0) {
        continue; // empty, or no complete first line yet
      }
      chosen = files.get(i);
      chosenFirst = first;
      if (first <= seq) {
        break;
      }
    }
    if (chosen == null) {
      return false;
    }
    FileChannel opened;
    try {
      opened = FileChannel.open(chosen, StandardOpenOption.READ);
    } catch (NoSuchFileException rotatedMeanwhile) {
      return false; // the next poll looks again
    }
    channel = opened;
    channelKey = keyOf(chosen);
    channelFirst = chosenFirst;
    partial.reset();
    return true;
  }

  private static long firstSeq(Path file) throws IOException {
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(4096);
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      while (c.read(b) > 0) {
        b.flip();
        while (b.hasRemaining()) {
          byte x = b.get();
          line.write(x);
          if (x == '\n') {
            long seq = seqOf(line.toByteArray());
            if (seq > 0) {
              return seq;
            }
            line.reset(); // a cut-short line: the next one starts the chain here
          }
        }
        b.clear();
      }
      return -1;
    } catch (NoSuchFileException rotatedMeanwhile) {
      return -1;
    }
  }

  private boolean isActive(Object key) throws IOException {
    Object now = Files.exists(active) ? keyOf(active) : null;
    return now != null && now.equals(key);
  }

  private static Object keyOf(Path file) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    // The inode where the file system has one, so a renamed file keeps its identity.
    return a.fileKey() != null ? a.fileKey() : file.toAbsolutePath().toString();
  }

  private static Object keyOrNull(Path file) throws IOException {
    try {
      return keyOf(file);
    } catch (NoSuchFileException rotatedMeanwhile) {
      return null;
    }
  }

  private void closeChannel() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
      channelKey = null;
    }
  }

  @Override
  public void close() throws IOException {
    closeChannel();
  }
}
