package org.safeloop.experiments.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.safeloop.plc.cli.CommandLines;

/**
 * The layout of a run directory {@code <scenario>__<algorithm>__<seed>__<timestamp>}: {@code
 * config.yaml} (the resolved experiment for this seed), {@code run.json} ({@link RunInfo}), {@code
 * metrics.csv} ({@link MetricsLog}), {@code checkpoints/} (policy bundles during training), {@code
 * policy.bundle} (the final policy), {@code eval.json} and {@code eval/} (evaluation summary and
 * trajectories) and {@code train.log}. Files are written whole and atomically where a reader could
 * see them half-written. Thread-safe (stateless).
 */
public final class RunDirectory {
  /** The resolved experiment file. */
  public static final String CONFIG = "config.yaml";

  /** What and how: {@link RunInfo}. */
  public static final String RUN = "run.json";

  /** Per-episode and per-update figures. */
  public static final String METRICS = "metrics.csv";

  /** The final policy bundle. */
  public static final String POLICY = "policy.bundle";

  /** The evaluation summary. */
  public static final String EVAL = "eval.json";

  /** The evaluation trajectories. */
  public static final String EVAL_DIR = "eval";

  /** Checkpoints (policy bundles) during training. */
  public static final String CHECKPOINTS = "checkpoints";

  /** The run's log. */
  public static final String LOG = "train.log";

  static final ObjectMapper JSON =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private RunDirectory() {}

  /** Returns the directory name of a run, e.g. {@code cstr-tracking__ppo__0__20261125-193000}. */
  public static String name(String scenario, String algorithm, long seed, Instant started) {
    return scenario + "__" + algorithm + "__" + seed + "__" + STAMP.format(started);
  }

  /** Returns true when {@code dir} looks like a run directory (has a {@code run.json}). */
  public static boolean isRun(Path dir) {
    return Files.isRegularFile(dir.resolve(RUN));
  }

  /**
   * Reads a run's {@code run.json}.
   *
   * @throws IllegalArgumentException naming the directory when it is not a readable run
   */
  public static RunInfo info(Path dir) {
    return readJson(dir.resolve(RUN), RunInfo.class);
  }

  /**
   * Makes sure {@code folder} is a folder that this process can write in, creating it (and its
   * parents) when missing, before any work starts: every command that writes results (train,
   * simulate, evaluate, compare, report) calls this with the folder it will write into.
   *
   * @param folder the output folder
   * @param what how the user gave it, for the message, e.g. {@code --output}
   * @return {@code folder}
   * @throws IllegalArgumentException naming the folder and why it cannot be used: it is a file, it
   *     lies under a file, it cannot be created (e.g. under {@code /proc}) or it is not writable
   */
  public static Path requireWritableFolder(Path folder, String what) {
    Path absolute = folder.toAbsolutePath().normalize();
    for (Path p = absolute; p != null; p = p.getParent()) {
      if (Files.exists(p) && !Files.isDirectory(p)) {
        throw new IllegalArgumentException(
            what
                + " "
                + folder
                + ": "
                + (p.equals(absolute) ? "is a file, not a folder" : "lies under the file " + p));
      }
    }
    try {
      Files.createDirectories(absolute);
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException(
          what + " " + folder + ": cannot create the folder (" + reason(e) + ")", e);
    }
    try {
      Files.delete(Files.createTempFile(absolute, ".safeloop-probe", ".tmp"));
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException(
          what + " " + folder + ": cannot write in the folder (" + reason(e) + ")", e);
    }
    return folder;
  }

  /**
   * Says why an operation on files failed, for a person: {@code No space left on device}, {@code
   * permission denied}, following the causes of a wrapped exception.
   */
  public static String reason(Throwable e) {
    return CommandLines.reason(e);
  }

  /** Writes {@code value} as indented JSON to {@code file}, atomically (temporary file, rename). */
  public static void writeJson(Path file, Object value) {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      JSON.writeValue(tmp.toFile(), value);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * Reads JSON {@code file} onto {@code type}.
   *
   * @throws IllegalArgumentException naming the file when it is missing or malformed
   */
  public static <T> T readJson(Path file, Class<T> type) {
    try {
      return JSON.readValue(file.toFile(), type);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          file + ": not a readable " + type.getSimpleName() + " (" + e.getMessage() + ")", e);
    }
  }
}
