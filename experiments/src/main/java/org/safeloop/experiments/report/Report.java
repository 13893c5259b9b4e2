package org.safeloop.experiments.report;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jfree.chart.JFreeChart;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.ScenarioSpec.ConstraintSpec;
import org.safeloop.experiments.compare.Comparison;
import org.safeloop.experiments.compare.Comparison.Run;
import org.safeloop.experiments.evaluate.EvaluationSummary;
import org.safeloop.experiments.evaluate.Evaluator;
import org.safeloop.experiments.evaluate.PolicySource;
import org.safeloop.experiments.run.RunDirectory;
import org.safeloop.experiments.run.RunInfo;

/**
 * A self-contained HTML report on training runs, for a control engineer who has not read the code:
 * {@value #PAGE} with the PNG charts it shows beside it, no network and no JavaScript. It holds the
 * runs' provenance, the comparison table ({@link Comparison}), learning curves with their spread
 * over seeds, closed-loop trajectories of the best run beside the baselines, the shield's
 * decisions, and histograms of the evaluation returns; each figure and table says how to read it.
 *
 * <p>The trajectories come from evaluating one episode of the best run and of each baseline into
 * the report folder ({@code trajectories/}), on the run's first evaluation seed and, except for the
 * oracle, under the run's evaluation conditions. The same inputs give the same report: nothing in
 * it depends on the time it was made. Not thread-safe; one report at a time per folder.
 */
public final class Report {
  /** The page's file name inside the report folder. */
  public static final String PAGE = "report.html";

  /** The most bins a learning curve has over the training budget. */
  static final int MAX_BINS = 40;

  private static final int HASH_CHARS = 12;

  private static final Map<String, String> BASELINE_MEANING =
      Map.of(
          "pid",
          "pid: the scenario's own PI loops, as a plant would run them today",
          "pid-simc",
          "pid-simc: PI loops tuned by the SIMC rules from a step test on the process model",
          "oracle",
          "oracle: nonlinear model-predictive control with the nominal model, the true state and"
              + " the set points known in advance; an upper bound on what any controller can"
              + " reach, not a deployable controller");

  private final Path out;
  private final Comparison comparison;
  private final List<String> baselines;
  private final Consumer<String> progress;
  private final Html html;
  private final Set<String> files = new HashSet<>();

  private Report(
      Path out, Comparison comparison, List<String> baselines, Consumer<String> progress) {
    this.out = out;
    this.comparison = comparison;
    this.baselines = baselines;
    this.progress = progress;
    this.html = new Html("SafeLoop report: " + String.join(", ", scenarios(comparison).keySet()));
  }

  /**
   * Writes a report on {@code runs} into {@code out}.
   *
   * @param runs run directories, or folders holding run directories; only completed runs with an
   *     evaluation are reported, the others are listed as left out
   * @param baselines baselines to compare with ({@link PolicySource#BASELINES})
   * @param out the report folder, created if missing; files of an earlier report there are replaced
   * @return the page, {@code out/}{@value #PAGE}
   * @throws IllegalArgumentException when there is no completed run or a baseline is unknown
   */
  public static Path write(List<Path> runs, List<String> baselines, Path out) {
    return write(runs, baselines, out, message -> {});
  }

  /**
   * Writes a report on {@code runs} into {@code out}, telling {@code progress} what it is doing
   * (the baselines' evaluation can take minutes).
   *
   * @see #write(List, List, Path)
   */
  public static Path write(
      List<Path> runs, List<String> baselines, Path out, Consumer<String> progress) {
    progress.accept("reading the runs and evaluating the baselines " + baselines);
    Comparison comparison = Comparison.of(runs, baselines, null);
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the report folder " + out, e);
    }
    Report report = new Report(out, comparison, List.copyOf(baselines), progress);
    report.header(leftOut(runs, comparison));
    report.comparisonTable();
    Map<String, List<Run>> byScenario = scenarios(comparison);
    report.html.section("3. Learning curves");
    byScenario.forEach(report::learningCurves);
    report.html.section("4. Closed-loop trajectories of the best run");
    Map<String, Map<String, Trajectory>> trajectories = new LinkedHashMap<>();
    byScenario.forEach((s, r) -> trajectories.put(s, report.trajectories(s, r)));
    report.html.section("5. Shield interventions");
    byScenario.forEach((s, r) -> report.shield(s, r, trajectories.get(s)));
    report.html.section("6. Evaluation returns");
    byScenario.forEach(report::histogram);
    Path page = out.resolve(PAGE);
    try {
      Files.writeString(page, report.html.page(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + page, e);
    }
    return page;
  }

  // ---- 1. header and provenance -------------------------------------------------------------

  private void header(List<Path> leftOut) {
    Map<String, List<Run>> byScenario = scenarios(comparison);
    List<String> compared = new ArrayList<>();
    for (Map.Entry<String, List<Run>> e : byScenario.entrySet()) {
      Scenario scenario = e.getValue().get(0).experiment().scenario();
      String unit = scenario.model().timeUnit().symbol();
      StringBuilder item = new StringBuilder(e.getKey() + ": ");
      labels(e.getValue())
          .forEach(
              (label, runs) ->
                  item.append(label)
                      .append(runs.size() == 1 ? " (seed " : " (seeds ")
                      .append(
                          runs.stream()
                              .map(r -> Long.toString(r.info().seed()))
                              .collect(Collectors.joining(", ")))
                      .append("), "));
      EvaluationSummary eval = e.getValue().get(0).evaluation();
      item.append(
          String.format(
              Locale.ROOT,
              "each evaluated on %d episodes of %d control steps of %s %s from episode seed %d,"
                  + " realism %s. ",
              eval.episodes(),
              scenario.episodeSteps(),
              number(scenario.controlInterval()),
              unit,
              eval.firstSeed(),
              eval.realism() ? "on (sensor noise, disturbances, parameter uncertainty)" : "off"));
      String description = scenario.spec().description();
      if (description != null && !description.isBlank()) {
        item.append("Scenario: ").append(description.strip());
      }
      compared.add(item.toString());
    }
    html.paragraph(
        "This report compares "
            + comparison.runs().size()
            + " training run(s) of learned controllers with each other and with baseline"
            + " controllers, in closed loop on simulated processes.");
    html.list(compared);
    if (!baselines.isEmpty()) {
      html.paragraph("Baselines:");
      html.list(baselines.stream().map(b -> BASELINE_MEANING.getOrDefault(b, b)).toList());
    }

    html.section("1. Runs (provenance)");
    List<List<String>> rows = new ArrayList<>();
    for (Run r : comparison.runs()) {
      RunInfo i = r.info();
      rows.add(
          List.of(
              r.dir().getFileName().toString(),
              r.label(),
              Long.toString(i.seed()),
              shortHash(i.configHash()),
              i.codeVersion(),
              i.status(),
              i.environmentSteps() + " / " + i.plannedSteps(),
              Long.toString(i.episodes()),
              String.format(Locale.ROOT, "%.1f s", i.wallSeconds()),
              number(r.evaluation().returnMedian())));
    }
    html.table(
        List.of(
            "run directory",
            "policy",
            "seed",
            "config hash",
            "code version",
            "status",
            "steps (done / planned)",
            "training episodes",
            "training wall time",
            "median eval. return"),
        rows,
        null,
        2,
        6,
        7,
        8,
        9);
    html.howToRead(
        "One row per training run. The config hash (first "
            + HASH_CHARS
            + " hex digits of a SHA-256) identifies the resolved experiment without its seed: runs"
            + " with the same hash differ only in their seed. The code version is the SafeLoop"
            + " build and git commit that trained the run. Steps are environment steps (control"
            + " intervals) of training; the wall time excludes the evaluation. The median"
            + " evaluation return is over the run's evaluation episodes (higher is better).");
    for (Path dir : leftOut) {
      RunInfo i = RunDirectory.info(dir);
      html.note(
          "Left out: "
              + dir.getFileName()
              + " (status "
              + i.status()
              + (i.message().isEmpty() ? "" : ": " + i.message())
              + "): only completed runs with an evaluation are reported.");
    }
  }

  // ---- 2. comparison table ------------------------------------------------------------------

  private void comparisonTable() {
    html.section("2. Comparison");
    List<List<String>> rows = new ArrayList<>();
    List<String> classes = new ArrayList<>();
    for (Comparison.Row r : comparison.rows()) {
      rows.add(
          List.of(
              r.scenario(),
              r.label(),
              r.baseline() ? "-" : Integer.toString(r.runs()),
              fixed(r.medianReturn(), 2),
              fixed(r.madReturn(), 2),
              fixed(r.gapPerStep(), 3),
              Long.toString(r.violatingSteps()),
              Double.isNaN(r.interventionRate())
                  ? "n/a"
                  : String.format(Locale.ROOT, "%.1f %%", 100 * r.interventionRate()),
              r.baseline() ? "-" : String.format(Locale.ROOT, "%.0f s", r.wallSeconds())));
      classes.add(r.baseline() ? "baseline" : "");
    }
    html.table(
        List.of(
            "scenario",
            "policy",
            "seeds",
            "median return",
            "MAD",
            "gap / step",
            "violating steps",
            "interventions",
            "training wall time"),
        rows,
        classes,
        2,
        3,
        4,
        5,
        6,
        7,
        8);
    html.howToRead(
        "One row per learned policy (all its seeds together) and per baseline (shaded). The"
            + " return is the sum of the scenario's rewards over an episode: negative, and higher"
            + " (closer to 0) is better. For a learned policy, each seed's figure is the median"
            + " over its evaluation episodes, and the median return and its MAD (median absolute"
            + " deviation) are taken over seeds; a baseline's are over the same evaluation"
            + " episodes. The optimality gap per step follows pc-gym: (median oracle return -"
            + " median policy return) / episode length in control steps, so 0 means as good as the"
            + " oracle and the gap is in reward units per control step. The oracle always runs"
            + " noise-free on the true state (no sensor noise, no disturbance estimate needed),"
            + " so with realism on the gap includes what noise costs. Violating steps are"
            + " evaluation steps with a constraint of the scenario violated, summed over runs."
            + " Interventions are the share of steps where the shield changed the proposed"
            + " action (median over runs). A policy trained with the shield (+shield) is"
            + " evaluated through it, and so are the baselines other than the oracle.");
    comparison
        .baselines()
        .forEach(
            (scenario, evaluated) -> {
              EvaluationSummary oracle = evaluated.get("oracle");
              if (oracle != null && oracle.violatingSteps() > 0) {
                html.note(
                    "On "
                        + scenario
                        + " the oracle itself violated a constraint in "
                        + oracle.violatingSteps()
                        + " of its "
                        + (long) oracle.episodes() * oracle.episodeSteps()
                        + " evaluation steps: it optimises the reward, not the constraints, so"
                        + " its return is not reachable by a controller that keeps the limits"
                        + " and the gap overstates what is left to gain safely.");
              }
            });
  }

  // ---- 3. learning curves -------------------------------------------------------------------

  private void learningCurves(String scenarioName, List<Run> runs) {
    progress.accept("learning curves of " + scenarioName);
    html.subsection("Scenario " + scenarioName);
    Scenario scenario = runs.get(0).experiment().scenario();
    long budget = runs.stream().mapToLong(r -> r.info().plannedSteps()).max().orElse(1);
    Map<String, List<Run>> labels = labels(runs);
    Map<String, List<LearningCurves.Episodes>> returns = series(labels, "episode_return");
    Map<String, List<LearningCurves.Episodes>> costs = series(labels, "episode_cost");
    int bins =
        LearningCurves.binCount(returns.values().stream().flatMap(List::stream).toList(), MAX_BINS);
    String binText =
        String.format(
            Locale.ROOT,
            "The %d training steps are cut into %d equal bins of %.0f steps; each seed's episodes"
                + " that finished in a bin are averaged, and the line is the median of these"
                + " averages over seeds, the shaded band their range from the lowest to the"
                + " highest seed (a single seed has no band). Bins where no episode finished are"
                + " skipped.",
            budget,
            bins,
            (double) budget / bins);

    String file = figure("learning-return-" + scenarioName);
    chart(
        Charts.bands(
            "Training episode return, " + scenarioName,
            "environment steps (control intervals)",
            "episode return (reward units, higher is better)",
            bands(returns, budget, bins),
            false),
        file);
    html.figure(
        file,
        "training return against environment steps",
        "How the return of the training episodes grew with experience. "
            + binText
            + " Training returns are noisier than evaluation returns: the policy still explores"
            + " (actions are sampled), training may run with realism on, and a shielded run's"
            + " return includes the penalty for each shield intervention.");

    boolean anyCost =
        !scenario.constraints().isEmpty()
            || costs.values().stream()
                .flatMap(List::stream)
                .anyMatch(e -> Arrays.stream(e.values()).anyMatch(c -> c != 0));
    if (!anyCost) {
      html.paragraph(
          "The scenario has no constraints and no training episode had a cost, so there is no"
              + " cost curve.");
      return;
    }
    String costFile = figure("learning-cost-" + scenarioName);
    chart(
        Charts.bands(
            "Training episode cost, " + scenarioName,
            "environment steps (control intervals)",
            "episode cost (" + costUnit(scenario) + ", lower is better)",
            bands(costs, budget, bins),
            true),
        costFile);
    html.figure(
        costFile,
        "training cost against environment steps",
        "How much the training episodes violated the constraints ("
            + constraintText(scenario)
            + "): an episode's cost is its violation summed over its steps (how far outside the"
            + " limit, in the variable's unit, at each step), so 0 means no violation. A shield"
            + " whose penalty includes a cost adds it here too. "
            + binText);
  }

  private Map<String, List<LearningCurves.Episodes>> series(
      Map<String, List<Run>> labels, String column) {
    Map<String, List<LearningCurves.Episodes>> out = new LinkedHashMap<>();
    labels.forEach(
        (label, runs) ->
            out.put(
                label,
                runs.stream()
                    .map(r -> LearningCurves.read(r.dir().resolve(RunDirectory.METRICS), column))
                    .toList()));
    return out;
  }

  private static List<Charts.Band> bands(
      Map<String, List<LearningCurves.Episodes>> series, long budget, int bins) {
    List<Charts.Band> bands = new ArrayList<>();
    int index = 0;
    for (Map.Entry<String, List<LearningCurves.Episodes>> e : series.entrySet()) {
      int seeds = e.getValue().size();
      bands.add(
          new Charts.Band(
              e.getKey() + (seeds == 1 ? " (1 seed)" : " (median of " + seeds + " seeds, min-max)"),
              LearningCurves.bin(e.getValue(), budget, bins),
              Charts.colour(e.getKey(), index++)));
    }
    return bands;
  }

  // ---- 4. trajectories ----------------------------------------------------------------------

  /** Evaluates and draws one episode of the best run and of each baseline; returns them by name. */
  private Map<String, Trajectory> trajectories(String scenarioName, List<Run> runs) {
    html.subsection("Scenario " + scenarioName);
    Scenario scenario = runs.get(0).experiment().scenario();
    Run best = best(runs);
    long seed = best.evaluation().firstSeed();
    progress.accept("closed-loop episode " + seed + " of " + best.dir().getFileName());
    Map<String, Trajectory> episodes = new LinkedHashMap<>();
    Map<String, EvaluationSummary> summaries = new LinkedHashMap<>();
    Map<String, Color> colours = new LinkedHashMap<>();
    String bestName = best.label() + " seed " + best.info().seed();
    summaries.put(bestName, evaluateRun(best, scenario));
    episodes.put(bestName, episode(best, scenario));
    colours.put(bestName, Charts.colour("", 0));
    for (String baseline : baselines) {
      if (comparison.baselines().get(scenarioName).get(baseline) == null) {
        html.note(baseline + " does not apply to " + scenarioName + ": it is not drawn.");
        continue;
      }
      progress.accept("closed-loop episode " + seed + " of " + baseline);
      boolean oracle = baseline.equals("oracle");
      Path dir = trajectoryDir(scenarioName, "baselines");
      summaries.put(
          baseline,
          Evaluator.evaluate(
              scenario,
              PolicySource.of(baseline, scenario),
              new Evaluator.Settings(
                  1,
                  seed,
                  !oracle && best.evaluation().realism(),
                  oracle ? null : best.experiment().spec().shield(),
                  dir)));
      episodes.put(baseline, Trajectory.read(episodeFile(dir, baseline, seed)));
      colours.put(baseline, Charts.colour(baseline, 0));
    }

    html.paragraph(
        String.format(
            Locale.ROOT,
            "The best run is %s (highest median evaluation return, %s). Below, its policy and"
                + " the baselines each run episode %d: the same set points, and with realism on the"
                + " same noise and disturbances. %s The oracle runs noise-free on the true state."
                + " The episodes are saved as CSV under trajectories/ beside this page.",
            best.dir().getFileName(),
            number(best.evaluation().returnMedian()),
            seed,
            conditions(best)));
    List<List<String>> rows = new ArrayList<>();
    for (Map.Entry<String, EvaluationSummary> e : summaries.entrySet()) {
      EvaluationSummary s = e.getValue();
      List<String> row = new ArrayList<>();
      row.add(e.getKey());
      row.add(s.realism() ? "on" : "off");
      row.add(s.shielded() ? "yes" : "no");
      row.add(number(s.returnMedian()));
      for (EvaluationSummary.Tracking t : s.tracking().values()) {
        row.add(number(t.iae()));
      }
      row.add(Long.toString(s.violatingSteps()));
      row.add(Long.toString(s.interventions()));
      rows.add(row);
    }
    String timeUnit = scenario.model().timeUnit().symbol();
    List<String> header = new ArrayList<>(List.of("policy", "realism", "shield", "return"));
    for (String v : scenario.trackedVariables()) {
      header.add("IAE " + v + " (" + unitOf(scenario, v) + " x " + timeUnit + ")");
    }
    header.add("violating steps");
    header.add("interventions (steps)");
    html.table(header, rows, null, IntStream.range(3, header.size()).toArray());
    html.howToRead(
        "Figures of this one episode: its return (higher is better), the integral of the absolute"
            + " tracking error (IAE, true value against set point; lower is better), the steps"
            + " with a constraint violated and the steps where the shield changed the action.");

    Trajectory reference = episodes.get(bestName);
    double[] minutes = reference.endMinutes();
    for (SignalSpec state : plottedStates(scenario)) {
      List<Charts.Line> lines = new ArrayList<>();
      episodes.forEach(
          (name, t) ->
              lines.add(
                  new Charts.Line(
                      name,
                      t.endMinutes(),
                      t.numbers(state.columnName()),
                      colours.get(name),
                      false,
                      false)));
      String setpointColumn = setpointColumn(scenario, state.name());
      if (setpointColumn != null && reference.has(setpointColumn)) {
        lines.add(
            new Charts.Line(
                "set point", minutes, reference.numbers(setpointColumn), Color.BLACK, true, true));
      }
      List<Charts.Limit> limits = new ArrayList<>();
      for (ConstraintSpec c : scenario.constraints()) {
        if (c.variable().equals(state.name())) {
          if (c.min() != null) {
            limits.add(new Charts.Limit(c.name() + " min " + withUnit(c.min(), state), c.min()));
          }
          if (c.max() != null) {
            limits.add(new Charts.Limit(c.name() + " max " + withUnit(c.max(), state), c.max()));
          }
        }
      }
      String file = figure("trajectory-" + scenarioName + "-" + state.name());
      chart(
          Charts.lines(
              state.name() + " (true value), episode " + seed + ", " + scenarioName,
              "time (min)",
              axisLabel(state),
              lines,
              limits),
          file);
      html.figure(
          file,
          state.name() + " against time",
          "The true value of "
              + state.name()
              + " (not the noisy measurement) at the end of each control step"
              + (setpointColumn != null
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
      episodes.forEach(
          (name, t) -> {
            double[] u = t.numbers(input.columnName());
            double[] held = Arrays.copyOf(u, u.length + 1);
            held[u.length] = u[u.length - 1];
            lines.add(new Charts.Line(name, t.holdMinutes(), held, colours.get(name), false, true));
          });
      List<Charts.Limit> limits =
          List.of(
              new Charts.Limit("actuator min " + withUnit(input.min(), input), input.min()),
              new Charts.Limit("actuator max " + withUnit(input.max(), input), input.max()));
      String file = figure("input-" + scenarioName + "-" + input.name());
      chart(
          Charts.lines(
              input.name() + " (applied input), episode " + seed + ", " + scenarioName,
              "time (min)",
              axisLabel(input),
              lines,
              limits),
          file);
      html.figure(
          file,
          input.name() + " against time",
          "The input "
              + input.name()
              + " applied to the process, held constant over each control step (a staircase),"
              + " after the shield and the actuator's limits and rate limit. The red dashed lines"
              + " are the actuator's range. Large, fast moves wear the actuator; a learned policy"
              + " that chatters between the limits is a warning sign even when its return is"
              + " good.");
    }
    return episodes;
  }

  private EvaluationSummary evaluateRun(Run run, Scenario scenario) {
    EvaluationSummary eval = run.evaluation();
    return Evaluator.evaluate(
        scenario,
        PolicySource.of(run.dir().resolve(RunDirectory.POLICY).toString(), scenario),
        new Evaluator.Settings(
            1,
            eval.firstSeed(),
            eval.realism(),
            run.experiment().spec().shield(),
            trajectoryDir(run.info().scenario(), run.dir().getFileName().toString())));
  }

  /** Reads the episode {@link #evaluateRun} wrote for {@code run}. */
  private Trajectory episode(Run run, Scenario scenario) {
    PolicySource source =
        PolicySource.of(run.dir().resolve(RunDirectory.POLICY).toString(), scenario);
    return Trajectory.read(
        episodeFile(
            trajectoryDir(run.info().scenario(), run.dir().getFileName().toString()),
            source.label(),
            run.evaluation().firstSeed()));
  }

  private Path trajectoryDir(String scenarioName, String name) {
    return out.resolve("trajectories").resolve(slug(scenarioName)).resolve(slug(name));
  }

  /** The file {@link Evaluator} writes for one episode. */
  private static Path episodeFile(Path dir, String label, long seed) {
    Path file = dir.resolve(label + "__episode-" + seed + ".csv");
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("the evaluation wrote no trajectory " + file);
    }
    return file;
  }

  // ---- 5. shield ----------------------------------------------------------------------------

  private void shield(String scenarioName, List<Run> runs, Map<String, Trajectory> episodes) {
    html.subsection("Scenario " + scenarioName);
    List<Run> shielded = runs.stream().filter(r -> r.info().shielded()).toList();
    if (shielded.isEmpty()) {
      html.paragraph("No run of " + scenarioName + " was trained with a shield.");
      return;
    }
    Scenario scenario = runs.get(0).experiment().scenario();
    Run best = best(shielded);
    Trajectory episode;
    if (best == best(runs)) {
      episode = episodes.values().iterator().next();
    } else {
      progress.accept("closed-loop episode of " + best.dir().getFileName());
      evaluateRun(best, scenario);
      episode = episode(best, scenario);
    }
    long seed = best.evaluation().firstSeed();
    List<String> verdicts = episode.text("shield_verdict");
    String file = figure("shield-verdicts-" + scenarioName);
    chart(
        Charts.verdicts(
            "Shield decisions, "
                + best.label()
                + " seed "
                + best.info().seed()
                + ", episode "
                + seed,
            episode.endMinutes(),
            verdicts),
        file);
    Map<String, Long> counts =
        verdicts.stream()
            .collect(Collectors.groupingBy(v -> v, TreeMap::new, Collectors.counting()));
    html.figure(
        file,
        "shield verdict at each control step",
        "What the shield did with the action the learned policy proposed at each control step of"
            + " the evaluation episode shown in section 4 (run "
            + best.dir().getFileName()
            + "): accepted (applied as proposed), repaired (changed as little as needed to keep the"
            + " predicted trajectory within the limits), or fallback (replaced by the safe"
            + " fallback controller, e.g. because measurements were not trustworthy or no repair"
            + " was safe). Counts in this episode: "
            + Stream.of("accepted", "repaired", "fallback")
                .map(v -> v + " " + counts.getOrDefault(v, 0L))
                .collect(Collectors.joining(", "))
            + " of "
            + verdicts.size()
            + " steps. Many repairs mean the policy relies on the shield; fallbacks deserve a look at"
            + " the reasons below.");

    Map<String, Long> reasons = new TreeMap<>();
    for (String reason : episode.text("shield_reason")) {
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
          "Why the shield changed actions in this episode, by the layer and rule it gave"
              + " (the full reasons, with the predicted crossing, are in the episode CSV).");
    }

    Map<String, List<Run>> labels = labels(shielded);
    Map<String, List<LearningCurves.Episodes>> interventions =
        series(labels, "shield_interventions");
    long budget = shielded.stream().mapToLong(r -> r.info().plannedSteps()).max().orElse(1);
    int bins =
        LearningCurves.binCount(
            interventions.values().stream().flatMap(List::stream).toList(), MAX_BINS);
    String trainingFile = figure("shield-training-" + scenarioName);
    chart(
        Charts.bands(
            "Shield interventions during training, " + scenarioName,
            "environment steps (control intervals)",
            "interventions per episode (steps)",
            bands(interventions, budget, bins),
            true),
        trainingFile);
    html.figure(
        trainingFile,
        "shield interventions per training episode against environment steps",
        "How many steps of each training episode the shield changed the proposed action, as"
            + " training went on (median over seeds, band from the lowest to the highest seed, "
            + bins
            + " bins over "
            + budget
            + " steps). A falling curve means the agent learned to propose safe actions itself"
            + " and needs the shield less.");
  }

  // ---- 6. histogram -------------------------------------------------------------------------

  private void histogram(String scenarioName, List<Run> runs) {
    html.subsection("Scenario " + scenarioName);
    Map<String, double[]> samples = new LinkedHashMap<>();
    Map<String, Color> colours = new LinkedHashMap<>();
    int index = 0;
    for (Map.Entry<String, List<Run>> e : labels(runs).entrySet()) {
      samples.put(
          e.getKey(),
          e.getValue().stream()
              .flatMapToDouble(r -> Arrays.stream(r.evaluation().returns()))
              .toArray());
      colours.put(e.getKey(), Charts.colour(e.getKey(), index++));
    }
    comparison
        .baselines()
        .get(scenarioName)
        .forEach(
            (name, s) -> {
              if (s != null) {
                samples.put(name, s.returns());
                colours.put(name, Charts.colour(name, 0));
              }
            });
    String file = figure("returns-" + scenarioName);
    chart(
        Charts.histogram(
            "Evaluation returns, " + scenarioName,
            "episode return (reward units, higher is better)",
            samples,
            colours),
        file);
    html.figure(
        file,
        "histogram of evaluation episode returns",
        "How the evaluation returns spread: for each learned policy all evaluation episodes of"
            + " all its seeds together, for each baseline its evaluation episodes, counted in "
            + Charts.HISTOGRAM_BINS
            + " equal bins of return. A narrow cluster to the right is good; a long tail to the"
            + " left means some episodes (set-point sequences, disturbances) go badly. The oracle"
            + " runs noise-free, so with realism on its bars are not under the same conditions.");
  }

  // ---- helpers ------------------------------------------------------------------------------

  private void chart(JFreeChart chart, String file) {
    Charts.writePng(chart, out.resolve(file));
  }

  /** Returns a new PNG file name made from {@code name}, distinct from those used before. */
  private String figure(String name) {
    String base = slug(name);
    String file = base + ".png";
    for (int n = 2; !files.add(file); n++) {
      file = base + "-" + n + ".png";
    }
    return file;
  }

  /** Makes a file-name-safe version of {@code name}. */
  static String slug(String name) {
    String s = name.replaceAll("[^A-Za-z0-9._-]+", "-").replaceAll("^[-.]+|-+$", "");
    return s.isEmpty() ? "x" : s;
  }

  private static Map<String, List<Run>> scenarios(Comparison comparison) {
    Map<String, List<Run>> out = new LinkedHashMap<>();
    for (Run r : comparison.runs()) {
      out.computeIfAbsent(r.info().scenario(), k -> new ArrayList<>()).add(r);
    }
    return out;
  }

  private static Map<String, List<Run>> labels(List<Run> runs) {
    Map<String, List<Run>> out = new LinkedHashMap<>();
    for (Run r : runs) {
      out.computeIfAbsent(r.label(), k -> new ArrayList<>()).add(r);
    }
    return out;
  }

  /** The run with the highest median evaluation return; the first by name on a tie. */
  private static Run best(List<Run> runs) {
    Run best = runs.get(0);
    for (Run r : runs) {
      if (r.evaluation().returnMedian() > best.evaluation().returnMedian()) {
        best = r;
      }
    }
    return best;
  }

  /** The run directories under {@code paths} that the comparison left out (not completed). */
  private static List<Path> leftOut(List<Path> paths, Comparison comparison) {
    Set<Path> used = new HashSet<>();
    comparison.runs().forEach(r -> used.add(r.dir().toAbsolutePath().normalize()));
    List<Path> out = new ArrayList<>();
    for (Path p : paths) {
      try (Stream<Path> candidates = RunDirectory.isRun(p) ? Stream.of(p) : Files.list(p)) {
        candidates
            .filter(RunDirectory::isRun)
            .filter(d -> !used.contains(d.toAbsolutePath().normalize()))
            .sorted()
            .forEach(out::add);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + p, e);
      }
    }
    return out;
  }

  private static List<SignalSpec> plottedStates(Scenario scenario) {
    Set<String> names = new HashSet<>(scenario.trackedVariables());
    scenario.constraints().forEach(c -> names.add(c.variable()));
    return scenario.stateSpace().signals().stream().filter(s -> names.contains(s.name())).toList();
  }

  private static String setpointColumn(Scenario scenario, String variable) {
    int i = scenario.observationSpace().indexOf(variable + "_setpoint");
    return i < 0 ? null : scenario.observationSpace().get(i).columnName();
  }

  private static String unitOf(Scenario scenario, String variable) {
    int i = scenario.stateSpace().indexOf(variable);
    String unit = i < 0 ? "" : scenario.stateSpace().get(i).unit();
    return unit.isEmpty() ? "dimensionless" : unit;
  }

  private static String withUnit(double value, SignalSpec s) {
    return s.unit().isEmpty() ? number(value) : number(value) + " " + s.unit();
  }

  private static String axisLabel(SignalSpec s) {
    return s.name() + " (" + (s.unit().isEmpty() ? "dimensionless" : s.unit()) + ")";
  }

  private static String costUnit(Scenario scenario) {
    List<String> units =
        scenario.constraints().stream()
            .map(c -> unitOf(scenario, c.variable()))
            .distinct()
            .toList();
    return units.size() == 1 ? units.get(0) + " x steps" : "constrained variables' units x steps";
  }

  private static String constraintText(Scenario scenario) {
    if (scenario.constraints().isEmpty()) {
      return "the scenario itself has none";
    }
    return scenario.constraints().stream()
        .map(
            c ->
                (c.min() == null ? "" : number(c.min()) + " <= ")
                    + c.variable()
                    + (c.max() == null ? "" : " <= " + number(c.max()))
                    + " "
                    + unitOf(scenario, c.variable()))
        .collect(Collectors.joining(", "));
  }

  private static String conditions(Run run) {
    EvaluationSummary e = run.evaluation();
    return "The learned policy and the PI baselines run with realism "
        + (e.realism() ? "on" : "off")
        + (e.shielded() ? " and through the run's shield, as in the comparison." : ".");
  }

  private static String shortHash(String hash) {
    return hash.length() <= HASH_CHARS ? hash : hash.substring(0, HASH_CHARS);
  }

  private static String fixed(double x, int decimals) {
    return Double.isNaN(x) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", x);
  }

  /** Four significant digits, without exponent for everyday magnitudes. */
  static String number(double x) {
    if (Double.isNaN(x)) {
      return "n/a";
    }
    String s = String.format(Locale.ROOT, "%.4g", x);
    if (s.contains("e")) {
      return s;
    }
    return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }
}
