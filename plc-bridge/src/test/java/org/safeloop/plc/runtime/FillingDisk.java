package org.safeloop.plc.runtime;

import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import org.safeloop.plc.audit.AuditLog;

/**
 * An audit log file on a disk that can fill up: once {@link #fill()} is called, each write puts a
 * few bytes of its line on the disk and then fails with ENOSPC's message, as a full file system
 * does; {@link #free()} makes room again.
 */
final class FillingDisk implements AuditLog.Opener {
  private volatile boolean full;

  void fill() {
    full = true;
  }

  void free() {
    full = false;
  }

  @Override
  public OutputStream open(Path file) throws IOException {
    FileOutputStream out = new FileOutputStream(file.toFile(), true);
    return new FilterOutputStream(out) {
      @Override
      public void write(int b) throws IOException {
        if (full) {
          throw new IOException("No space left on device");
        }
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (full) {
          out.write(b, off, Math.min(len, 7));
          throw new IOException("No space left on device");
        }
        out.write(b, off, len);
      }
    };
  }
}
