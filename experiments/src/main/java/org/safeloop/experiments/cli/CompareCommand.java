package org.safeloop.experiments.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.safeloop.experiments.compare.Comparison;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code safeloop compare}: one table across runs, seeds and algorithms, beside baselines. */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = {
      "Compare runs across seeds and algorithms, beside baselines, in one table.",
      "Median return with MAD, per-step optimality gap to the NMPC oracle (pc-gym's",
      "definition), violations, interventions, wall time. Prints the table and writes",
      "compare.csv and compare.md."
    })
final class CompareCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin RunSelection selection;

  @Override
  public Integer call() {
    Path dir = selection.outOr("compare");
    Comparison comparison = Comparison.of(selection.runs, selection.baselineNames(), null);
    comparison.write(dir);
    PrintWriter w = spec.commandLine().getOut();
    w.print(comparison.toText());
    for (String warning : comparison.warnings()) {
      w.println("warning: " + warning);
    }
    w.println("compare.csv and compare.md in " + dir);
    w.flush();
    return 0;
  }
}
