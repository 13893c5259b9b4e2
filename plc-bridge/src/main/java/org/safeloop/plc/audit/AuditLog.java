package org.safeloop.plc.audit;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployment runtime's append-only audit log: one JSON line per control cycle and per event
 * (format in {@link AuditRecord}'s implementations and read back by {@link AuditLogReader}).
 *
 * <p><b>Durability.</b> Each record is encoded completely in memory and handed to the operating
 * system in one {@code write} call before {@link #append} returns; nothing is buffered in the
 * process. A crash of the Java process therefore loses at most the record being written, which may
 * then be half a line: the reader skips and counts it, and on reopening the log this class ends
 * that half line with a newline so the next record starts on a line of its own. Surviving a crash
 * of the operating system or a power cut needs {@code fsync}: set {@link Options#syncEveryRecord}.
 * It is off by default because it waits for the disk on every cycle (milliseconds on the SD cards
 * and small SSDs of edge devices, and flash wear), which the control loop's time budget should not
 * pay unless the site needs it; without it the OS writes the data within seconds.
 *
 * <p><b>When the file cannot be written</b> (disk full, say), {@link #append} throws, and keeps the
 * record: up to {@link #MAX_HELD_RECORDS} records wait in memory and are written, in order, before
 * the next record once the file takes writes again, so a passing fault leaves no gap. Records past
 * that limit are counted, not kept, and an {@link EventKind#AUDIT_RECORDS_LOST} event saying how
 * many, and when, is written as soon as the log recovers: a loss is never silent. {@link #held()}
 * tells the caller that records are waiting.
 *
 * <p><b>Tamper evidence.</b> Every line starts with {@code seq} (1, 2, ... across restarts and
 * rotations), {@code instance} (a random id of this writer, new at every {@link #open}) and {@code
 * prev}, the SHA-256 of the previous line's bytes (64 zeros for the first line of a log). Editing,
 * inserting, removing or reordering lines breaks the chain, and {@link AuditLogReader} reports
 * where. With a signing key ({@link Options#signingKeys}), {@link #close} appends a {@link
 * EventKind#CHAIN_SIGNED} event with the Ed25519 signature of the chain head, so that rewriting the
 * whole chain needs the deployment's private key.
 *
 * <p><b>Exclusive.</b> The log holds an OS lock on {@code FILE.lock} beside it while open: a second
 * bridge (or a second runtime in this JVM) opening the same log is refused with the holder's
 * process id and instance.
 *
 * <p><b>Rotation.</b> When a record would take the file past {@link Options#maxFileBytes}, the file
 * is renamed {@code audit.jsonl.1} (an existing {@code .1} becomes {@code .2}, and so on; the file
 * past {@link Options#keepRotatedFiles} is deleted) and the record starts a new file. A record is
 * never split across files; one larger than the limit gets a file of its own. The chain continues
 * across files.
 *
 * <p><b>Thread safety.</b> Thread-safe: appends and {@link #close} are serialised, so lines never
 * interleave and a concurrent close waits for the record being written. An append after close
 * throws {@link IllegalStateException}. Writes go through {@link FileOutputStream}, not an
 * interruptible channel, so interrupting the control thread does not close the log.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

  /** Most records kept in memory while the file cannot be written (about 10 MB of cycles). */
  public static final int MAX_HELD_RECORDS = 10_000;

  /** The bytes an audit chain head signature covers start with this (version 1). */
  static final String CHAIN_SIGNATURE_HEADER = "SafeLoop audit chain v1";

  private final Options options;
  private final String instance = UUID.randomUUID().toString();
  private final Object lock = new Object();
  private final FileChannel lockChannel;
  private final FileLock fileLock;
  // Guarded by lock.
  private OutputStream out;
  private long size;
  private boolean tailOpen;
  private boolean closed;
  private long seq;
  private String head = AuditJson.GENESIS;
  private final ArrayDeque<byte[]> held = new ArrayDeque<>();
  private volatile LineTap tap;
  private long lost;
  private Instant firstLost;
  private Instant lastLost;

  /**
   * How the audit log is written. Use {@link #builder(Path)}.
   *
   * @param file the active file, e.g. {@code logs/audit.jsonl}; rotated files sit beside it
   * @param maxFileBytes the size in bytes past which the file is rotated; at least 1024
   * @param keepRotatedFiles how many rotated files to keep ({@code .1} .. {@code .N}); at least 1;
   *     older ones are deleted
   * @param syncEveryRecord whether to {@code fsync} after every record (see {@link AuditLog})
   * @param signingKeys the deployment's Ed25519 key pair to sign the chain head with at close, or
   *     null for none
   * @param opener how the active file is opened ({@link Opener#FILE} by default)
   */
  public record Options(
      Path file,
      long maxFileBytes,
      int keepRotatedFiles,
      boolean syncEveryRecord,
      KeyPair signingKeys,
      Opener opener) {
    /** Default size limit: 64 MiB. */
    public static final long DEFAULT_MAX_FILE_BYTES = 64L * 1024 * 1024;

    /** Default number of rotated files kept: 20. */
    public static final int DEFAULT_KEEP_ROTATED_FILES = 20;

    /** Checks every field, naming the one that is wrong. */
    public Options {
      Objects.requireNonNull(file, "file");
      Objects.requireNonNull(opener, "opener");
      if (file.getFileName() == null) {
        throw new IllegalArgumentException("audit log file must name a file, got " + file);
      }
      if (Files.exists(file) && !Files.isRegularFile(file)) {
        throw new IllegalArgumentException(
            "audit log " + file + " is not a regular file (a directory or a device)");
      }
      if (maxFileBytes < 1024) {
        throw new IllegalArgumentException(
            "maxFileBytes must be at least 1024 bytes, got " + maxFileBytes);
      }
      if (keepRotatedFiles < 1) {
        throw new IllegalArgumentException(
            "keepRotatedFiles must be at least 1, got " + keepRotatedFiles);
      }
    }

    /** Starts options for {@code file} with the defaults: 64 MiB, 20 rotated files, no fsync. */
    public static Builder builder(Path file) {
      return new Builder(file);
    }

    /** Builds {@link Options}; checked in {@link #build()}. Not thread-safe. */
    public static final class Builder {
      private final Path file;
      private long maxFileBytes = DEFAULT_MAX_FILE_BYTES;
      private int keepRotatedFiles = DEFAULT_KEEP_ROTATED_FILES;
      private boolean syncEveryRecord;
      private KeyPair signingKeys;
      private Opener opener = Opener.FILE;

      private Builder(Path file) {
        this.file = file;
      }

      /** Sets the size in bytes past which the file is rotated. */
      public Builder maxFileBytes(long bytes) {
        this.maxFileBytes = bytes;
        return this;
      }

      /** Sets how many rotated files are kept. */
      public Builder keepRotatedFiles(int count) {
        this.keepRotatedFiles = count;
        return this;
      }

      /** Sets whether every record is forced to the disk before {@code append} returns. */
      public Builder syncEveryRecord(boolean sync) {
        this.syncEveryRecord = sync;
        return this;
      }

      /** Sets the Ed25519 key pair the chain head is signed with at close (null: unsigned). */
      public Builder signingKeys(KeyPair keys) {
        this.signingKeys = keys;
        return this;
      }

      /** Sets how the active file is opened (see {@link Opener}). */
      public Builder opener(Opener fileOpener) {
        this.opener = fileOpener;
        return this;
      }

      /**
       * Returns the options.
       *
       * @throws IllegalArgumentException naming the field that is out of range
       */
      public Options build() {
        return new Options(
            file, maxFileBytes, keepRotatedFiles, syncEveryRecord, signingKeys, opener);
      }
    }
  }

  private AuditLog(Options options) throws IOException {
    this.options = options;
    Path parent = options.file().toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path lockFile = lockFile(options.file());
    lockChannel =
        FileChannel.open(
            lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock acquired;
    try {
      acquired = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      acquired = null;
    }
    if (acquired == null) {
      String holder = Files.readString(lockFile).trim();
      lockChannel.close();
      throw new IllegalStateException(
          "audit log "
              + options.file()
              + " is in use by another bridge ("
              + (holder.isEmpty() ? "unknown process" : holder)
              + "); two bridges must not share an audit log, and two bridges on one plant are"
              + " not allowed");
    }
    fileLock = acquired;
    try {
      byte[] owner =
          ("pid " + ProcessHandle.current().pid() + ", instance " + instance + "\n")
              .getBytes(StandardCharsets.UTF_8);
      lockChannel.truncate(0);
      lockChannel.write(ByteBuffer.wrap(owner), 0);
      continueChain();
      openActiveFile();
    } catch (IOException | RuntimeException e) {
      fileLock.release();
      lockChannel.close();
      throw e;
    }
  }

  /**
   * Opens the log for appending, creating the file and its directory if needed, and takes its lock.
   * An existing log is continued, its hash chain too; if it ends in half a line (a crash while
   * writing), that line is closed with a newline before the first new record and a warning is
   * logged.
   *
   * @throws UncheckedIOException when the file cannot be opened
   * @throws IllegalStateException when another bridge holds the log's lock
   */
  public static AuditLog open(Options options) {
    try {
      return new AuditLog(Objects.requireNonNull(options, "options"));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot open audit log " + options.file() + ": " + describe(e), e);
    }
  }

  /** Opens the log at {@code file} with the default options; see {@link #open(Options)}. */
  public static AuditLog open(Path file) {
    return open(Options.builder(file).build());
  }

  /** Returns the active file. */
  public Path file() {
    return options.file();
  }

  /** Returns this writer's instance id, which every record it writes carries. */
  public String instance() {
    return instance;
  }

  /**
   * Sets who also receives every line once it is in the file (the web view), or null for nobody.
   * The tap is called on the appending thread, under the log's lock, in the order of the chain, so
   * it must return at once (e.g. by offering the line to a bounded queue); an exception it throws
   * is logged and ignored: the file is the record of truth.
   */
  public void tap(LineTap lineTap) {
    this.tap = lineTap;
  }

  /** Receives each audit line after it was written; see {@link AuditLog#tap}. */
  @FunctionalInterface
  public interface LineTap {
    /** Called with one line as written, ending with a newline; must not block. */
    void written(byte[] line);
  }

  /** Returns the {@code seq} of the last record written (0 for an empty log). */
  public long lastSeq() {
    synchronized (lock) {
      return seq;
    }
  }

  /** Returns how many records wait in memory for the file to take writes again (0 normally). */
  public int held() {
    synchronized (lock) {
      return held.size();
    }
  }

  /**
   * Appends one record as one line and hands it to the operating system (and to the disk when
   * {@link Options#syncEveryRecord} is set) before returning, rotating first if the file is full.
   * Records held from an earlier failure are written first.
   *
   * @throws IllegalStateException when the log is closed
   * @throws UncheckedIOException when the record cannot be written; it is held (see {@link
   *     AuditLog}) and the log stays usable
   */
  public void append(AuditRecord record) {
    Objects.requireNonNull(record, "record");
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("audit log " + options.file() + " is closed");
      }
      byte[] line = null;
      try {
        drainHeld();
        line = encode(record);
        writeLine(line);
      } catch (IOException e) {
        if (line != null) {
          held.addLast(line);
        } else if (held.size() < MAX_HELD_RECORDS) {
          held.addLast(encode(record));
        } else {
          lost++;
          firstLost = firstLost == null ? record.timestamp() : firstLost;
          lastLost = record.timestamp();
        }
        throw new UncheckedIOException(
            "cannot write to audit log "
                + options.file()
                + ": "
                + describe(e)
                + " ("
                + held.size()
                + " records held"
                + (lost > 0 ? ", " + lost + " lost" : "")
                + ")",
            e);
      }
    }
  }

  /**
   * Forces everything written so far to the disk ({@code fsync}).
   *
   * @throws UncheckedIOException when the disk refuses, or records are still held
   */
  public void sync() {
    synchronized (lock) {
      try {
        drainHeld();
        if (out == null) {
          openActiveFile();
        }
        force(out);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot write to audit log " + options.file() + ": " + describe(e), e);
      }
    }
  }

  /**
   * Closes the file after any record being written; later appends throw. Closing twice does
   * nothing.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        if (options.signingKeys() != null && seq > 0) {
          try {
            drainHeld();
            writeLine(encode(chainSignature()));
          } catch (IOException e) {
            LOG.error("cannot sign the head of audit log {}: {}", options.file(), describe(e));
          }
        }
        if (!held.isEmpty() || lost > 0) {
          LOG.error(
              "audit log {} closed with {} records unwritten and {} lost",
              options.file(),
              held.size(),
              lost);
        }
        if (out != null) {
          out.close();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot close audit log " + options.file(), e);
      } finally {
        out = null;
        try {
          fileLock.release();
          lockChannel.close();
        } catch (IOException e) {
          LOG.warn("cannot release the lock of audit log {}: {}", options.file(), describe(e));
        }
      }
    }
  }

  /** The lock file of the log whose active file is {@code file}. */
  static Path lockFile(Path file) {
    return file.resolveSibling(file.getFileName() + ".lock");
  }

  /** Returns the bytes a chain head signature covers. */
  static byte[] chainSignedContent(String instance, long seq, String head) {
    return (CHAIN_SIGNATURE_HEADER + "\n" + instance + "\n" + seq + "\n" + head)
        .getBytes(StandardCharsets.UTF_8);
  }

  private EventRecord chainSignature() {
    KeyPair keys = options.signingKeys();
    String signature;
    try {
      Signature signer = Signature.getInstance("Ed25519");
      signer.initSign(keys.getPrivate());
      // Signs the head as it stands: the line of this event will carry it as its prev.
      signer.update(chainSignedContent(instance, seq, head));
      signature = Base64.getEncoder().encodeToString(signer.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with Ed25519: " + e.getMessage(), e);
    }
    Map<String, String> details = new LinkedHashMap<>();
    details.put("seq", Long.toString(seq));
    details.put("head", head);
    details.put("public_key", Base64.getEncoder().encodeToString(keys.getPublic().getEncoded()));
    details.put("signature", signature);
    return new EventRecord(
        Instant.now(), EventKind.CHAIN_SIGNED, "audit chain head signed at close", details);
  }

  /** Encodes a record as the chain's next line. */
  private byte[] encode(AuditRecord record) {
    byte[] line = AuditJson.line(record, seq + 1, instance, head);
    seq++;
    head = AuditJson.sha256(line, line.length - 1);
    return line;
  }

  /** Writes the held records, then the note of lost ones; stops at the first failure. */
  private void drainHeld() throws IOException {
    while (!held.isEmpty()) {
      writeLine(held.peekFirst());
      held.removeFirst();
    }
    if (lost > 0) {
      Map<String, String> details = new LinkedHashMap<>();
      details.put("count", Long.toString(lost));
      details.put("first", firstLost.toString());
      details.put("last", lastLost.toString());
      held.addLast(
          encode(
              new EventRecord(
                  Instant.now(),
                  EventKind.AUDIT_RECORDS_LOST,
                  lost
                      + " records could not be written or held while the audit log was"
                      + " unwritable",
                  details)));
      lost = 0;
      firstLost = null;
      lastLost = null;
      writeLine(held.peekFirst());
      held.removeFirst();
    }
  }

  /** Writes one encoded line, rotating first if it would overfill the file. */
  private void writeLine(byte[] line) throws IOException {
    if (out == null) {
      openActiveFile();
    }
    if (size > 0 && size + line.length + (tailOpen ? 1 : 0) > options.maxFileBytes()) {
      rotate();
    }
    if (tailOpen) {
      out.write('\n');
      size++;
      tailOpen = false;
    }
    long before = size;
    try {
      out.write(line);
    } catch (IOException e) {
      // Part of the line may have reached the file: the next record must start a new line.
      try {
        size = Files.size(options.file());
        tailOpen = size > before;
      } catch (IOException sizeUnknown) {
        e.addSuppressed(sizeUnknown);
        tailOpen = true;
      }
      throw e;
    }
    size += line.length;
    if (options.syncEveryRecord()) {
      force(out);
    }
    LineTap receiver = tap;
    if (receiver != null) {
      try {
        receiver.written(line);
      } catch (RuntimeException e) {
        LOG.warn("audit log {}: its tap failed: {}", options.file(), e.toString());
      }
    }
  }

  /** Continues the chain of an existing log from its last complete line. */
  private void continueChain() throws IOException {
    List<Path> files;
    try {
      files = AuditLogReader.files(options.file());
    } catch (IllegalArgumentException noLog) {
      return;
    }
    for (int i = files.size() - 1; i >= 0; i--) {
      byte[] last = lastCompleteLine(files.get(i));
      if (last == null) {
        continue;
      }
      try {
        AuditJson.Parsed parsed =
            AuditJson.parse(new String(last, 0, last.length - 1, StandardCharsets.UTF_8));
        if (parsed.chained()) {
          seq = parsed.seq();
          head = AuditJson.sha256(last, last.length - 1);
        }
      } catch (AuditJson.MalformedLineException e) {
        LOG.warn(
            "audit log {}: its last line is not a record ({}); the hash chain starts again",
            files.get(i),
            e.getMessage());
      }
      return;
    }
  }

  /** The last line of {@code file} that ends in a newline, with the newline; null if none. */
  private static byte[] lastCompleteLine(Path file) throws IOException {
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      // Find the last newline, then the one before it, reading backwards in blocks.
      long lastNewline = -1;
      long start = -1;
      byte[] block = new byte[8192];
      long position = in.length();
      while (position > 0 && start < 0) {
        int n = (int) Math.min(block.length, position);
        position -= n;
        in.seek(position);
        in.readFully(block, 0, n);
        for (int i = n - 1; i >= 0; i--) {
          if (block[i] != '\n') {
            continue;
          }
          if (lastNewline < 0) {
            lastNewline = position + i;
          } else {
            start = position + i + 1;
            break;
          }
        }
      }
      if (lastNewline < 0) {
        return null;
      }
      start = Math.max(start, 0);
      byte[] line = new byte[(int) (lastNewline + 1 - start)];
      in.seek(start);
      in.readFully(line);
      return line;
    }
  }

  private static String describe(IOException e) {
    String message = e.getMessage();
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (message != null && message.contains("No space left on device")) {
      return "no space left on device";
    }
    return message == null ? e.getClass().getSimpleName() : message;
  }

  /** The name of rotated file {@code index} (1 is the newest) beside {@code file}. */
  static Path rotated(Path file, int index) {
    return file.resolveSibling(file.getFileName() + "." + index);
  }

  private void openActiveFile() throws IOException {
    Path file = options.file();
    tailOpen = false;
    if (Files.exists(file) && Files.size(file) > 0) {
      try (RandomAccessFile existing = new RandomAccessFile(file.toFile(), "r")) {
        existing.seek(existing.length() - 1);
        tailOpen = existing.read() != '\n';
      }
      if (tailOpen) {
        LOG.warn(
            "audit log {} ends in an incomplete record (crash while writing?); it is kept and"
                + " closed with a newline",
            file);
      }
    }
    out = options.opener().open(file);
    size = Files.size(file);
  }

  /** Forces the stream's data to the disk: {@code fsync} for a file, else a flush. */
  private static void force(OutputStream stream) throws IOException {
    if (stream instanceof FileOutputStream file) {
      file.getFD().sync();
    } else {
      stream.flush();
    }
  }

  /**
   * Opens the active file for appending. The default opens a {@link FileOutputStream}; another
   * opener can wrap it, e.g. to test what a full disk does to a running deployment.
   */
  @FunctionalInterface
  public interface Opener {
    /** Opens {@code file} for appending, creating it if needed. */
    OutputStream open(Path file) throws IOException;

    /** The default: a plain {@link FileOutputStream} in append mode. */
    Opener FILE = file -> new FileOutputStream(file.toFile(), true);
  }

  private void rotate() throws IOException {
    Path file = options.file();
    out.close();
    out = null;
    Files.deleteIfExists(rotated(file, options.keepRotatedFiles()));
    // Oldest first, so no rename replaces a file; a crash part-way leaves a gap in the numbers,
    // which the reader tolerates.
    for (int i = options.keepRotatedFiles() - 1; i >= 1; i--) {
      Path from = rotated(file, i);
      if (Files.exists(from)) {
        Files.move(from, rotated(file, i + 1), StandardCopyOption.ATOMIC_MOVE);
      }
    }
    Files.move(file, rotated(file, 1), StandardCopyOption.ATOMIC_MOVE);
    LOG.info("audit log {} rotated after {} bytes", file, size);
    openActiveFile();
  }
}
