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
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.experiments.compare.Comparison;
import org.safeloop.experiments.compare.Comparison.Run;
import org.safeloop.experiments.evaluate.EvaluationSummary;
import org.safeloop.experiments.evaluate.PolicySource;
import org.safeloop.experiments.evaluate.Stats;
import org.safeloop.experiments.run.RunDirectory;
import org.safeloop.experiments.run.RunInfo;

/**
 * A self-contained HTML report on training runs, for a control engineer who has not read the code:
 * {@value #PAGE} with the PNG charts it shows beside it, no network and no JavaScript. In order:
 * what was compared and each run's provenance, the comparison table ({@link Comparison}), learning
 * curves with their spread over seeds, closed-loop trajectories of the best run beside the
 * baselines, the shield's decisions and its interventions during training, and histograms of the
 * evaluation returns. Each figure and table says how to read it.
 *
 * <p>The trajectories come from evaluating one episode of the best run (highest median evaluation
 * return) and of each baseline into the report folder ({@code trajectories/}), on the run's first
 * evaluation seed and, except for the noise-free oracle, under the run's evaluation conditions. The
 * same inputs give the same report, byte for byte: nothing in it depends on when it was made. Not
 * thread-safe; one report at a time per folder.
 */
public final class Report {
  /** The page's file name inside the report folder. */
  public static final String PAGE = "report.html";

  /** The most bins a learning curve has over the training budget. */
  static final int MAX_BINS = 40;

  private static final int HASH_CHARS = 12;

  private static final String STEPS_AXIS = "environment steps (control intervals)";

  private static final String RETURN_AXIS = "episode return (reward units, higher is better)";

  private static final Map<String, String> BASELINE_MEANING =
      Map.of(
          "pid",
          "pid: the scenario's own PI loops, as a plant would run them today",
          "pid-simc",
          "pid-simc: PI loops tuned by the SIMC rules from a step test on the process model",
          "nmpc",
          "nmpc: the same model-predictive controller as the oracle, acting on extended-Kalman-filter"
              + " estimates from the noisy measurements (state and disturbed parameters) and knowing"
              + " only the current set point; what a well-engineered model-based controller reaches"
              + " at the plant",
          "nmpc-preview",
          "nmpc-preview: the nmpc knowing the set-point schedule ahead (as many steps as the"
              + " agent's preview, or its whole horizon), as a plant running a known recipe would",
          "oracle",
          "oracle: nonlinear model-predictive control with the nominal model, the true state and"
              + " the set points known in advance; an upper bound on what a controller can reach"
              + " on the reward, not a deployable controller",
          "oracle-no-preview",
          "oracle-no-preview: the oracle knowing only the set point in force, held over its"
              + " horizon; what the true state is worth without the preview");

  private final Comparison comparison;
  private final List<String> baselines;
  private final Consumer<String> progress;
  private final Html html;
  private final Figures figures;
  private final ClosedLoop closedLoop;
  private final Map<String, List<Run>> byScenario = new LinkedHashMap<>();
  private final Map<String, Color> colours = new LinkedHashMap<>();

  private Report(
      Path out, Comparison comparison, List<String> baselines, Consumer<String> progress) {
    this.comparison = comparison;
    this.baselines = List.copyOf(baselines);
    this.progress = progress;
    for (Run r : comparison.runs()) {
      byScenario.computeIfAbsent(r.info().scenario(), k -> new ArrayList<>()).add(r);
      colours.computeIfAbsent(r.label(), k -> Charts.colour(k, colours.size()));
    }
    this.html = new Html("SafeLoop report: " + String.join(", ", byScenario.keySet()));
    this.figures = new Figures(out);
    this.closedLoop = new ClosedLoop(out, html, figures, progress);
  }

  /**
   * Writes a report on {@code runs} into {@code out}.
   *
   * @param runs run directories, or folders holding run directories; only completed runs with an
   *     evaluation are reported, the others are named as left out
   * @param baselines baselines to compare with ({@link PolicySource#BASELINES}), may be empty
   * @param out the report folder, created if missing; files of an earlier report there are replaced
   * @return the page, {@code out/}{@value #PAGE}
   * @throws IllegalArgumentException when there is no completed run or a baseline is unknown
   */
  public static Path write(List<Path> runs, List<String> baselines, Path out) {
    return write(runs, baselines, out, message -> {});
  }

  /**
   * Writes a report on {@code runs} into {@code out}, telling {@code progress} what it is doing
   * (evaluating the baselines can take minutes).
   *
   * @see #write(List, List, Path)
   */
  public static Path write(
      List<Path> runs, List<String> baselines, Path out, Consumer<String> progress) {
    List<String> names = baselines.stream().distinct().toList();
    progress.accept("reading the runs and evaluating the baselines " + names);
    Comparison comparison = Comparison.of(runs, names, null);
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the report folder " + out, e);
    }
    Report report = new Report(out, comparison, names, progress);
    report.header();
    report.provenance(leftOut(runs, comparison));
    report.comparisonTable();
    report.perScenario("3. Learning curves", report::learningCurves);
    Map<String, ClosedLoop.Episode> best = new LinkedHashMap<>();
    report.perScenario(
        "4. Closed-loop trajectories of the best run",
        (s, r) -> best.put(s, report.trajectories(s, r)));
    report.perScenario("5. Shield interventions", (s, r) -> report.shield(s, r, best.get(s)));
    report.perScenario("6. Evaluation returns", report::histogram);
    report.perScenario("7. Sensitivity to hyper-parameters", report::sensitivity);
    Path page = out.resolve(PAGE);
    try {
      Files.writeString(page, report.html.page(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + page, e);
    }
    return page;
  }

  private void perScenario(String heading, BiConsumer<String, List<Run>> part) {
    html.section(heading);
    byScenario.forEach(
        (scenario, runs) -> {
          html.subsection("Scenario " + scenario);
          part.accept(scenario, runs);
        });
  }

  // ---- what was compared, and the runs' provenance ------------------------------------------

  private void header() {
    List<String> compared = new ArrayList<>();
    byScenario.forEach(
        (name, runs) -> {
          Scenario scenario = runs.get(0).experiment().scenario();
          StringBuilder item = new StringBuilder(name + ": ");
          labels(runs)
              .forEach(
                  (label, group) ->
                      item.append(label)
                          .append(group.size() == 1 ? " (seed " : " (seeds ")
                          .append(
                              group.stream()
                                  .map(r -> Long.toString(r.info().seed()))
                                  .collect(Collectors.joining(", ")))
                          .append("), "));
          EvaluationSummary eval = runs.get(0).evaluation();
          item.append(
              String.format(
                  Locale.ROOT,
                  "evaluated on %d episodes of %d control steps of %s %s from episode seed %d,"
                      + " realism %s.",
                  eval.episodes(),
                  scenario.episodeSteps(),
                  Format.number(scenario.controlInterval()),
                  scenario.model().timeUnit().symbol(),
                  eval.firstSeed(),
                  eval.realism()
                      ? "on (sensor noise, disturbances, parameter uncertainty)"
                      : "off"));
          String description = scenario.spec().description();
          if (description != null && !description.isBlank()) {
            item.append(" Scenario: ").append(description.strip());
          }
          compared.add(item.toString());
        });
    html.paragraph(
        "This report compares "
            + comparison.runs().size()
            + " training run(s) of learned controllers with each other and with baseline"
            + " controllers, in closed loop on simulated processes:");
    html.list(compared);
    if (!baselines.isEmpty()) {
      html.paragraph("Baselines:");
      html.list(baselines.stream().map(b -> BASELINE_MEANING.getOrDefault(b, b)).toList());
    }
  }

  private void provenance(List<Path> leftOut) {
    html.section("1. Runs (provenance)");
    List<List<String>> rows = new ArrayList<>();
    for (Run r : comparison.runs()) {
      RunInfo i = r.info();
      rows.add(
          List.of(
              r.dir().getFileName().toString(),
              r.label(),
              Long.toString(i.seed()),
              i.configHash().substring(0, Math.min(HASH_CHARS, i.configHash().length())),
              i.codeVersion(),
              i.status(),
              i.environmentSteps() + " / " + i.plannedSteps(),
              Long.toString(i.episodes()),
              String.format(Locale.ROOT, "%.1f s", i.wallSeconds()),
              Format.number(r.evaluation().returnMedian())));
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

  // ---- the comparison table -----------------------------------------------------------------

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
              Format.fixed(r.medianReturn(), 2),
              Format.fixed(r.madReturn(), 2),
              Format.fixed(r.gapPerStep(), 3),
              Long.toString(r.violatingSteps()),
              Format.fixed(100 * r.interventionRate(), 1) + " %",
              r.baseline() ? "-" : Format.fixed(r.wallSeconds(), 0) + " s"));
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
            + " median policy return) / episode length in control steps, in reward units per"
            + " step; 0 means as good as the oracle. The oracle always runs noise-free on the true"
            + " state (no sensor noise, disturbances or model error to cope with), so with realism"
            + " on the gap includes what the noise costs. Violating steps are evaluation steps"
            + " with a constraint of the scenario violated, summed over runs. Interventions are the"
            + " share of steps where the shield changed the proposed action (median over runs). A"
            + " policy trained with the shield (+shield) is evaluated through it, and so are the"
            + " baselines other than the oracle.");
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
                        + " evaluation steps: it optimises the reward and ignores the"
                        + " constraints, so its return may not be reachable within the limits and"
                        + " the gap overstates what is left to gain safely.");
              }
            });
  }

  // ---- learning curves ----------------------------------------------------------------------

  private void learningCurves(String scenarioName, List<Run> runs) {
    progress.accept("learning curves of " + scenarioName);
    Scenario scenario = runs.get(0).experiment().scenario();
    Grid grid = grid(runs, "episode_return");
    String binText =
        String.format(
            Locale.ROOT,
            "The %d training steps are cut into %d equal bins of %.0f steps; each seed's episodes"
                + " that finished in a bin are averaged, and the line is the median of these"
                + " averages over seeds, the shaded band their range from the lowest to the"
                + " highest seed (a single seed has no band). Bins where no episode finished are"
                + " skipped.",
            grid.budget(),
            grid.bins(),
            (double) grid.budget() / grid.bins());
    html.figure(
        figures.write(
            "learning-return-" + scenarioName,
            Charts.bands(
                "Training episode return, " + scenarioName,
                STEPS_AXIS,
                RETURN_AXIS,
                bands(runs, "episode_return", grid),
                false)),
        "training return against environment steps",
        "How the return of the training episodes grew with experience. "
            + binText
            + " Training returns are lower and noisier than evaluation returns: the policy still"
            + " explores (its actions are sampled), training may run with realism on, and a"
            + " shielded run's training return includes the penalty for each intervention.");

    List<Charts.Band> costs = bands(runs, "episode_cost", grid);
    boolean anyCost = costs.stream().flatMap(b -> b.points().stream()).anyMatch(p -> p.max() != 0);
    if (scenario.constraints().isEmpty() && !anyCost) {
      html.paragraph(
          "The scenario has no constraints and no training episode had a cost, so there is no"
              + " cost curve.");
      return;
    }
    html.figure(
        figures.write(
            "learning-cost-" + scenarioName,
            Charts.bands(
                "Training episode cost, " + scenarioName,
                STEPS_AXIS,
                "episode cost (" + costUnit(scenario) + ", lower is better)",
                costs,
                true)),
        "training cost against environment steps",
        "How much the training episodes violated the constraints ("
            + constraintText(scenario)
            + "): an episode's cost is how far outside the limits the process was, in the"
            + " variable's unit, summed over the episode's steps; 0 means no violation. A shield"
            + " whose penalty includes a cost adds it here too. "
            + binText);
  }

  /**
   * The step grid of a scenario's curves: its largest training budget, in as many bins as the seed
   * with the fewest episodes allows (at most {@link #MAX_BINS}).
   */
  private record Grid(long budget, int bins) {}

  private static Grid grid(List<Run> runs, String column) {
    long budget = runs.stream().mapToLong(r -> r.info().plannedSteps()).max().orElse(1);
    List<LearningCurves.Episodes> all =
        runs.stream()
            .map(r -> LearningCurves.read(r.dir().resolve(RunDirectory.METRICS), column))
            .toList();
    return new Grid(Math.max(1, budget), LearningCurves.binCount(all, MAX_BINS));
  }

  /** One band per label: the median over its seeds of {@code column}, with the min-max range. */
  private List<Charts.Band> bands(List<Run> runs, String column, Grid grid) {
    List<Charts.Band> bands = new ArrayList<>();
    labels(runs)
        .forEach(
            (label, group) -> {
              List<LearningCurves.Episodes> seeds =
                  group.stream()
                      .map(r -> LearningCurves.read(r.dir().resolve(RunDirectory.METRICS), column))
                      .toList();
              bands.add(
                  new Charts.Band(
                      label
                          + (seeds.size() == 1
                              ? " (1 seed)"
                              : " (median of " + seeds.size() + " seeds, min-max)"),
                      LearningCurves.bin(seeds, grid.budget(), grid.bins()),
                      colours.get(label)));
            });
    return bands;
  }

  // ---- closed loop and shield ---------------------------------------------------------------

  /** Evaluates and draws the best run beside the baselines; returns the best run's episode. */
  private ClosedLoop.Episode trajectories(String scenarioName, List<Run> runs) {
    Run best = best(runs);
    ClosedLoop.Episode bestEpisode = closedLoop.run(best, colours.get(best.label()));
    List<ClosedLoop.Episode> episodes = new ArrayList<>(List.of(bestEpisode));
    for (String baseline : baselines) {
      if (comparison.baselines().get(scenarioName).get(baseline) == null) {
        html.note(baseline + " does not apply to " + scenarioName + ": it is not drawn.");
      } else {
        episodes.add(closedLoop.baseline(baseline, best));
      }
    }
    EvaluationSummary eval = best.evaluation();
    html.paragraph(
        "The best run is "
            + best.dir().getFileName()
            + " (highest median evaluation return, "
            + Format.number(eval.returnMedian())
            + "). Below, its policy and the baselines each run evaluation episode "
            + eval.firstSeed()
            + ": the same set points and, with realism on, the same noise and disturbances. The"
            + " learned policy and the PI baselines run with realism "
            + (eval.realism() ? "on" : "off")
            + (eval.shielded() ? " and through the run's shield, as in the comparison" : "")
            + "; the oracle runs noise-free on the true state. The episodes are saved as CSV"
            + " under trajectories/ beside this page.");
    closedLoop.trajectories(scenarioName, best.experiment().scenario(), episodes);
    return bestEpisode;
  }

  private void shield(String scenarioName, List<Run> runs, ClosedLoop.Episode bestEpisode) {
    List<Run> shielded = runs.stream().filter(r -> r.info().shielded()).toList();
    if (shielded.isEmpty()) {
      html.paragraph("No run of " + scenarioName + " was trained with a shield.");
      return;
    }
    Run best = best(shielded);
    closedLoop.verdicts(
        scenarioName,
        best,
        best == best(runs) ? bestEpisode : closedLoop.run(best, colours.get(best.label())));

    Grid grid = grid(shielded, "shield_interventions");
    html.figure(
        figures.write(
            "shield-training-" + scenarioName,
            Charts.bands(
                "Shield interventions during training, " + scenarioName,
                STEPS_AXIS,
                "interventions per episode (steps)",
                bands(shielded, "shield_interventions", grid),
                true)),
        "shield interventions per training episode against environment steps",
        "How many steps of each training episode the shield changed the proposed action, as"
            + " training went on (median over seeds, band from the lowest to the highest seed, "
            + grid.bins()
            + " bins over "
            + grid.budget()
            + " steps). A falling curve means the agent learned to propose safe actions itself"
            + " and needs the shield less.");
  }

  // ---- evaluation returns -------------------------------------------------------------------

  private void histogram(String scenarioName, List<Run> runs) {
    Map<String, double[]> samples = new LinkedHashMap<>();
    Map<String, Color> sampleColours = new LinkedHashMap<>();
    labels(runs)
        .forEach(
            (label, group) -> {
              samples.put(
                  label,
                  group.stream()
                      .flatMapToDouble(r -> Arrays.stream(r.evaluation().returns()))
                      .toArray());
              sampleColours.put(label, colours.get(label));
            });
    comparison
        .baselines()
        .get(scenarioName)
        .forEach(
            (name, s) -> {
              if (s != null) {
                samples.put(name, s.returns());
                sampleColours.put(name, Charts.colour(name, 0));
              }
            });
    html.figure(
        figures.write(
            "returns-" + scenarioName,
            Charts.histogram(
                "Evaluation returns, " + scenarioName, RETURN_AXIS, samples, sampleColours)),
        "histogram of evaluation episode returns",
        "How the evaluation returns spread: for each learned policy all evaluation episodes of"
            + " all its seeds together, for each baseline its evaluation episodes, counted in "
            + Charts.HISTOGRAM_BINS
            + " equal bins of return. A narrow cluster to the right is good; a long tail to the"
            + " left means some episodes (set-point sequences, disturbances) go badly. The oracle"
            + " runs noise-free, so with realism on its bars are not under the same conditions.");
  }

  // ---- sensitivity to the hyper-parameters that differ between runs (a sweep's axes) --------

  private void sensitivity(String scenarioName, List<Run> runs) {
    boolean any = false;
    for (Map.Entry<String, List<Run>> group : labels(runs).entrySet()) {
      for (Map.Entry<String, Map<String, List<Run>>> hp :
          variedHyperparameters(group.getValue()).entrySet()) {
        any = true;
        List<List<String>> rows = new ArrayList<>();
        hp.getValue()
            .forEach(
                (value, withValue) -> {
                  double[] medians =
                      withValue.stream().mapToDouble(r -> r.evaluation().returnMedian()).toArray();
                  rows.add(
                      List.of(
                          value,
                          Integer.toString(medians.length),
                          Format.fixed(Stats.median(medians), 2),
                          Format.fixed(Arrays.stream(medians).min().orElse(Double.NaN), 2),
                          Format.fixed(Arrays.stream(medians).max().orElse(Double.NaN), 2)));
                });
        html.paragraph(group.getKey() + ", " + hp.getKey() + ":");
        html.table(
            List.of(hp.getKey(), "runs", "median return", "lowest", "highest"),
            rows,
            null,
            1,
            2,
            3,
            4);
      }
    }
    if (any) {
      html.paragraph(
          "Each table takes one hyper-parameter that differs between the runs of a policy and"
              + " gives, for each of its values, the runs that had it (all seeds, whatever the"
              + " other varied values) and the median, lowest and highest of their median"
              + " evaluation returns. A flat column means the return does not depend on it"
              + " in this range; a spread between values larger than between seeds means it"
              + " matters.");
    } else {
      html.paragraph(
          "No hyper-parameter differs between the runs of "
              + scenarioName
              + ". A sweep with hyper-parameter axes (safeloop sweep) makes this view.");
    }
  }

  /**
   * The hyper-parameters that take more than one value over {@code runs}, each with its values
   * (numbers in increasing order, others as written) and the runs that had each.
   */
  private static Map<String, Map<String, List<Run>>> variedHyperparameters(List<Run> runs) {
    Map<String, Map<String, List<Run>>> byName = new TreeMap<>();
    for (Run r : runs) {
      r.experiment()
          .resolvedHyperparameters()
          .forEach(
              (name, value) ->
                  byName
                      .computeIfAbsent(name, k -> new TreeMap<>(Report::compareValues))
                      .computeIfAbsent(String.valueOf(value), k -> new ArrayList<>())
                      .add(r));
    }
    byName.values().removeIf(values -> values.size() < 2);
    return byName;
  }

  private static int compareValues(String a, String b) {
    try {
      return Double.compare(Double.parseDouble(a), Double.parseDouble(b));
    } catch (NumberFormatException e) {
      return a.compareTo(b);
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

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

  private static String costUnit(Scenario scenario) {
    List<String> units =
        scenario.constraints().stream()
            .map(c -> Format.unit(scenario, c.variable()))
            .distinct()
            .toList();
    return units.size() == 1 ? units.get(0) + " x steps" : "variables' units x steps";
  }

  private static String constraintText(Scenario scenario) {
    if (scenario.constraints().isEmpty()) {
      return "the scenario itself has none";
    }
    return scenario.constraints().stream()
        .map(
            c ->
                (c.min() == null ? "" : Format.number(c.min()) + " <= ")
                    + c.variable()
                    + (c.max() == null ? "" : " <= " + Format.number(c.max()))
                    + " "
                    + Format.unit(scenario, c.variable()))
        .collect(Collectors.joining(", "));
  }
}
