package org.safeloop.experiments.report;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.ScenarioSpec.ConstraintSpec;
import org.safeloop.experiments.compare.Comparison.Run;
import org.safeloop.experiments.evaluate.EvaluationSummary;
import org.safeloop.experiments.evaluate.Evaluator;
import org.safeloop.experiments.evaluate.PolicySource;
import org.safeloop.experiments.run.RunDirectory;

/**
 * The report's closed-loop episodes: evaluates one episode of a run or a baseline into the report
 * folder ({@code trajectories/<scenario>/<run or baselines>/}) and draws the trajectories and the
 * shield's verdicts. Not thread-safe.
 */
final class ClosedLoop {
  /**
   * One evaluated episode.
   *
   * @param name the legend entry, e.g. {@code ppo seed 1} or {@code pid}
   * @param summary its evaluation figures
   * @param trajectory its recorded steps
   * @param colour its colour in every chart
   */
  record Episode(String name, EvaluationSummary summary, Trajectory trajectory, Color colour) {}

  private final Path out;
  private final Html html;
  private final Figures figures;
  private final Consumer<String> progress;

  ClosedLoop(Path out, Html html, Figures figures, Consumer<String> progress) {
    this.out = out;
    this.html = html;
    this.figures = figures;
    this.progress = progress;
  }

  /**
   * Evaluates one episode of {@code run}'s final policy as its evaluation did: first evaluation
   * seed, its realism, through its shield if it had one; {@code colour} draws it.
   */
  Episode run(Run run, Color colour) {
    return evaluate(
        run.label() + " seed " + run.info().seed(),
        colour,
        run,
        PolicySource.of(
            run.dir().resolve(RunDirectory.POLICY).toString(), run.experiment().scenario()),
        run.evaluation().realism(),
        run.experiment().spec().shield(),
        run.dir().getFileName().toString());
  }

  /**
   * Evaluates one episode of a baseline on the episode {@code like} was evaluated on: under its
   * realism and shield, as the comparison does, except for the oracles (with and without preview),
   * which run noise-free and unshielded.
   */
  Episode baseline(String name, Run like) {
    PolicySource source = PolicySource.of(name, like.experiment().scenario());
    boolean oracle = source.oracle();
    return evaluate(
        name,
        Charts.colour(name, 0),
        like,
        source,
        !oracle && like.evaluation().realism(),
        oracle ? null : like.experiment().spec().shield(),
        "baselines");
  }

  /** Evaluates {@code source} on {@code like}'s first evaluation episode into a folder. */
  private Episode evaluate(
      String name,
      Color colour,
      Run like,
      PolicySource source,
      boolean realism,
      String shield,
      String folder) {
    long seed = like.evaluation().firstSeed();
    progress.accept("closed-loop episode " + seed + " of " + name);
    Path dir =
        out.resolve("trajectories")
            .resolve(Format.slug(like.info().scenario()))
            .resolve(Format.slug(folder));
    EvaluationSummary summary =
        Evaluator.evaluate(
            like.experiment().scenario(),
            source,
            new Evaluator.Settings(1, seed, realism, shield, dir));
    // Evaluator names the file after the policy's label and the episode's seed.
    Path file = dir.resolve(summary.policy() + "__episode-" + seed + ".csv");
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("the evaluation wrote no trajectory " + file);
    }
    return new Episode(name, summary, Trajectory.read(file), colour);
  }

  /**
   * Adds a table of the episodes' figures and a chart per tracked or constrained variable and per
   * input. The first episode gives the set points.
   */
  void trajectories(String scenarioName, Scenario scenario, List<Episode> episodes) {
    summaryTable(scenario, episodes);
    Trajectory reference = episodes.get(0).trajectory();
    for (SignalSpec state : plottedStates(scenario)) {
      List<Charts.Line> lines = new ArrayList<>();
      for (Episode e : episodes) {
        Trajectory t = e.trajectory();
        lines.add(
            new Charts.Line(
                e.name(), t.endMinutes(), t.numbers(state.columnName()), e.colour(), false, false));
      }
      String setpoint = setpointColumn(scenario, state.name());
      if (setpoint != null) {
        lines.add(
            new Charts.Line(
                "set point",
                reference.endMinutes(),
                reference.numbers(setpoint),
                Color.BLACK,
                true,
                true));
      }
      List<Charts.Limit> limits = constraintLimits(scenario, state);
      timeFigure(
          "trajectory-" + scenarioName,
          state,
          "true value",
          episodes,
          lines,
          limits,
          "The true value of "
              + state.name()
              + " (not the noisy measurement) at the end of each control step"
              + (setpoint != null
                  ? ", with its set point dashed (a step change is a new target): the closer"
                      + " and the sooner a line settles on it, the better"
                  : "; it has no set point (it is shown for its constraint)")
              + (limits.isEmpty()
                  ? "."
                  : ". The red dashed lines are the scenario's constraint limits: a line outside"
                      + " them is a violation."));
    }
    for (SignalSpec input : scenario.actionSpace().signals()) {
      List<Charts.Line> lines = new ArrayList<>();
      for (Episode e : episodes) {
        double[] u = e.trajectory().numbers(input.columnName());
        double[] held = Arrays.copyOf(u, u.length + 1); // the last move holds to the end
        held[u.length] = u[u.length - 1];
        lines.add(
            new Charts.Line(e.name(), e.trajectory().holdMinutes(), held, e.colour(), false, true));
      }
      timeFigure(
          "input-" + scenarioName,
          input,
          "applied input",
          episodes,
          lines,
          List.of(
              new Charts.Limit("actuator min " + Format.withUnit(input.min(), input), input.min()),
              new Charts.Limit("actuator max " + Format.withUnit(input.max(), input), input.max())),
          "The input "
              + input.name()
              + " applied to the process, held constant over each control step (a staircase),"
              + " after the shield and the actuator's limits and rate limit. The red dashed lines"
              + " are the actuator's range. Large, fast moves wear the actuator; a learned policy"
              + " that chatters between the limits is a warning sign even when its return is"
              + " good.");
    }
  }

  /** Adds a chart of one signal against time, in minutes, with its caption. */
  private void timeFigure(
      String filePrefix,
      SignalSpec signal,
      String what,
      List<Episode> episodes,
      List<Charts.Line> lines,
      List<Charts.Limit> limits,
      String caption) {
    String scenarioName = episodes.get(0).summary().scenario();
    String title =
        signal.name()
            + " ("
            + what
            + "), episode "
            + episodes.get(0).summary().firstSeed()
            + ", "
            + scenarioName;
    String file =
        figures.write(
            filePrefix + "-" + signal.name(),
            Charts.lines(title, "time (min)", Format.axisLabel(signal), lines, limits));
    html.figure(file, signal.name() + " against time", caption);
  }

  /** Adds the shield's verdict at each step of a shielded run's episode, and why it intervened. */
  void verdicts(String scenarioName, Run run, Episode episode) {
    Trajectory t = episode.trajectory();
    List<String> verdicts = t.text("shield_verdict");
    String file =
        figures.write(
            "shield-verdicts-" + scenarioName,
            Charts.verdicts(
                "Shield decisions, "
                    + episode.name()
                    + ", episode "
                    + episode.summary().firstSeed()
                    + ", "
                    + scenarioName,
                t.endMinutes(),
                verdicts));
    Map<String, Long> counts =
        verdicts.stream()
            .collect(Collectors.groupingBy(v -> v, TreeMap::new, Collectors.counting()));
    html.figure(
        file,
        "shield verdict at each control step",
        "What the shield did with the action the learned policy proposed at each control step of"
            + " one evaluation episode of run "
            + run.dir().getFileName()
            + ": accepted (applied as proposed), repaired (changed as little as needed to keep the"
            + " predicted trajectory within the limits), or fallback (replaced by the safe"
            + " fallback controller, e.g. because measurements were not trustworthy or no repair"
            + " was safe). Counts in this episode: "
            + Stream.of("accepted", "repaired", "fallback")
                .map(v -> v + " " + counts.getOrDefault(v, 0L))
                .collect(Collectors.joining(", "))
            + " of "
            + verdicts.size()
            + " steps. Many repairs mean the policy relies on the shield; fallbacks deserve a look"
            + " at the reasons.");

    Map<String, Long> reasons = new TreeMap<>();
    for (String reason : t.text("shield_reason")) {
      if (!reason.isBlank()) {
        int colon = reason.indexOf(':');
        reasons.merge(
            colon < 0 ? reason.strip() : reason.substring(0, colon).strip(), 1L, Long::sum);
      }
    }
    if (!reasons.isEmpty()) {
      html.table(
          List.of("shield reason (layer and rule)", "steps"),
          reasons.entrySet().stream()
              .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
              .map(e -> List.of(e.getKey(), Long.toString(e.getValue())))
              .toList(),
          null,
          1);
      html.howToRead(
          "Why the shield changed actions in this episode, by the layer and rule it gave,"
              + " most frequent first (the full reasons, e.g. the predicted crossing, are in the"
              + " episode's CSV under trajectories/).");
    }
  }

  private void summaryTable(Scenario scenario, List<Episode> episodes) {
    String timeUnit = scenario.model().timeUnit().symbol();
    List<String> header = new ArrayList<>(List.of("policy", "realism", "shield", "return"));
    for (String v : scenario.trackedVariables()) {
      header.add("IAE " + v + " (" + Format.unit(scenario, v) + " x " + timeUnit + ")");
    }
    header.add("violating steps");
    header.add("interventions (steps)");
    List<List<String>> rows = new ArrayList<>();
    for (Episode e : episodes) {
      EvaluationSummary s = e.summary();
      List<String> row = new ArrayList<>();
      row.add(e.name());
      row.add(s.realism() ? "on" : "off");
      row.add(s.shielded() ? "yes" : "no");
      row.add(Format.number(s.returnMedian()));
      for (String v : scenario.trackedVariables()) {
        row.add(Format.number(s.tracking().get(v).iae()));
      }
      row.add(Long.toString(s.violatingSteps()));
      row.add(Long.toString(s.interventions()));
      rows.add(row);
    }
    html.table(header, rows, null, IntStream.range(3, header.size()).toArray());
    html.howToRead(
        "Figures of this one episode: its return (higher is better), the integral of the absolute"
            + " tracking error (IAE: true value against set point over time; lower is better), the"
            + " steps with a constraint violated and the steps where the shield changed the"
            + " action.");
  }

  /** The tracked and the constrained states, in state order. */
  private static List<SignalSpec> plottedStates(Scenario scenario) {
    Set<String> names = new HashSet<>(scenario.trackedVariables());
    scenario.constraints().forEach(c -> names.add(c.variable()));
    return scenario.stateSpace().signals().stream().filter(s -> names.contains(s.name())).toList();
  }

  /** The CSV column of a variable's set point, or null when it has none. */
  private static String setpointColumn(Scenario scenario, String variable) {
    int i = scenario.observationSpace().indexOf(variable + "_setpoint");
    return i < 0 ? null : scenario.observationSpace().get(i).columnName();
  }

  private static List<Charts.Limit> constraintLimits(Scenario scenario, SignalSpec state) {
    List<Charts.Limit> limits = new ArrayList<>();
    for (ConstraintSpec c : scenario.constraints()) {
      if (c.variable().equals(state.name())) {
        if (c.min() != null) {
          limits.add(
              new Charts.Limit(c.name() + " min " + Format.withUnit(c.min(), state), c.min()));
        }
        if (c.max() != null) {
          limits.add(
              new Charts.Limit(c.name() + " max " + Format.withUnit(c.max(), state), c.max()));
        }
      }
    }
    return limits;
  }
}
