package org.safeloop.experiments.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.safeloop.env.ode.IntegratorSpec;
import org.safeloop.env.realism.RealismConfig;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.experiments.bench.EnvBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code safeloop bench}: performance measurements (not tests). */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Performance benchmarks.",
    subcommands = {BenchCommand.Env.class})
final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code safeloop bench env}: environment steps per second, single thread. */
  @Command(
      name = "env",
      mixinStandardHelpOptions = true,
      description = {
        "Environment steps per second on one thread, per scenario: RK4 with realism off and on,",
        "and the Dormand-Prince reference. Median of timed rounds after a warm-up."
      })
  static final class Env implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--scenario",
        paramLabel = "NAME",
        description = "Scenarios to measure (repeatable; default: all built-in).")
    List<String> scenarios = new ArrayList<>();

    @Option(names = "--warmup", defaultValue = "2", description = "Warm-up seconds per case.")
    double warmup;

    @Option(names = "--rounds", defaultValue = "5", description = "Measured rounds per case.")
    int rounds;

    @Option(names = "--round-seconds", defaultValue = "1", description = "Seconds per round.")
    double roundSeconds;

    @Override
    public Integer call() {
      if (rounds < 1 || !(roundSeconds > 0) || warmup < 0) {
        throw new IllegalArgumentException("--rounds >= 1, --round-seconds > 0, --warmup >= 0");
      }
      PrintWriter out = spec.commandLine().getOut();
      List<String> names = scenarios.isEmpty() ? Scenarios.builtInNames() : scenarios;
      out.printf(
          "java %s on %d cores; %d rounds of %.1f s after %.1f s warm-up; single thread%n",
          System.getProperty("java.version"),
          Runtime.getRuntime().availableProcessors(),
          rounds,
          roundSeconds,
          warmup);
      out.printf("%-18s %-26s %14s %14s %14s%n", "scenario", "case", "median st/s", "min", "max");
      for (String name : names) {
        Scenario s = Scenarios.load(name);
        int substeps = s.spec().integrator().substeps();
        measure(out, s, "rk4x" + substeps + ", realism off", false, IntegratorSpec.rk4(substeps));
        if (!s.spec().realism().equals(RealismConfig.none())) {
          measure(out, s, "rk4x" + substeps + ", realism on", true, IntegratorSpec.rk4(substeps));
        }
        measure(
            out, s, "dormand-prince 1e-8, off", false, IntegratorSpec.dormandPrince(1e-8, 1e-10));
        measure(
            out, s, "dormand-prince 1e-10, off", false, IntegratorSpec.dormandPrince(1e-10, 1e-12));
      }
      return 0;
    }

    private void measure(
        PrintWriter out, Scenario s, String label, boolean realism, IntegratorSpec integrator) {
      EnvBenchmark.Result r =
          EnvBenchmark.measure(
              label, s.createEnvironment(realism, integrator), warmup, rounds, roundSeconds);
      out.printf(
          "%-18s %-26s %,14.0f %,14.0f %,14.0f%n",
          s.name(), label, r.medianStepsPerSecond(), r.minStepsPerSecond(), r.maxStepsPerSecond());
      out.flush();
    }
  }
}
