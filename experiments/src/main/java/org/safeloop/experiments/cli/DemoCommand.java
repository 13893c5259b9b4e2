package org.safeloop.experiments.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.env.control.Policy;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.experiments.simulate.EpisodeRecorder;
import org.safeloop.experiments.simulate.EpisodeSummary;
import org.safeloop.experiments.simulate.Episodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code safeloop demo}: what SafeLoop can show today. For now one CSTR episode under the
 * scenario's PID, printed as a compact table and written to CSV; later stages (training, the
 * shield, the virtual plant, deployment) join as they land.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run the demo: a CSTR episode under PID control, as a table and a CSV file.")
final class DemoCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--output",
      defaultValue = "runs/demo",
      paramLabel = "DIR",
      description = "Output folder (default ${DEFAULT-VALUE}).")
  Path output;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Scenario scenario = Scenarios.load("cstr-tracking");
    ProcessEnvironment env = scenario.createEnvironment();
    Policy pid = scenario.baselineController();
    Path csv = output.resolve("cstr-tracking__pid__seed" + seed + ".csv");
    out.println("SafeLoop demo: " + scenario.spec().description());
    out.println(
        "Controller: the scenario's PI loop on Ca (measured with noise) moving Tc; seed " + seed);
    out.println();
    out.printf(
        "%5s %8s %9s %9s %9s %8s %9s%n",
        "step", "t [min]", "Ca", "Ca SP", "T [K]", "Tc [K]", "reward");
    EpisodeSummary summary;
    try (EpisodeRecorder recorder = new EpisodeRecorder(env, csv)) {
      summary =
          Episodes.run(
              env,
              pid,
              seed,
              env.episodeSteps(),
              r -> {
                recorder.record(r);
                printRow(out, r);
              });
    }
    out.println();
    out.printf(
        "Return %.3f over %d steps (%.1f min); actuator-limited steps %d.%n",
        summary.totalReward(),
        summary.steps(),
        env.timeUnit().toMinutes(summary.steps() * env.controlInterval()),
        summary.limitedSteps());
    out.println("Trajectory written to " + csv);
    out.flush();
    return 0;
  }

  private static void printRow(PrintWriter out, StepResult r) {
    int step = r.info().step();
    if (step % 5 != 0 && step != 1) {
      return;
    }
    double[] x = r.info().state();
    out.printf(
        "%5d %8.2f %9.4f %9.3f %9.2f %8.2f %9.3f%n",
        step,
        r.info().time(),
        x[0],
        r.info().setpoints()[0],
        x[1],
        r.info().appliedAction()[0],
        r.reward());
  }
}
