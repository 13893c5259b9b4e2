package org.safeloop.experiments.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.safeloop.experiments.report.Report;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code safeloop report}: an HTML report with PNG charts on training runs and baselines. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Write a self-contained HTML report on runs: provenance, the comparison table, learning",
      "curves with seed bands, closed-loop trajectories of the best run beside the baselines,",
      "shield interventions and histograms of the evaluation returns. Prints the page's path."
    })
final class ReportCommand implements Callable<Integer> {
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
      description = "Report folder (default runs/report-<time>).")
  Path out;

  @Override
  public Integer call() {
    // The charts are drawn off-screen; this must be set before the first AWT class loads.
    System.setProperty("java.awt.headless", "true");
    List<String> names =
        Stream.of(baselines.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    Path dir =
        out != null
            ? out
            : Path.of(
                "runs", "report-" + Instant.now().toString().replace(':', '-').substring(0, 19));
    PrintWriter err = spec.commandLine().getErr();
    Path page =
        Report.write(
            runs,
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
