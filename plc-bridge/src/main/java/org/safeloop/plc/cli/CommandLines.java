package org.safeloop.plc.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * What every SafeLoop command line shares ({@code safeloop} and {@code safeloop-bridge}): a
 * configuration error is one clear line on standard error and exit code 2, a file that cannot be
 * read or written mid-run is one line and exit code 1, and real bugs keep their stack traces.
 */
public final class CommandLines {
  private CommandLines() {}

  /**
   * Installs the error handling on a command line.
   *
   * @param cli the command line
   * @param name the program's name, first on each error line
   * @return {@code cli}
   */
  public static CommandLine withErrorHandling(CommandLine cli, String name) {
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException) {
            err.println(name + ": " + ex.getMessage());
            err.flush();
            return 2;
          }
          if (ex instanceof UncheckedIOException io) {
            // A file could not be written or read mid-run (a full disk, a vanished folder).
            err.println(name + ": " + reason(io));
            err.flush();
            return 1;
          }
          throw ex;
        });
    return cli;
  }

  /**
   * Says why an I/O operation failed in words, from the whole cause chain: "permission denied:
   * FILE", "no such file or folder: FILE", or the file system's reason, without repeating a part.
   */
  public static String reason(Throwable e) {
    List<String> parts = new ArrayList<>();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String part;
      if (t instanceof java.nio.file.AccessDeniedException a) {
        part = "permission denied: " + a.getFile();
      } else if (t instanceof java.nio.file.NoSuchFileException n) {
        part = "no such file or folder: " + n.getFile();
      } else if (t instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
        part = f.getReason();
      } else {
        part = t.getMessage();
      }
      if (part != null && parts.stream().noneMatch(p -> p.contains(part))) {
        parts.add(part);
      }
    }
    return parts.isEmpty() ? e.getClass().getSimpleName() : String.join(": ", parts);
  }
}
