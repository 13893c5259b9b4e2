package org.safeloop.plc.audit;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
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
 * <p><b>Rotation.</b> When a record would take the file past {@link Options#maxFileBytes}, the file
 * is renamed {@code audit.jsonl.1} (an existing {@code .1} becomes {@code .2}, and so on; the file
 * past {@link Options#keepRotatedFiles} is deleted) and the record starts a new file. A record is
 * never split across files; one larger than the limit gets a file of its own.
 *
 * <p><b>Thread safety.</b> Thread-safe: appends and {@link #close} are serialised, so lines never
 * interleave and a concurrent close waits for the record being written. An append after close
 * throws {@link IllegalStateException}. Writes go through {@link FileOutputStream}, not an
 * interruptible channel, so interrupting the control thread does not close the log.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

  private final Options options;
  private final Object lock = new Object();
  // Guarded by lock.
  private FileOutputStream out;
  private long size;
  private boolean tailOpen;
  private boolean closed;

  /**
   * How the audit log is written. Use {@link #builder(Path)}.
   *
   * @param file the active file, e.g. {@code logs/audit.jsonl}; rotated files sit beside it
   * @param maxFileBytes the size in bytes past which the file is rotated; at least 1024
   * @param keepRotatedFiles how many rotated files to keep ({@code .1} .. {@code .N}); at least 1;
   *     older ones are deleted
   * @param syncEveryRecord whether to {@code fsync} after every record (see {@link AuditLog})
   */
  public record Options(
      Path file, long maxFileBytes, int keepRotatedFiles, boolean syncEveryRecord) {
    /** Default size limit: 64 MiB. */
    public static final long DEFAULT_MAX_FILE_BYTES = 64L * 1024 * 1024;

    /** Default number of rotated files kept: 20. */
    public static final int DEFAULT_KEEP_ROTATED_FILES = 20;

    /** Checks every field, naming the one that is wrong. */
    public Options {
      Objects.requireNonNull(file, "file");
      if (file.getFileName() == null) {
        throw new IllegalArgumentException("audit log file must name a file, got " + file);
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

      /**
       * Returns the options.
       *
       * @throws IllegalArgumentException naming the field that is out of range
       */
      public Options build() {
        return new Options(file, maxFileBytes, keepRotatedFiles, syncEveryRecord);
      }
    }
  }

  private AuditLog(Options options) throws IOException {
    this.options = options;
    Path parent = options.file().toAbsolutePath().getParent();
    Files.createDirectories(parent);
    openActiveFile();
  }

  /**
   * Opens the log for appending, creating the file and its directory if needed. An existing log is
   * continued; if it ends in half a line (a crash while writing), that line is closed with a
   * newline before the first new record and a warning is logged.
   *
   * @throws UncheckedIOException when the file cannot be opened
   */
  public static AuditLog open(Options options) {
    try {
      return new AuditLog(Objects.requireNonNull(options, "options"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open audit log " + options.file(), e);
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

  /**
   * Appends one record as one line and hands it to the operating system (and to the disk when
   * {@link Options#syncEveryRecord} is set) before returning, rotating first if the file is full.
   *
   * @throws IllegalStateException when the log is closed
   * @throws UncheckedIOException when the record cannot be written; the log stays usable and the
   *     next record starts on a new line
   */
  public void append(AuditRecord record) {
    byte[] line = AuditJson.line(Objects.requireNonNull(record, "record"));
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("audit log " + options.file() + " is closed");
      }
      try {
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
          out.getFD().sync();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write to audit log " + options.file(), e);
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
      if (out != null) {
        try {
          out.close();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot close audit log " + options.file(), e);
        } finally {
          out = null;
        }
      }
    }
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
    out = new FileOutputStream(file.toFile(), true);
    size = Files.size(file);
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
