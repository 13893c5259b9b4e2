package org.safeloop.experiments.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.safeloop.experiments.compare.Comparison;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code safeloop compare}: one table across runs, seeds and algorithms, beside baselines. */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = {
      "Aggregate runs across seeds and algorithms: median return with MAD, per-step optimality",
      "gap to the NMPC oracle (pc-gym's definition), violations, interventions, wall time.",
      "Prints the table and writes compare.csv and compare.md."
    })
final class CompareCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(
      arity = "1..*",
      paramLabel = "RUN",
      description = "Run directories, or folders holding run directories.")
  List<Path> runs;

  @Option(
      names = "--baselines",
      defaultValue = "pid,oracle",
      paramLabel = "LIST",
      description = "Baselines to evaluate beside the runs (default ${DEFAULT-VALUE}).")
  String baselines;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Output folder (default runs/compare-<time>).")
  Path out;

  @Override
  public Integer call() {
    List<String> names =
        baselines.isBlank()
            ? List.of()
            : Arrays.stream(baselines.split(",")).map(String::trim).toList();
    Path dir =
        out != null
            ? out
            : Path.of("runs")
                .resolve("compare-" + Instant.now().toString().replace(':', '-').substring(0, 19));
    Comparison comparison = Comparison.of(runs, names, null);
    comparison.write(dir);
    PrintWriter w = spec.commandLine().getOut();
    w.print(comparison.toText());
    w.println("compare.csv and compare.md in " + dir);
    w.flush();
    return 0;
  }
}
