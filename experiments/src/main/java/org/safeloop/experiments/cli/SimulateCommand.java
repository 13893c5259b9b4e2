package org.safeloop.experiments.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.control.Policy;
import org.safeloop.env.ode.IntegratorSpec;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.ScenarioSpec;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.experiments.run.RunDirectory;
import org.safeloop.experiments.simulate.ActionSource;
import org.safeloop.experiments.simulate.EpisodeRecorder;
import org.safeloop.experiments.simulate.EpisodeSummary;
import org.safeloop.experiments.simulate.Episodes;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.ShieldCounters;
import org.safeloop.shield.ShieldedPolicy;
import org.safeloop.shield.Shields;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code safeloop simulate}: one episode under a controller or an action schedule, as CSV. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Run one episode of a scenario and write its trajectory as CSV.",
      "Actions come from the scenario's PID (default), constant values, or a CSV schedule."
    })
final class SimulateCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "SCENARIO",
      description = "Built-in name or scenario file (or --scenario).")
  String scenario;

  /** The scenario as an option, as every other command takes it. */
  @Option(
      names = "--scenario",
      paramLabel = "NAME|FILE",
      description = "Built-in name or scenario file (instead of the positional SCENARIO).")
  void scenarioOption(String value) {
    scenarioOption = value;
  }

  private String scenarioOption;

  @Option(
      names = "--controller",
      paramLabel = "NAME",
      description = "Controller to run: pid (the scenario's loops). Default when no actions given.")
  String controller;

  @Option(
      names = "--constant",
      paramLabel = "INPUT=VALUE",
      description = "Hold an input at a value (repeatable); others stay at their initial position.")
  Map<String, Double> constants = new LinkedHashMap<>();

  @Option(
      names = "--actions",
      paramLabel = "CSV",
      description =
          "Action schedule: header time_s|time_min|time_h (or time, in the model's unit) then"
              + " inputs (Tc or Tc_K), zero-order hold; or a trajectory CSV simulate wrote"
              + " (replayed step by step).")
  Path actions;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--steps",
      paramLabel = "N",
      description = "Steps to run (default: the scenario's episode length).")
  Integer steps;

  @Option(
      names = "--realism",
      defaultValue = "on",
      paramLabel = "on|off",
      description =
          "Sensor effects, disturbances, parameter uncertainty (default ${DEFAULT-VALUE}).")
  String realism;

  @Option(
      names = "--integrator",
      paramLabel = "rk4|dormand-prince",
      description = "Override the scenario's integrator.")
  String integrator;

  @Option(names = "--substeps", paramLabel = "N", description = "RK4 sub-steps per control step.")
  Integer substeps;

  @Option(
      names = "--shield",
      paramLabel = "FILE|NAME",
      description =
          "Pass every action through this safety shield (a constraint file or a built-in"
              + " one, e.g. cstr-constrained).")
  String shield;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "CSV",
      description = "Output file (default runs/simulate/<scenario>__seed<seed>.csv).")
  Path output;

  @Override
  public Integer call() {
    if (scenario != null && scenarioOption != null && !scenario.equals(scenarioOption)) {
      throw new IllegalArgumentException(
          "two scenarios given: " + scenario + " and --scenario " + scenarioOption);
    }
    if (scenario == null) {
      scenario = scenarioOption;
    }
    if (scenario == null) {
      throw new IllegalArgumentException("name the scenario: simulate SCENARIO or --scenario");
    }
    Scenario s = Scenarios.load(scenario);
    ModelWarnings.show(spec, s);
    if (steps != null) {
      if (steps < 1 || steps > ScenarioSpec.MAX_STEPS) {
        throw new IllegalArgumentException(
            "--steps must be between 1 and " + ScenarioSpec.MAX_STEPS + ", got " + steps);
      }
      if (steps > s.episodeSteps()) {
        PrintWriter err = spec.commandLine().getErr();
        err.printf(
            Locale.ROOT,
            "safeloop: warning: --steps %d runs beyond the scenario's episode of %d steps; its"
                + " schedules hold their last value from step %d on%n",
            steps,
            s.episodeSteps(),
            s.episodeSteps() + 1);
        err.flush();
      }
      s = s.withEpisodeSteps(steps);
    }
    ProcessEnvironment env = s.createEnvironment(parseRealism(realism), integratorOverride());
    Policy policy = policy(s);
    ShieldedPolicy shielded = null;
    if (shield != null) {
      SafetyShield safetyShield = Shields.load(shield);
      shielded = new ShieldedPolicy(policy, safetyShield, env.observationSpace(), s.initialInput());
      policy = shielded;
    }
    Path file =
        output != null ? output : Path.of("runs", "simulate", s.name() + "__seed" + seed + ".csv");
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException("-o " + file + ": is a folder; give a file name");
    }
    RunDirectory.requireWritableFolder(
        file.toAbsolutePath().getParent(), "-o " + file + ": folder");
    EpisodeSummary summary;
    ShieldedPolicy decisions = shielded;
    try (EpisodeRecorder recorder = new EpisodeRecorder(env, file, shielded != null)) {
      summary =
          Episodes.run(
              env,
              policy,
              seed,
              s.episodeSteps(),
              r -> recorder.record(r, decisions == null ? null : decisions.lastDecision()));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (summary.failed()) {
      // No return: the episode did not run to its end, and its last reward is a stand-in.
      spec.commandLine()
          .getErr()
          .printf(
              "%s: FAILED after %d steps: %s; no return is reported. Trajectory up to the failure:"
                  + " %s%n",
              s.name(), summary.steps(), summary.failure(), file);
      spec.commandLine().getErr().flush();
      return 1;
    }
    out.printf(
        "%s: %d steps, return %.4f, constraint-violating steps %d (total cost %.4g), "
            + "actuator-limited steps %d%s%n",
        s.name(),
        summary.steps(),
        summary.totalReward(),
        summary.violatingSteps(),
        summary.totalCost(),
        summary.limitedSteps(),
        summary.terminated() ? ", TERMINATED early (state left its domain)" : "");
    if (shielded != null) {
      ShieldCounters c = shielded.shield().counters();
      out.printf(
          "shield %s: %d constraint-violating steps, %d shield interventions (%d repaired, %d"
              + " fallback) in %d decisions%s%n",
          shielded.shield().name(),
          summary.violatingSteps(),
          c.interventions(),
          c.repaired(),
          c.fallbacks(),
          c.decisions(),
          c.degraded() ? "; shield DEGRADED (fallback rate above its limit)" : "");
    }
    out.println("trajectory: " + file);
    out.flush();
    return 0;
  }

  static boolean parseRealism(String value) {
    return switch (value) {
      case "on" -> true;
      case "off" -> false;
      default -> throw new IllegalArgumentException("--realism takes on or off, got " + value);
    };
  }

  private IntegratorSpec integratorOverride() {
    if (integrator == null && substeps == null) {
      return null;
    }
    String method = integrator == null ? IntegratorSpec.RK4 : integrator;
    try {
      return new IntegratorSpec(method, substeps, null, null);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--integrator/--substeps: " + e.getMessage(), e);
    }
  }

  private Policy policy(Scenario s) {
    int sources =
        (controller != null ? 1 : 0) + (constants.isEmpty() ? 0 : 1) + (actions != null ? 1 : 0);
    if (sources > 1) {
      throw new IllegalArgumentException("give only one of --controller, --constant, --actions");
    }
    if (!constants.isEmpty()) {
      return ActionSource.constant(s.actionSpace(), s.initialInput(), constants);
    }
    if (actions != null) {
      return ActionSource.schedule(
          actions, s.actionSpace(), s.initialInput(), s.controlInterval(), s.model().timeUnit());
    }
    if (controller == null || controller.equals("pid")) {
      return s.baselineController();
    }
    throw new IllegalArgumentException("unknown controller '" + controller + "'; available: pid");
  }
}
