package org.safeloop.experiments.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.safeloop.experiments.identify.Identification;
import org.safeloop.experiments.run.RunDirectory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code safeloop identify}: fits a scenario's model parameters to plant data. */
@Command(
    name = "identify",
    mixinStandardHelpOptions = true,
    description = {
      "Fit named parameters of a scenario's model to plant data (an audit log or a historian",
      "CSV) by multiple-shooting least squares; write the calibrated scenario, identify.json and",
      "identify.html with standard errors, 95 % intervals, identifiability warnings and a",
      "validation of nominal against calibrated model on held-out data."
    })
final class IdentifyCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "LOG|CSV",
      description =
          "A deployment's audit log (.jsonl) or a historian export (.csv: a time column"
              + " time_s|time_min|time_h or ISO timestamps, one column per tag, optional"
              + " <tag>_quality columns).")
  Path data;

  @Option(
      names = "--scenario",
      required = true,
      paramLabel = "NAME|FILE",
      description = "The scenario whose model is fitted (built-in name or file).")
  String scenario;

  @Option(
      names = "--free",
      required = true,
      split = ",",
      paramLabel = "NAME[,NAME...]",
      description = "The parameters to fit, e.g. UA,k0.")
  List<String> free;

  @Option(
      names = "--free-initial",
      description = "Fit each segment's initial state too (classical multiple shooting).")
  boolean freeInitial;

  @Option(
      names = "--validate",
      defaultValue = "0.3",
      paramLabel = "FRACTION",
      description = "Fraction of the data held out for validation (default ${DEFAULT-VALUE}).")
  double validate;

  @Option(
      names = "--segment",
      defaultValue = "20",
      paramLabel = "STEPS",
      description = "Control steps per fitted segment (default ${DEFAULT-VALUE}).")
  int segment;

  @Option(
      names = "--max-gap",
      defaultValue = "3",
      paramLabel = "STEPS",
      description =
          "Longest gap in the data bridged by resampling, in control intervals (default"
              + " ${DEFAULT-VALUE}).")
  double maxGap;

  @Option(
      names = "--max-iterations",
      defaultValue = "100",
      paramLabel = "N",
      description = "Levenberg-Marquardt iterations at most (default ${DEFAULT-VALUE}).")
  int maxIterations;

  @Option(
      names = "--shield",
      paramLabel = "FILE|NAME",
      description =
          "Also suggest this shield's state-constraint back-offs from the calibrated model's"
              + " prediction errors, as a new file beside the others (the shield is not changed).")
  String shield;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "DIR",
      description = "Output folder (default runs/identify__<scenario>__<parameters>__0__<time>).")
  Path output;

  @Option(names = "--no-progress", description = "Do not draw a progress bar.")
  boolean noProgress;

  @Override
  public Integer call() {
    Path out =
        output != null
            ? output
            : Path.of("runs")
                .resolve(
                    "identify__"
                        + RunDirectory.name(
                            Path.of(scenario).getFileName().toString().replace(".yaml", ""),
                            String.join("-", free),
                            0,
                            java.time.Instant.now()));
    RunDirectory.requireWritableFolder(out, "--output");
    Identification.Options options =
        new Identification.Options(
            data, scenario, free, freeInitial, validate, segment, maxGap, maxIterations, shield);
    Identification.Outcome o;
    try (ProgressBar bar =
        noProgress
            ? null
            : new ProgressBarBuilder()
                .setTaskName("identify")
                .setInitialMax(-1)
                .setUnit(" evaluations", 1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500)
                .build()) {
      o =
          Identification.run(
              options,
              out,
              e -> {
                if (bar != null) {
                  bar.stepTo(e);
                }
              });
    }
    PrintWriter w = spec.commandLine().getOut();
    w.printf(
        Locale.ROOT,
        "%d rows, %d steps used (%d samples not used, %d grid values in gaps); %d segments, %d"
            + " iterations, %.1f s%n",
        o.summary().rows(),
        o.summary().usableSteps(),
        o.summary().badSamples(),
        o.summary().gapValues(),
        o.fit().segments(),
        o.fit().iterations(),
        o.seconds());
    for (Identification.Estimate e : o.estimates()) {
      w.printf(
          Locale.ROOT,
          "  %-8s %.6g %s (was %.6g; standard error %.3g; 95 %% interval %.6g .. %.6g)%n",
          e.name(),
          e.estimate(),
          e.unit(),
          e.initial(),
          e.standardError(),
          e.low(),
          e.high());
    }
    for (String warning : o.warnings()) {
      w.println("  WARNING: " + warning);
    }
    if (o.calibrated() != null) {
      for (int i = 0; i < o.calibrated().freeRunFit().length; i++) {
        w.printf(
            Locale.ROOT,
            "  validation, %s: free-run FIT %.1f %% calibrated, %.1f %% nominal%n",
            o.states().get(i),
            o.calibrated().freeRunFit()[i],
            o.nominal().freeRunFit()[i]);
      }
    }
    w.println(
        "calibrated scenario " + o.scenarioFile() + "; identify.json and identify.html in " + out);
    w.flush();
    return 0;
  }
}
