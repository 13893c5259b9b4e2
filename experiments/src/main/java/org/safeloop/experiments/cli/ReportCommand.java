package org.safeloop.experiments.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.safeloop.experiments.report.Report;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code safeloop report}: an HTML report with PNG charts on training runs and baselines. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Write a self-contained HTML report on runs and print the page's path.",
      "Provenance, the comparison table, learning curves with seed bands, closed-loop",
      "trajectories of the best run beside the baselines, shield interventions and",
      "histograms of the evaluation returns."
    })
final class ReportCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin RunSelection selection;

  @Override
  public Integer call() {
    // The charts are drawn off-screen; this must be set before the first AWT class loads.
    System.setProperty("java.awt.headless", "true");
    List<String> names = selection.baselineNames();
    Path dir = selection.outOr("report");
    PrintWriter err = spec.commandLine().getErr();
    Path page =
        Report.write(
            selection.runs,
            names,
            dir,
            message -> {
              err.println(message + " ...");
              err.flush();
            });
    PrintWriter w = spec.commandLine().getOut();
    w.println(page);
    w.flush();
    return 0;
  }
}
