package org.safeloop.experiments.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.experiments.config.ExperimentSpec;
import org.safeloop.experiments.evaluate.EvaluationSummary;
import org.safeloop.experiments.evaluate.Evaluator;
import org.safeloop.experiments.evaluate.PolicySource;
import org.safeloop.experiments.run.RunDirectory;
import org.safeloop.policy.PolicyBundles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code safeloop evaluate}: closed-loop evaluation of a bundle or a baseline. */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluate a policy in closed loop: trajectories as CSV and a summary as JSON.",
      "The summary holds the return (mean, median, MAD), IAE/ISE, settling time and overshoot,",
      "violations, shield interventions by layer and actuator travel."
    })
final class EvaluateCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--policy",
      required = true,
      paramLabel = "BUNDLE|pid|pid-simc|nmpc|nmpc-preview|oracle|oracle-no-preview",
      description = "A policy bundle file or a baseline.")
  String policy;

  @Option(
      names = "--scenario",
      paramLabel = "NAME|FILE",
      description =
          "Scenario (default: the one a bundle was trained on: its built-in name, or its"
              + " scenario file if unchanged since training).")
  String scenario;

  @Option(
      names = "--episodes",
      defaultValue = "10",
      paramLabel = "N",
      description = "Episodes (default ${DEFAULT-VALUE}).")
  int episodes;

  @Option(
      names = "--shield",
      paramLabel = "FILE|NAME",
      description = "Act through this shield (constraint file or built-in name).")
  String shield;

  @Option(
      names = "--realism",
      defaultValue = "off",
      paramLabel = "on|off",
      description =
          "Sensor effects, disturbances, parameter uncertainty (default ${DEFAULT-VALUE}).")
  String realism;

  @Option(
      names = "--seed",
      defaultValue = "1000000",
      paramLabel = "N",
      description = "Seed of the first episode (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "DIR",
      description = "Output folder (default runs/eval__<scenario>__<policy>__<seed>__<time>).")
  Path out;

  /** The old spelling of {@code --output}, accepted for one release. */
  @Option(names = "--out", hidden = true, paramLabel = "DIR")
  void legacyOut(Path value) {
    out = value;
  }

  @Override
  public Integer call() throws Exception {
    boolean withRealism = SimulateCommand.parseRealism(realism);
    if (episodes < 1 || episodes > ExperimentSpec.MAX_EPISODES) {
      throw new IllegalArgumentException(
          "--episodes must be between 1 and " + ExperimentSpec.MAX_EPISODES + ", got " + episodes);
    }
    Scenario resolved;
    if (scenario != null) {
      resolved = Scenarios.load(scenario);
    } else {
      if (PolicySource.BASELINES.contains(policy) || !Files.isRegularFile(Path.of(policy))) {
        throw new IllegalArgumentException("--scenario is required with --policy " + policy);
      }
      Path bundleFile = Path.of(policy);
      resolved = PolicySource.trainedScenario(PolicyBundles.load(bundleFile), bundleFile);
    }
    ModelWarnings.show(spec, resolved);
    PolicySource source = PolicySource.of(policy, resolved);
    Path dir =
        out != null
            ? out
            : Path.of("runs")
                .resolve(
                    "eval__"
                        + RunDirectory.name(resolved.name(), source.label(), seed, Instant.now()));
    RunDirectory.requireWritableFolder(dir, "--output");
    EvaluationSummary summary =
        Evaluator.evaluate(
            resolved,
            source,
            new Evaluator.Settings(
                episodes, seed, withRealism, shield, dir.resolve("trajectories")));
    RunDirectory.writeJson(dir.resolve("summary.json"), summary);
    PrintWriter w = spec.commandLine().getOut();
    w.println(describe(summary, resolved));
    w.println("trajectories and summary.json in " + dir);
    w.flush();
    return 0;
  }

  /** Each actuator's travel with its unit, e.g. {@code Tc 10.8 K}. */
  private static String travel(EvaluationSummary s, Scenario scenario) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, Double> e : s.actuatorTravel().entrySet()) {
      int i = scenario.actionSpace().indexOf(e.getKey());
      String unit = i >= 0 ? " " + scenario.actionSpace().get(i).unit() : "";
      parts.add(String.format(Locale.ROOT, "%s %.4g%s", e.getKey(), e.getValue(), unit));
    }
    return String.join(", ", parts);
  }

  /** The summary for the console, every figure with its unit (the model's time unit for times). */
  static String describe(EvaluationSummary s, Scenario scenario) {
    String time = scenario.model().timeUnit().symbol();
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "%s on %s, %d episodes (realism %s%s): return mean %.3f, median %.3f, MAD %.3f%n",
            // NaN when every episode failed: there is no return to show
            s.policy(),
            s.scenario(),
            s.episodes(),
            s.realism() ? "on" : "off",
            s.shielded() ? ", shielded" : "",
            s.returnMean(),
            s.returnMedian(),
            s.returnMad()));
    for (Map.Entry<String, EvaluationSummary.Tracking> e : s.tracking().entrySet()) {
      EvaluationSummary.Tracking t = e.getValue();
      b.append(
          String.format(
              Locale.ROOT,
              "  %s: IAE %.4g %s*%s, ISE %.4g, %d set-point steps, %s, max overshoot"
                  + " %.1f %%%n",
              e.getKey(),
              t.iae(),
              t.unit(),
              time,
              t.ise(),
              t.steps().size(),
              Double.isFinite(t.medianSettlingTime())
                  ? String.format(
                      Locale.ROOT, "median settling time %.3g %s", t.medianSettlingTime(), time)
                  : "most steps never settle (2 % band)",
              100 * t.maxOvershoot()));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "  violating steps %d (magnitude %.4g), shield interventions %d (%.1f %%) %s,"
                + " actuator travel %s",
            s.violatingSteps(),
            s.violationMagnitude(),
            s.interventions(),
            100 * s.interventionRate(),
            s.interventionsByLayer(),
            travel(s, scenario)));
    if (s.failedEpisodes() > 0) {
      b.append(
          String.format(
              Locale.ROOT,
              "%n  FAILED episodes %d of %d (no return; the figures above are over the others):",
              s.failedEpisodes(),
              s.episodes()));
      for (String failure : s.failures()) {
        b.append(String.format(Locale.ROOT, "%n    %s", failure));
      }
    }
    return b.toString();
  }
}
