package org.safeloop.experiments.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.safeloop.experiments.run.RunDirectory;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The options {@code compare} and {@code report} share: which runs, which baselines beside them,
 * and the output folder (a picocli mixin).
 */
final class RunSelection {
  @Parameters(
      arity = "1..*",
      paramLabel = "RUN",
      description = "Run directories, or folders holding run directories.")
  List<Path> runs;

  @Option(
      names = "--baselines",
      defaultValue = "pid,nmpc,oracle",
      paramLabel = "LIST",
      description = "Baselines to evaluate beside the runs (default ${DEFAULT-VALUE}).")
  String baselines;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "DIR",
      description = "Output folder.")
  Path out;

  /** The old spelling of {@code --output}, accepted for one release. */
  @Option(names = "--out", hidden = true, paramLabel = "DIR")
  void legacyOut(Path value) {
    out = value;
  }

  /** Returns the baseline names, without blanks. */
  List<String> baselineNames() {
    return Stream.of(baselines.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  /**
   * Returns {@code --out}, or {@code runs/<prefix>-<time>}, created and checked writable.
   *
   * @throws IllegalArgumentException when the folder cannot be written
   */
  Path outOr(String prefix) {
    Path dir =
        out != null
            ? out
            : Path.of(
                "runs", prefix + "-" + Instant.now().toString().replace(':', '-').substring(0, 19));
    return RunDirectory.requireWritableFolder(dir, "--out");
  }
}
